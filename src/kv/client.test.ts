import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KvClient, KvClientError } from './client.js';
import { freePorts } from '../../test-support/kv-test-cluster.js';
import { LineSplitter } from './ndjson.js';

/** A fake server: `onRequest` sees each parsed request and the socket to answer on. */
async function fakeServer(onRequest: (req: { id: number; op: string }, socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    const splitter = new LineSplitter((line) => onRequest(JSON.parse(line), socket), 1 << 20);
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function rejection(p: Promise<unknown>): Promise<KvClientError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(KvClientError);
  return err as KvClientError;
}

describe('KvClient', () => {
  it('pipelines requests and matches responses by id, in any order', async () => {
    const held: { id: number; op: string }[] = [];
    const { server, port } = await fakeServer((req, socket) => {
      held.push(req);
      if (held.length === 3) {
        for (const r of [...held].reverse()) socket.write(`${JSON.stringify({ id: r.id, ok: true, value: r.op })}\n`);
      }
    });
    servers.push(server);
    const client = await KvClient.connect({ host: '127.0.0.1', port, connectTimeoutMs: 1000 });
    const replies = await Promise.all([
      client.request({ op: 'read', key: 'a' }, 1000),
      client.request({ op: 'write', key: 'a', value: 1 }, 1000),
      client.request({ op: 'status' }, 1000),
    ]);
    expect(replies.map((r) => (r as { value: unknown }).value)).toEqual(['read', 'write', 'status']);
    client.close();
  });

  it('a timeout or a lost connection after sending is indefinite', async () => {
    const { server, port } = await fakeServer((req, socket) => {
      if (req.op === 'write') socket.destroy();
    });
    servers.push(server);
    const client = await KvClient.connect({ host: '127.0.0.1', port, connectTimeoutMs: 1000 });
    const timedOut = await rejection(client.request({ op: 'read', key: 'k' }, 50));
    expect(timedOut.definite).toBe(false);
    expect(timedOut.message).toMatch(/within 50 ms/);
    const lost = await rejection(client.request({ op: 'write', key: 'k', value: 1 }, 1000));
    expect(lost.definite).toBe(false);
    const unsent = await rejection(client.request({ op: 'read', key: 'k' }, 1000));
    expect(unsent.definite).toBe(true);
  });

  it('a failed connect is definite', async () => {
    const [port] = await freePorts(1);
    const err = await rejection(KvClient.connect({ host: '127.0.0.1', port: port!, connectTimeoutMs: 1000 }));
    expect(err.definite).toBe(true);
    expect(err.message).toContain(`127.0.0.1:${port}`);
  });
});
