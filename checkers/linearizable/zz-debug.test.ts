import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { parseHistory } from '../../src/formats/read-history.js';
import { checkHistory } from './index.js';
it('debug', async () => {
  for (const edf of [false, true]) {
  (globalThis as any).EDF = edf;
  let total = 0;
  for (const n of ['c50-ok', 'c50-ok', 'c10-ok']) {
    const file = `/work/shared/corpus/porcupine/kv/${n}.txt`;
    const h = parseHistory(readFileSync(file, 'utf8'), 'kv-log', file);
    const r = await checkHistory(h, { model: 'kv', keyed: true, timeoutMs: 5000 });
    console.log(n, r.outcome, r.checkMs, JSON.stringify(r.keys.map((k) => [k.key, k.outcome, k.ops, Math.round(k.checkMs), k.explored])));
  }
  for (let i = 0; i < 103; i++) {
    const file = `/work/shared/corpus/porcupine/jepsen/etcd_${String(i).padStart(3, '0')}.log`;
    const h = parseHistory(readFileSync(file, 'utf8'), 'etcd-log', file);
    const r = await checkHistory(h, { model: 'cas-register', keyed: false, timeoutMs: 5000 });
    total += r.checkMs;
    if (r.checkMs > 5) console.log(i, r.outcome, r.checkMs, r.keys[0]?.explored);
  }
  console.log('etcd total', total);
  }
});
