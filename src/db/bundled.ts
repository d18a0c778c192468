// The bundled store as a db: one `kv` server process per node, peers reached through the
// runtime's links, clients speaking its NDJSON protocol (src/kv/README.md).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KvClient, KvClientError, type Json, type KvOp, type KvResponse, type KvStatusResponse } from '../kv/client.js';
import { tailLines } from '../log-tail.js';
import { OpFailure, type DbContext, type RegisterConnection, type RegisterDb } from './db.js';

const kvMain = fileURLToPath(new URL('../kv/main.js', import.meta.url));

export interface BundledOptions {
  storeMode: string;
  readMode: string;
}

/** Creates the bundled-store adapter for one store mode. */
export function bundledDb(options: BundledOptions): RegisterDb {
  return {
    name: 'bundled',

    async start(node, ctx) {
      const { runtime } = ctx;
      const dataDir = join(ctx.nodeDir(node), 'data');
      mkdirSync(dataDir, { recursive: true });
      const listen = runtime.listenAddress(node);
      const peers = runtime.nodes
        .filter((peer) => peer !== node)
        .map((peer) => {
          const address = runtime.peerAddress(node, peer);
          return `${peer}=${address.host}:${address.port}`;
        });
      const args = [
        kvMain,
        '--id', node,
        '--listen', `${listen.host}:${listen.port}`,
        '--peers', peers.join(','),
        '--data-dir', dataDir,
        '--mode', options.storeMode,
        '--read-mode', options.readMode,
        '--seed', String((ctx.test.seed + runtime.nodes.indexOf(node)) | 0),
      ];
      await runtime.spawn(node, { command: process.execPath, args }, logPath(ctx, node));
    },

    async awaitReady(nodes, ctx, deadlineMs) {
      const deadline = Date.now() + deadlineMs;
      for (const node of nodes) {
        for (;;) {
          const status = await statusOf(node, ctx).catch(() => undefined);
          if (status?.ok && (status as KvStatusResponse).leader) break;
          if (!ctx.runtime.isRunning(node)) {
            throw new Error(`node ${node} exited while starting; last log lines:\n${tailLines(logPath(ctx, node))}`);
          }
          if (Date.now() > deadline) {
            const seen = status ? JSON.stringify(status) : 'no answer';
            throw new Error(`node ${node} was not ready within ${deadlineMs / 1000} s (status: ${seen}); last log lines:\n${tailLines(logPath(ctx, node))}`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },

    async openRegister(node, ctx) {
      const { host, port } = ctx.runtime.clientAddress(node);
      const timeoutMs = ctx.test.opTimeoutMs;
      const connect = () => KvClient.connect({ host, port, connectTimeoutMs: timeoutMs });
      // A connection that broke (its node was killed or restarted) is replaced on the next op.
      let client: KvClient | undefined = await connect().catch((err: unknown) => {
        throw toOpFailure(err);
      });
      const call = async (req: KvOp): Promise<KvResponse> => {
        try {
          client ??= await connect();
          return await client.request(req, timeoutMs);
        } catch (err) {
          client?.close();
          client = undefined;
          throw toOpFailure(err);
        }
      };
      const connection: RegisterConnection = {
        async read(key) {
          return valueOf(await call({ op: 'read', key }));
        },
        async write(key, value) {
          valueOf(await call({ op: 'write', key, value: value as Json }));
        },
        async cas(key, from, to) {
          const response = await call({ op: 'cas', key, from: from as Json, to: to as Json });
          if (!response.ok && response.error === 'cas-mismatch') return false;
          valueOf(response);
          return true;
        },
        async close() {
          client?.close();
          client = undefined;
        },
      };
      return connection;
    },
  };
}

function logPath(ctx: DbContext, node: string): string {
  return join(ctx.nodeDir(node), 'node.log');
}

async function statusOf(node: string, ctx: DbContext): Promise<KvResponse | undefined> {
  const { host, port } = ctx.runtime.clientAddress(node);
  const client = await KvClient.connect({ host, port, connectTimeoutMs: 500 });
  try {
    return await client.request({ op: 'status' }, 1000);
  } finally {
    client.close();
  }
}

function valueOf(response: KvResponse): unknown {
  if (response.ok) return 'value' in response ? (response.value ?? null) : null;
  throw new OpFailure(response.error, response.definite);
}

function toOpFailure(err: unknown): OpFailure {
  if (err instanceof KvClientError) return new OpFailure(err.message, err.definite);
  return new OpFailure(err instanceof Error ? err.message : String(err), false);
}
