import { it } from 'vitest';
import { checkHistory } from './index.js';
import { simulateRegisterHistory, corruptRead } from './simulate-register-history.js';
it('debug', async () => {
  for (const crashRate of [0, 0.02, 0.05]) for (const valueRange of [5, 100]) for (const cas of [true, false]) {
    const h = simulateRegisterHistory({ seed: 1, ops: 20000, processes: 20, crashRate, valueRange, cas });
    let t = performance.now();
    const r = await checkHistory(h, { model: 'cas-register', timeoutMs: 10000 });
    const bad = corruptRead(h, 0.9);
    const r2 = await checkHistory(bad.history, { model: 'cas-register', timeoutMs: 10000 });
    console.log('ok', crashRate, valueRange, cas, r.outcome, r.checkMs, r.keys[0]?.explored, 'bad', r2.outcome, r2.checkMs, r2.keys[0]?.explored, r2.failures[0]?.linearized.length);
  }
}, 400000);
