import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { parseHistory } from '../../src/formats/read-history.js';
import { historyOperations } from './history-operations.js';
import { resolveModel } from './models/registry.js';
import { checkPartition } from './check-operations.js';
it('debug', () => {
  for (const n of ['087', '092', '098', '002']) {
    const file = `/work/shared/corpus/porcupine/jepsen/etcd_${n}.log`;
    const h = parseHistory(readFileSync(file, 'utf8'), 'etcd-log', file);
    const model = resolveModel('cas-register');
    const ops = historyOperations(h, model, false).groups[0]!.operations;
    const noObs = { ...model, crashObservers: undefined };
    (globalThis as any).NOFORCE = true;
    console.log(n, checkPartition(model, ops, Infinity, 1 << 30).outcome, 'noObs', checkPartition(noObs, ops, Infinity, 1 << 30).outcome);
    (globalThis as any).NOFORCE = false;
  }
});
