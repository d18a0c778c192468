// A run's private network: a labelled Docker bridge on a /24 of its own, with fixed addresses
// (n1 is .11, n2 .12, ...). The controller is the gateway (.1) and reaches every node directly.
import { networkInterfaces } from 'node:os';
import type Docker from 'dockerode';
import { engineCall } from './docker-call.js';
import { LABELS, ownerLabel } from './docker-engine.js';

export interface RunNetwork {
  name: string;
  id: string;
  /** The first three octets, e.g. "10.213.4". */
  prefix: string;
}

/** The candidate /24s, in order: 10.213.1.0/24 .. 10.213.254.0/24. */
const CANDIDATES = Array.from({ length: 254 }, (_, i) => `10.213.${i + 1}`);

/** The address of the `index`-th node (0-based) on a network. */
export function nodeIp(prefix: string, index: number): string {
  return `${prefix}.${11 + index}`;
}

/** Parses "a.b.c.d/n" into a [start, end] range of 32-bit addresses. */
export function cidrRange(cidr: string): [number, number] {
  const [address, bits = '32'] = cidr.split('/');
  const octets = (address ?? '').split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new Error(`"${cidr}" is not an IPv4 CIDR; expected a.b.c.d/n`);
  }
  const start = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - Number(bits));
  const first = start - (start % size);
  return [first, first + size - 1];
}

/** The first candidate /24 that overlaps none of the ranges in use (other networks, host addresses). */
export function pickSubnet(inUse: readonly string[], skip: ReadonlySet<string> = new Set()): string | undefined {
  const used = inUse.map(cidrRange);
  return CANDIDATES.find((prefix) => {
    if (skip.has(prefix)) return false;
    const [a, b] = cidrRange(`${prefix}.0/24`);
    return used.every(([c, d]) => b < c || d < a);
  });
}

/** Creates the run's network on a free /24; retries on the next one if another run took it first. */
export async function createRunNetwork(docker: Docker, runId: string, signal?: AbortSignal): Promise<RunNetwork> {
  const name = `faultline-${runId}`;
  const tried = new Set<string>();
  const options = signal ? { signal } : {};
  for (;;) {
    const networks = await engineCall('`list` of networks', (abortSignal) => docker.listNetworks({ abortSignal }), options);
    const inUse = [
      ...networks.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '')).filter((s) => s.includes('.')),
      ...Object.values(networkInterfaces()).flat().flatMap((i) => (i && i.family === 'IPv4' && !i.internal ? [i.cidr ?? `${i.address}/32`] : [])),
    ];
    const prefix = pickSubnet(inUse, tried);
    if (!prefix) throw new Error(`no free /24 left in 10.213.0.0/16 for a run network (${networks.length} networks exist); run \`faultline cleanup\``);
    tried.add(prefix);
    try {
      const network = await engineCall(`\`create\` of network ${name}`, (abortSignal) => docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: `${prefix}.0/24`, Gateway: `${prefix}.1` }] },
        Labels: { [LABELS.managed]: 'true', [LABELS.run]: runId, [LABELS.owner]: ownerLabel() },
        abortSignal,
      } as Docker.NetworkCreateOptions), options);
      return { name, id: network.id, prefix };
    } catch (err) {
      if (!/overlap/i.test(err instanceof Error ? err.message : String(err))) throw err;
    }
  }
}
