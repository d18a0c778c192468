// Partitions on the local runtime are made by the proxies between nodes: a one-way grudge makes
// the deaf node hear nothing from its peer on any link, while the peer hears everything it sends.
// The nodes here are plain servers on the nodes' addresses, talking through the runtime's proxies.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalRuntime } from './local.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** What each node heard, by the node that sent it: every connection starts with "<sender>:". */
type Heard = Record<string, string>;

/** A server on `node`'s address: greets each connection with "<node> greets" and records what it hears. */
async function serveNode(runtime: LocalRuntime, node: string, heard: Heard): Promise<void> {
  const server: Server = createServer((s) => {
    s.on('error', () => {});
    s.write(`${node} greets`);
    s.on('data', (chunk: Buffer) => (heard[node] = (heard[node] ?? '') + chunk.toString()));
  });
  const { host, port } = runtime.listenAddress(node);
  server.listen(port, host);
  await once(server, 'listening');
  cleanup.push(() => new Promise((r) => server.close(r)));
}

/** Opens a connection from `from` to `to` through the runtime's proxy and collects what `from` hears on it. */
async function link(runtime: LocalRuntime, from: string, to: string): Promise<{ socket: Socket; received: () => string }> {
  const { host, port } = runtime.peerAddress(from, to);
  const socket = connect(port, host);
  socket.on('error', () => {});
  cleanup.push(() => socket.destroy());
  let got = '';
  socket.on('data', (chunk: Buffer) => (got += chunk.toString()));
  await once(socket, 'connect');
  return { socket, received: () => got };
}

const settle = () => new Promise((r) => setTimeout(r, 300));

describe('local runtime: partitions through the proxies', () => {
  it('one way: n1 stops hearing n2 on both links while n2 still hears n1; healing delivers what was held', async () => {
    const runtime = new LocalRuntime(['n1', 'n2', 'n3']);
    await runtime.setup();
    cleanup.push(() => runtime.teardown());
    const heard: Heard = {};
    for (const node of runtime.nodes) await serveNode(runtime, node, heard);

    await runtime.partition({ n1: ['n2'], n2: [], n3: [] });
    // New connections open both ways (the cut is one way), then each side writes.
    const n2ToN1 = await link(runtime, 'n2', 'n1');
    const n1ToN2 = await link(runtime, 'n1', 'n2');
    const n3ToN1 = await link(runtime, 'n3', 'n1');
    n2ToN1.socket.write('n2:to n1;');
    n1ToN2.socket.write('n1:to n2;');
    n3ToN1.socket.write('n3:to n1;');
    await settle();

    expect(heard.n1 ?? '').not.toContain('n2:'); // n1 hears nothing n2 sends on n2's link
    expect(n1ToN2.received()).toBe(''); // nor n2's greeting on n1's own link
    expect(heard.n2).toBe('n1:to n2;'); // n2 hears n1's bytes
    expect(n2ToN1.received()).toBe('n1 greets'); // and n1's greeting on n2's link
    expect(heard.n1).toBe('n3:to n1;'); // n3 is not part of the grudge
    expect(n3ToN1.received()).toBe('n1 greets');

    await runtime.heal();
    await settle();
    expect(heard.n1).toBe('n3:to n1;n2:to n1;');
    expect(n1ToN2.received()).toBe('n2 greets');
  });

  it('two ways: a new connection hangs and nothing flows until healed', async () => {
    const runtime = new LocalRuntime(['n1', 'n2']);
    await runtime.setup();
    cleanup.push(() => runtime.teardown());
    const heard: Heard = {};
    for (const node of runtime.nodes) await serveNode(runtime, node, heard);

    await runtime.partition({ n1: ['n2'], n2: ['n1'] });
    const n2ToN1 = await link(runtime, 'n2', 'n1');
    n2ToN1.socket.write('n2:to n1;');
    await settle();
    expect(heard.n1).toBeUndefined();
    expect(n2ToN1.received()).toBe('');
    await runtime.heal();
    await settle();
    expect(heard.n1).toBe('n2:to n1;');
    expect(n2ToN1.received()).toBe('n1 greets');
  });
});
