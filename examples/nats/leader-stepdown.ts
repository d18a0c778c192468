// A fault of this project's own: asks the leader of the bucket's stream to step down
// ($JS.API.STREAM.LEADER.STEPDOWN.KV_faultline), so its replicas elect another while every process
// keeps running: a leader change with nothing crashed or cut off. Nothing to heal.
//   npx faultline test --db ./nats.ts --nemesis ./leader-stepdown.ts,partition
import { connect, JSONCodec } from 'nats';
import { defineFault, HEAL_RANK, type Db, type DbContext } from 'faultline';
import { BUCKET } from './nats.ts';

/** What this fault needs from the database: the nats adapter's leader and client address. */
interface NatsAdapter extends Db {
  primaries(ctx: DbContext): Promise<string[]>;
  clientAddress(node: string, ctx: DbContext): string;
}

function isNatsAdapter(db: Db): db is NatsAdapter {
  const d = db as Partial<NatsAdapter>;
  return typeof d.primaries === 'function' && typeof d.clientAddress === 'function';
}

export default defineFault({
  name: 'leader-stepdown',
  description: "asks the NATS bucket stream's leader to step down, forcing an election",
  // Heals nothing, so its place in the heal order does not matter; after the built-ins.
  healRank: HEAL_RANK.packet + 10,
  create: (ctx) => ({
    fault: 'leader-stepdown',
    async invoke(op) {
      if (op.f === 'stop-leader-stepdown') return { description: 'nothing to heal' };
      const { db, dbCtx } = ctx;
      if (!isNatsAdapter(db)) throw new Error(`leader-stepdown needs the nats database (./nats.ts); got db "${db.name}"`);
      const [leader] = await db.primaries(dbCtx);
      if (leader === undefined) return { description: 'no stream leader to step down' };
      const nc = await connect({ servers: db.clientAddress(leader, dbCtx), ignoreClusterUpdates: true, timeout: 2000 });
      try {
        const reply = await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.KV_${BUCKET}`, undefined, { timeout: 2000 });
        const answer = JSONCodec<{ success?: boolean; error?: { description?: string } }>().decode(reply.data);
        if (answer.success !== true) throw new Error(`${leader} refused to step down: ${answer.error?.description ?? JSON.stringify(answer)}`);
        return { node: leader, description: `${leader} stepped down` };
      } finally {
        await nc.close();
      }
    },
  }),
});
