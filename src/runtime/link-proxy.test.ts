import { afterEach, describe, expect, it } from 'vitest';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { LinkProxy } from './link-proxy.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function echoServer(): Promise<number> {
  const server: Server = createServer((s) => {
    s.on('error', () => {}); // a reset reaches the server too
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup.push(() => new Promise((r) => server.close(r)));
  return (server.address() as { port: number }).port;
}

async function proxied(): Promise<{ proxy: LinkProxy; socket: Socket }> {
  const proxy = new LinkProxy('n1', 'n2', { host: '127.0.0.1', port: await echoServer() });
  const { port } = await proxy.start();
  cleanup.push(() => proxy.stop());
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  cleanup.push(() => socket.destroy());
  return { proxy, socket };
}

/** Resolves with what arrives within `ms`, as a string. */
function receive(socket: Socket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const onData = (chunk: Buffer) => (got += chunk.toString());
    socket.on('data', onData);
    setTimeout(() => {
      socket.off('data', onData);
      resolve(got);
    }, ms);
  });
}

describe('link proxy', () => {
  it('forwards both ways when the link is whole', async () => {
    const { socket } = await proxied();
    socket.write('hello');
    expect(await receive(socket, 150)).toBe('hello');
  });

  it('a partition stops traffic without resetting the connection; healing delivers what was held', async () => {
    const { proxy, socket } = await proxied();
    let closed = false;
    socket.on('close', () => (closed = true));
    proxy.setBlock({ forward: true, backward: true });
    socket.write('during');
    expect(await receive(socket, 300)).toBe('');
    expect(closed).toBe(false);
    proxy.setBlock({ forward: false, backward: false });
    expect(await receive(socket, 300)).toBe('during');
  });

  it('a one-way partition drops only the replies', async () => {
    const { proxy, socket } = await proxied();
    proxy.setBlock({ forward: false, backward: true });
    socket.write('ping');
    expect(await receive(socket, 200)).toBe('');
    proxy.setBlock({ forward: false, backward: false });
    expect(await receive(socket, 200)).toBe('ping');
  });

  it('cut one way, a new connection opens and bytes flow the other way only', async () => {
    // The listening side greets each connection and records what it hears.
    const heard: string[] = [];
    const server: Server = createServer((s) => {
      s.write('greeting');
      s.on('data', (chunk: Buffer) => heard.push(chunk.toString()));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(() => new Promise((r) => server.close(r)));
    const proxy = new LinkProxy('n1', 'n2', { host: '127.0.0.1', port: (server.address() as { port: number }).port });
    const { port } = await proxy.start();
    cleanup.push(() => proxy.stop());
    proxy.setBlock({ forward: true, backward: false }); // n2 stops hearing n1; n1 still hears n2
    const socket = connect(port, '127.0.0.1');
    cleanup.push(() => socket.destroy());
    await once(socket, 'connect');
    const greeted = receive(socket, 300);
    socket.write('from n1');
    expect(await greeted).toBe('greeting');
    expect(heard).toEqual([]);
    proxy.setBlock({ forward: false, backward: false });
    await new Promise((r) => setTimeout(r, 200));
    expect(heard.join('')).toBe('from n1');
  });

  it('a new connection during a partition hangs until healed', async () => {
    const proxy = new LinkProxy('n1', 'n2', { host: '127.0.0.1', port: await echoServer() });
    const { port } = await proxy.start();
    cleanup.push(() => proxy.stop());
    proxy.setBlock({ forward: true, backward: true });
    const socket = connect(port, '127.0.0.1');
    cleanup.push(() => socket.destroy());
    await once(socket, 'connect');
    socket.write('early');
    expect(await receive(socket, 200)).toBe('');
    proxy.setBlock({ forward: false, backward: false });
    expect(await receive(socket, 300)).toBe('early');
  });

  it('a delay slows every round trip, in order; removing the shape restores the speed at once', async () => {
    const { proxy, socket } = await proxied();
    proxy.setShaping({ delayMs: 150 });
    const started = performance.now();
    const echoed = receive(socket, 600);
    socket.write('a');
    setTimeout(() => socket.write('b'), 20);
    expect(await echoed).toBe('ab');
    const rtt = async () => {
      const t0 = performance.now();
      socket.write('x');
      await once(socket, 'data');
      return performance.now() - t0;
    };
    expect(await rtt()).toBeGreaterThanOrEqual(290); // both directions delayed
    expect(performance.now() - started).toBeGreaterThan(600);
    proxy.setShaping(undefined);
    expect(proxy.shaped).toBe(false);
    expect(await rtt()).toBeLessThan(100);
  });

  it('a stall holds bytes, then delivers them without closing the connection', async () => {
    const { proxy, socket } = await proxied();
    let closed = false;
    socket.on('close', () => (closed = true));
    proxy.setShaping({ stallMs: 400 });
    socket.write('held');
    expect(await receive(socket, 250)).toBe('');
    expect(await receive(socket, 500)).toBe('held');
    expect(closed).toBe(false);
  });

  it('a rate limit throttles the stream', async () => {
    const { proxy, socket } = await proxied();
    proxy.setShaping({ rateKbit: 256 }); // 32 bytes per ms, each way
    const payload = Buffer.alloc(16_000, 1);
    const t0 = performance.now();
    let got = 0;
    socket.write(payload);
    await new Promise<void>((resolve) => socket.on('data', (chunk: Buffer) => ((got += chunk.length) >= payload.length ? resolve() : undefined)));
    // (16000 - 4096 burst) / 32 bytes per ms, each way: at least 370 ms each way.
    expect(performance.now() - t0).toBeGreaterThan(600);
  });

  it('a reset ends the connection with RST', async () => {
    const { proxy, socket } = await proxied();
    proxy.setShaping({ resetPercent: 100 });
    const error = once(socket, 'error');
    socket.write('doomed');
    const [err] = (await error) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNRESET');
  });
});
