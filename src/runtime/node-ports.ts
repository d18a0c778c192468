// Ports for node processes on the local runtime. A node's port is free between setup and the
// node's listen, and again whenever a kill fault has it down. A port from the kernel's ephemeral
// range can meanwhile become the source port of any outgoing connection on the machine (a client's
// reconnect, a proxy's upstream), and the node then fails to start with EADDRINUSE. Node ports are
// therefore taken from below that range, where the kernel never picks a port by itself.
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** A loopback port bound by this process until released. */
export interface HeldPort {
  port: number;
  release(): Promise<void>;
}

/** The lowest port a node may get; below it are the well-known and registered services people run. */
export const NODE_PORT_FLOOR = 10_000;

/** The first port of the kernel's ephemeral range (ip_local_port_range), 32768 where it cannot be read. */
export function ephemeralPortFloor(path = '/proc/sys/net/ipv4/ip_local_port_range'): number {
  try {
    const low = Number(readFileSync(path, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * Binds a free loopback port below the ephemeral range, trying random ones; falls back to one the
 * kernel picks when none of `tries` is free (or the range below it is too small to pick from).
 * The choice is deliberately not from the test's seed: two runs replaying one seed side by side
 * must not pick the same ports.
 */
export async function holdNodePort(options: { random?: () => number; tries?: number; ceiling?: number } = {}): Promise<HeldPort> {
  const ceiling = options.ceiling ?? ephemeralPortFloor();
  const span = ceiling - NODE_PORT_FLOOR;
  const pick = options.random ? () => Math.floor(options.random!() * span) : () => randomInt(span);
  for (let i = 0; span > 100 && i < (options.tries ?? 64); i++) {
    const held = await bind(NODE_PORT_FLOOR + pick()).catch(() => undefined);
    if (held) return held;
  }
  return bind(0);
}

function bind(port: number): Promise<HeldPort> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      resolve({ port: bound, release: () => new Promise<void>((done) => server.close(() => done())) });
    });
  });
}
