import { createServer, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../../test-support/kv-test-cluster.js';
import { LineSplitter } from './ndjson.js';
import { checkedLine, defaultTransportLimits, isPeerHello, parseCheckedLine, PeerTransport } from './peer-transport.js';

const log = pino({ level: 'silent' });
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

/** A listener that hands peer connections to `transport` the way the server does. */
async function listenFor(transport: PeerTransport): Promise<number> {
  const server = createServer((socket) => {
    let handle: ((line: string) => void) | null = null;
    const splitter = new LineSplitter((line) => {
      if (handle) return handle(line);
      const hello = JSON.parse(line) as unknown;
      if (isPeerHello(hello)) handle = transport.acceptInbound(socket, hello);
    }, 1 << 20);
    socket.on('data', (c: Buffer) => splitter.push(c));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => server.close());
  return (server.address() as { port: number }).port;
}

describe('checked lines', () => {
  it('round-trip, and a splice of two half lines is rejected', () => {
    const a = checkedLine({ k: 'raft', m: { type: 'append', entries: [{ index: 5, term: 2 }] } }).trimEnd();
    const b = checkedLine({ k: 'raft', m: { type: 'append', entries: [{ index: 9, term: 3 }] } }).trimEnd();
    expect(parseCheckedLine(a)).toEqual({ k: 'raft', m: { type: 'append', entries: [{ index: 5, term: 2 }] } });
    const at = (line: string, n: number): number => line.indexOf(`"index":${n}`) + '"index":'.length;
    const splice = a.slice(0, at(a, 5)) + b.slice(at(b, 9));
    expect(JSON.parse(splice.slice(splice.indexOf(' ') + 1))).toBeTruthy(); // valid JSON, wrong message
    expect(parseCheckedLine(splice)).toBeUndefined();
  });
});

describe('PeerTransport', () => {
  it('delivers messages between two nodes, each sending on its own connection', async () => {
    const a = new PeerTransport('a', [{ id: 'b', host: '127.0.0.1', port: 1 }], log); // a only receives here
    const aPort = await listenFor(a);
    const b = new PeerTransport('b', [{ id: 'a', host: '127.0.0.1', port: aPort }], log);
    cleanup.push(() => a.stop(), () => b.stop());
    const got: [string, unknown][] = [];
    a.listen((from, m) => got.push([from, m]));
    b.start();
    b.send('a', { hello: 1 }); // queued while connecting
    await sleep(100);
    b.send('a', { hello: 2 });
    await sleep(100);
    expect(got).toEqual([['b', { hello: 1 }], ['b', { hello: 2 }]]);
  });

  it('refuses a connection that claims an unknown peer or another destination', async () => {
    const a = new PeerTransport('a', [{ id: 'b', host: '127.0.0.1', port: 1 }], log);
    const aPort = await listenFor(a);
    const c = new PeerTransport('c', [{ id: 'a', host: '127.0.0.1', port: aPort }], log);
    cleanup.push(() => a.stop(), () => c.stop());
    const got: unknown[] = [];
    a.listen((_from, m) => got.push(m));
    c.start();
    c.send('a', { sneaky: true });
    await sleep(150);
    expect(got).toEqual([]);
  });

  it('never blocks on a peer that stops reading: drops when full, replaces the stalled connection', async () => {
    const sockets: Socket[] = [];
    const hung: Server = createServer((socket) => {
      socket.pause(); // like a partitioned link or a SIGSTOPped peer: bytes pile up
      sockets.push(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => {
      for (const s of sockets) s.destroy();
      hung.close();
    });
    const port = (hung.address() as { port: number }).port;
    const t = new PeerTransport('b', [{ id: 'a', host: '127.0.0.1', port }], log, {
      ...defaultTransportLimits,
      maxBufferedBytes: 256 << 10,
      stallMs: 300,
    });
    cleanup.push(() => t.stop());
    t.start();
    await sleep(50);
    const big = { pad: 'x'.repeat(64 << 10) };
    // send() is synchronous: it returns whatever the peer does. What could fail is the bound: 400
    // messages of 64 KiB are 25 MiB; past the kernel's socket buffers (a few MiB on loopback, 63
    // messages here) and the 256 KiB of ours, sends must be dropped, not queued without end.
    // (No wall-clock bound here: serializing 25 MiB takes what the machine's load makes it.)
    for (let i = 0; i < 400; i++) t.send('a', big);
    expect(t.stats.sent + t.stats.dropped).toBe(400);
    expect(t.stats.dropped).toBeGreaterThan(200);
    await sleep(800);
    expect(t.stats.reconnects).toBeGreaterThan(0);
    expect(sockets.length).toBeGreaterThan(1);
  });
});
