// Test support: SSH hosts that are containers (test-support/sshd-host) on a private network of
// their own, each with a fresh host key, all authorizing one fresh key pair for the user
// `faultline` (passwordless sudo). Gives the hosts' addresses, the key and a known_hosts file.
// Also a command line: `npx jiti test-support/sshd-hosts.ts up N` prints the flags and leaves
// them running; `... down ID` removes them.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { utils } from 'ssh2';
import { connectDocker } from '../src/runtime/docker-engine.js';
import { ensureImage } from '../src/runtime/docker-images.js';
import { nodeImage } from '../src/runtime/node-image.js';

export interface SshdHosts {
  /** Names the network and containers: faultline-sshtest-<id>. */
  id: string;
  hosts: string[];
  user: string;
  privateKey: string;
  knownHosts: string;
  /** Where the keys and known_hosts are. */
  dir: string;
  /** The containers, by host address (tests stop one to lose a host). */
  containers: Map<string, Docker.Container>;
  /** The flags that reach them: --runtime ssh --hosts ... */
  flags: string[];
  stop(): Promise<void>;
}

export const SSHD_HOST_IMAGE = nodeImage.fromDir(fileURLToPath(new URL('./sshd-host/', import.meta.url)), 'sshd-host');

let started = 0;

/**
 * Starts `count` hosts and waits until each one's sshd answers. The engine once gave two of a
 * set's containers the same address (in CI, twice; never reproduced by hand): the addresses are read
 * again once all are up, and a set with one twice is removed and made again (three tries).
 */
export async function startSshdHosts(count: number, log: (line: string) => void = () => {}): Promise<SshdHosts> {
  const docker = await connectDocker();
  const image = await ensureImage(SSHD_HOST_IMAGE, { log });
  for (let attempt = 1; ; attempt++) {
    const set = await startSet(docker, image, count);
    const addresses = await Promise.all([...set.containers.values()].map(async (c) => (await c.inspect()).NetworkSettings.Networks[`faultline-sshtest-${set.id}`]?.IPAddress));
    const twice = addresses.find((a, i) => addresses.indexOf(a) !== i);
    if (twice === undefined && set.containers.size === count && addresses.every((a, i) => a === set.hosts[i])) return set;
    await set.stop();
    const what = `the engine gave the sshd hosts ${addresses.join(', ')} (inspected right after each start: ${set.hosts.join(', ')})`;
    if (attempt === 3) throw new Error(`${what}, three times; expected ${count} distinct addresses`);
    console.warn(`${what}; starting them again`);
  }
}

async function startSet(docker: Docker, image: string, count: number): Promise<SshdHosts> {
  // Unique across processes (the pid) and across calls of one process (the count), so suites running at once never share names.
  const id = `${Date.now().toString(36)}-${process.pid.toString(36)}-${++started}`;
  const prefix = `faultline-sshtest-${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'faultline-sshd-hosts-'));
  const userKey = ed25519KeyPair();
  const privateKey = join(dir, 'id_ed25519');
  writeFileSync(privateKey, userKey.private);
  chmodSync(privateKey, 0o600);
  const network = await docker.createNetwork({ Name: prefix, Driver: 'bridge', Labels: { 'faultline.sshtest': id } });
  const containers = new Map<string, Docker.Container>();
  const made: Docker.Container[] = [];
  const stop = async () => {
    await Promise.all(made.map((c) => c.remove({ force: true }).catch(() => undefined)));
    await network.remove().catch(() => undefined);
  };
  try {
    const knownHosts: string[] = [];
    const hosts: string[] = [];
    for (let i = 1; i <= count; i++) {
      const hostKey = ed25519KeyPair();
      const container = await docker.createContainer({
        name: `${prefix}-h${i}`,
        Hostname: `h${i}`,
        Image: image,
        Env: [`FAULTLINE_HOST_KEY=${hostKey.private}`, `FAULTLINE_AUTHORIZED_KEY=${userKey.public}`],
        Labels: { 'faultline.sshtest': id },
        HostConfig: { NetworkMode: prefix, CapAdd: ['NET_ADMIN'], Init: true },
      });
      made.push(container);
      await container.start();
      const info = await container.inspect();
      const ip = info.NetworkSettings.Networks[prefix]?.IPAddress;
      if (!ip) throw new Error(`container ${prefix}-h${i} has no address on ${prefix}`);
      hosts.push(ip);
      containers.set(ip, container);
      knownHosts.push(`${ip} ${hostKey.public}`);
    }
    const knownHostsPath = join(dir, 'known_hosts');
    writeFileSync(knownHostsPath, knownHosts.join('\n') + '\n');
    await Promise.all(hosts.map((host) => awaitPort(host, 22, 60_000))); // 20 s was too short once, on a fresh CI machine building images at the same time
    const flags = ['--runtime', 'ssh', '--hosts', hosts.join(','), '--ssh-user', 'faultline', '--ssh-private-key', privateKey, '--ssh-known-hosts', knownHostsPath];
    return { id, hosts, user: 'faultline', privateKey, knownHosts: knownHostsPath, dir, containers, flags, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Removes the containers and network of an earlier `up`. */
export async function stopSshdHosts(id: string): Promise<void> {
  const docker = await connectDocker();
  const filters = JSON.stringify({ label: [`faultline.sshtest=${id}`] });
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true });
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
}

async function awaitPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`sshd on ${host}:${port} did not answer within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [command, arg] = process.argv.slice(2);
  if (command === 'up') {
    const hosts = await startSshdHosts(Number(arg ?? 5), (line) => process.stderr.write(`${line}\n`));
    console.log(`id ${hosts.id}`);
    console.log(hosts.flags.join(' '));
  } else if (command === 'down' && arg) {
    await stopSshdHosts(arg);
  } else {
    console.error('usage: sshd-hosts.ts up [N] | down ID');
    process.exit(2);
  }
}

/**
 * A fresh ed25519 key pair that ssh2 itself can read back. ssh2's generator drops leading zero
 * bytes of the public key, so about 1 pair in 256 is malformed (mscdex/ssh2 #1390, #1513); CI
 * once drew one ("Cannot parse privateKey: Malformed OpenSSH private key"). Such a pair is drawn again.
 */
export function ed25519KeyPair(): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}
