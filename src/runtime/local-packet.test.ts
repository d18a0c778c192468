// Packet faults on the local runtime are link shapes in its proxies: a shaped node's links slow,
// and the packet fault's stop op (which the final heal also runs) leaves no shape on any proxy.
import { afterEach, describe, expect, it } from 'vitest';
import { connect, createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { packetNemesis } from '../../nemesis/packet.js';
import type { NemesisContext } from '../../nemesis/nemesis.js';
import type { Op } from '../op.js';
import { createRandom } from '../random.js';
import { LocalRuntime } from './local.js';

const nodes = ['n1', 'n2', 'n3'];
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function runtime(): Promise<LocalRuntime> {
  const local = new LocalRuntime(nodes);
  await local.setup();
  cleanup.push(() => local.teardown());
  return local;
}

/** An echo server on a node's listen address, as its database would listen there. */
async function echoOn(local: LocalRuntime, node: string): Promise<void> {
  const server: Server = createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  server.listen(local.listenAddress(node).port, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(() => new Promise((r) => server.close(r)));
}

/** One round trip from `from` to `to` through their link, in ms. */
async function roundTripMs(local: LocalRuntime, from: string, to: string): Promise<number> {
  const { host, port } = local.peerAddress(from, to);
  const socket = connect(port, host);
  cleanup.push(() => socket.destroy());
  await once(socket, 'connect');
  const t0 = performance.now();
  socket.write('ping');
  await once(socket, 'data');
  return performance.now() - t0;
}

const op = (f: string): Op => ({ index: 0, time: 0, process: 'nemesis', type: 'invoke', f, value: null });

describe('packet faults on the local runtime', () => {
  it('say what a TCP proxy makes of each behaviour, and refuse the rest', async () => {
    const local = await runtime();
    const support = await local.packetSupport();
    expect(Object.keys(support.available).sort()).toEqual(['delay', 'rate', 'reset', 'stall']);
    expect(support.unavailable.loss).toMatch(/^a TCP proxy relays a byte stream, not packets: the kernel retransmits/);
    await expect(local.shapePackets(['n1'], { lossPercent: 5 })).rejects.toThrow(/^packet behaviours loss are unavailable \(a TCP proxy relays a byte stream/);
    await expect(local.shapePackets(['n9'], { delayMs: 5 })).rejects.toThrow('unknown node "n9"; expected one of n1, n2, n3');
    expect(local.shapedLinks()).toEqual([]);
  });

  it('shape both directions of every link to or from the shaped nodes, and clear them all', async () => {
    const local = await runtime();
    await echoOn(local, 'n1');
    await echoOn(local, 'n3');
    expect(await roundTripMs(local, 'n2', 'n1')).toBeLessThan(100);
    expect(await local.shapePackets(['n1'], { delayMs: 100 })).toEqual({});
    expect(local.shapedLinks().sort()).toEqual(['n1->n2', 'n1->n3', 'n2->n1', 'n3->n1']);
    expect(await roundTripMs(local, 'n2', 'n1')).toBeGreaterThanOrEqual(190);
    expect(await roundTripMs(local, 'n2', 'n3')).toBeLessThan(100); // a link between unshaped nodes
    await local.clearPackets();
    expect(local.shapedLinks()).toEqual([]);
    expect(await roundTripMs(local, 'n2', 'n1')).toBeLessThan(100);
  });

  it('the packet fault draws what the proxies can make; its stop op (the final heal’s too) leaves no shape', async () => {
    const local = await runtime();
    const db = { name: 'fake', start: async () => undefined, awaitReady: async () => undefined };
    const ctx = { runtime: local, db, dbCtx: {}, nodes, random: createRandom(3) } as unknown as NemesisContext;
    const nemesis = packetNemesis(ctx);
    for (let i = 0; i < 8; i++) {
      const started = (await nemesis.invoke(op('start-packet'))) as { behaviour: string; nodes: string[]; via: string; unavailable: string[] };
      expect(['delay', 'rate', 'stall', 'reset']).toContain(started.behaviour);
      expect(started.via).toMatch(/^the link proxies /);
      expect(started.unavailable.map((u) => u.split(' ')[0])).toEqual(['loss', 'duplicate', 'reorder', 'corrupt']);
      expect(local.shapedLinks().length).toBeGreaterThan(0);
      expect(local.shapedLinks().every((link) => started.nodes.some((n) => link.includes(n)))).toBe(true);
      await nemesis.invoke(op('stop-packet'));
      expect(local.shapedLinks()).toEqual([]);
    }
  });
});
