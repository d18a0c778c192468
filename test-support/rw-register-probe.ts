// A small rw-register workload for testing a database's RwRegisterConnection end to end before the
// bundled rw-register workload exists: transactions that write a key and read it back, then read
// another. Its checker asks only what any isolation level promises: a transaction reads its own
// write, and a read returns null or a value some transaction wrote. Loaded by path:
//   npx faultline test --db postgres --workload ./test-support/rw-register-probe.ts
import { defineWorkload, failedResult, type CheckResult, type Op } from 'faultline';

type Mop = ['w', string, unknown] | ['r', string, unknown];

export default defineWorkload({
  name: 'rw-register-probe',
  description: 'writes a register and reads it back in one transaction, then reads another; each read is its own write, null, or a value written',
  needs: ['rw-register'],
  create: (ctx) => ({
    name: 'rw-register-probe',
    generator: (g) => {
      const [k1, k2, v] = [g.random.int(8), g.random.int(8), g.random.int(1_000_000_000)];
      return { f: 'txn', value: [['w', String(k1), v], ['r', String(k1), null], ['r', String(k2), null]] satisfies Mop[] };
    },
    async open(node) {
      const db = ctx.db as unknown as { openRwRegister(node: string, dbCtx: unknown): Promise<{ txn(m: Mop[]): Promise<Mop[]>; close(): Promise<void> }> };
      const conn = await db.openRwRegister(node, ctx.dbCtx);
      return {
        async invoke(o: Op) {
          try {
            return { type: 'ok', value: await conn.txn(o.value as Mop[]) };
          } catch (err) {
            return failedResult(o, err, false);
          }
        },
        close: () => conn.close(),
      };
    },
  }),
  checkers: () => ({
    reads: (history): CheckResult => {
      const written = new Set<string>();
      for (const o of history) if (o.type === 'invoke' && o.f === 'txn') for (const [f, k, v] of o.value as Mop[]) if (f === 'w') written.add(`${k}=${JSON.stringify(v)}`);
      const bad: string[] = [];
      let ok = 0;
      for (const o of history) {
        if (o.type !== 'ok' || o.f !== 'txn') continue;
        ok++;
        const [w, own, other] = o.value as Mop[];
        if (JSON.stringify(own![2]) !== JSON.stringify(w![2])) bad.push(`op ${o.index}: wrote ${JSON.stringify(w![2])} to ${w![1]}, read back ${JSON.stringify(own![2])}`);
        if (other![2] !== null && !written.has(`${other![1]}=${JSON.stringify(other![2])}`)) bad.push(`op ${o.index}: read ${JSON.stringify(other![2])} from ${other![1]}, never written`);
      }
      return { valid: bad.length === 0 && ok > 0, summary: bad.length > 0 ? bad.slice(0, 3).join('; ') : `${ok} ok transactions read their own writes and written values` };
    },
  }),
});
