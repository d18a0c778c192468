// The bundled adapter's connections against a fake node: what happens when a node's connection
// breaks while the client is idle (a kill or a restart between two ops).
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LineSplitter } from '../kv/ndjson.js';
import { bundledDb } from './bundled.js';
import { supportsRegister, type DbContext } from './db.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A node that answers every read with the number of connections it has accepted so far. */
async function fakeNode(): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    const accepted = sockets.length;
    const splitter = new LineSplitter((line) => {
      const req = JSON.parse(line) as { id: number };
      socket.write(`${JSON.stringify({ id: req.id, ok: true, value: accepted })}\n`);
    }, 1 << 20);
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, sockets };
}

describe('bundled adapter connections', () => {
  it('reconnect before sending when the connection broke while idle, so the op is not lost unsent', async () => {
    const node = await fakeNode();
    const ctx = {
      runtime: { clientAddress: () => ({ host: '127.0.0.1', port: node.port }) },
      test: { seed: 1, opTimeoutMs: 1000 },
    } as unknown as DbContext;
    const db = bundledDb({ storeMode: 'raft', readMode: 'quorum', replicas: 3, r: 2, w: 2, antiEntropy: 'on', fsync: 'always' });
    if (!supportsRegister(db)) throw new Error('bundled raft serves registers');
    const conn = await db.openRegister('n1', ctx);
    expect(await conn.read('k')).toBe(1);
    node.sockets[0]!.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(await conn.read('k')).toBe(2);
    await conn.close();
  });
});
