// The SSH runtime against five hosts that are containers running sshd (test-support/sshd-host),
// reached as a non-root user with sudo, with a fresh key pair and known_hosts: the bundled store
// (raft, primary) and Redis under partitions and kills, Redis's clock faked, and the one-line
// refusals (a SIGKILLed controller and `faultline cleanup --runtime ssh`: ssh-failures.docker.test.ts,
// under packet faults: ssh-packet.docker.test.ts). Needs Docker (npm run test:docker): without it the
// suite skips with one line, or fails under FAULTLINE_REQUIRE_SYSTEM_TESTS=1 (CI).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerEngine, systemHas } from '../../test-support/system-tests.js';
import { ed25519KeyPair, startSshdHosts, type SshdHosts } from '../../test-support/sshd-hosts.js';
import { NODE_SCRIPT, redisServerConf } from '../db/redis.js';
import { resolveSshSpec } from './ssh-hosts.js';
import { SshSession } from './ssh-session.js';
import { SshRuntime } from './ssh.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'faultline.js');

/** What faultline left on a host: marked processes, its chain, run directories (the cache aside). */
async function leftOn(hosts: SshdHosts, host: string): Promise<string> {
  const session = new SshSession(host, resolveSshSpec({ hosts: [host], user: hosts.user, privateKey: hosts.privateKey, knownHosts: hosts.knownHosts }));
  await session.connect();
  try {
    // The processes run as the login user, whose environ it may read (root in a container may not: no CAP_SYS_PTRACE).
    const processes = 'for e in /proc/[0-9]*/environ; do tr "\\0" "\\n" <"$e" 2>/dev/null | grep -q ^FAULTLINE_RUN= && echo "process $e"; done; true';
    const files = 'ls -d /tmp/faultline-ssh-* 2>/dev/null | grep -v -- -cache; iptables -S 2>/dev/null | grep FAULTLINE; true';
    return `${await session.runOk(['sh', '-c', processes])}${await session.runOk(['sh', '-c', files], { sudo: true })}`.trim();
  } finally {
    session.close();
  }
}

describe.runIf(await systemHas(dockerEngine))('the ssh runtime', () => {
  let hosts: SshdHosts;
  beforeAll(async () => {
    hosts = await startSshdHosts(5);
  });
  afterAll(async () => {
    await hosts?.stop();
  });

  it.each(['raft', 'primary'])('runs the bundled store (%s) under partitions and kills, and leaves nothing but its cache', async (mode) => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-ssh-run-'));
    const run = await execa('node', [bin, 'test', ...hosts.flags, '--db', 'bundled', '--store-mode', mode, '--nemesis', 'partition,kill', '--nemesis-interval', '2',
      '--time-limit', '12', '--seed', '1', '--store', store], { reject: false, all: true });
    // Raft keeps every acknowledged write; the async primary may lose some at a failover (INVALID is its true verdict then), but the run must complete and be checked.
    const verdicts = run.all?.split('\n').filter((line) => /verdict|VALID|crash/.test(line)).join('\n');
    expect(verdicts).toMatch(mode === 'raft' ? /verdict: {2}VALID/ : /verdict: {2}(VALID|INVALID)/);
    expect(run.all).toMatch(/faults +VALID +applied partition \d+x, kill \d+x/);
    const logs = join(store, 'latest', 'nodes', 'n1', 'node.log');
    expect(readFileSync(logs, 'utf8').length).toBeGreaterThan(0);
    for (const host of hosts.hosts) expect(await leftOn(hosts, host)).toBe('');
  });

  it('runs Redis (server and Sentinel, from Debian\'s redis-server on the hosts) under partitions and kills, and leaves nothing', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-ssh-redis-'));
    const run = await execa('node', [bin, 'test', ...hosts.flags, '--db', 'redis', '--nemesis', 'partition,kill', '--nemesis-interval', '2',
      '--time-limit', '12', '--seed', '1', '--store', store], { reject: false, all: true });
    // Asynchronous replication may lose acknowledged writes at a failover: INVALID is a true verdict then, but the history must be checked.
    expect(run.all).toMatch(/linearizable +(VALID|INVALID) /);
    expect(run.all).toMatch(/verdict: {2}(VALID|INVALID)/);
    expect(run.all).toMatch(/faults +VALID +applied partition \d+x, kill \d+x/);
    // A kill takes the node's server and Sentinel together (the launcher's process group), and the killed node restarts.
    expect(readFileSync(join(store, 'latest', 'history.jsonl'), 'utf8')).toMatch(/"f":"stop-kill".*"description":"restarted n\d/);
    for (const host of hosts.hosts) expect(await leftOn(hosts, host)).toBe('');
  });

  it('fakes the clock of Redis\'s server on a host (libfaketime, past its jemalloc), and leaves nothing', async () => {
    const host = hosts.hosts[0] as string;
    const runDir = mkdtempSync(join(tmpdir(), 'faultline-ssh-redis-clock-'));
    const ssh = resolveSshSpec({ hosts: [host], user: hosts.user, privateKey: hosts.privateKey, knownHosts: hosts.knownHosts });
    const runtime = new SshRuntime({ nodes: ['n1'], runDir, ssh, fakeClock: true });
    await runtime.setup();
    try {
      const address = runtime.nodeHost('n1');
      const dataDir = join(runDir, 'nodes', 'n1', 'data');
      const server = redisServerConf(address, undefined, { minReplicasToWrite: 0, minReplicasMaxLagS: 10 });
      const sentinel = `bind ${address}\nport 26379\nsentinel monitor faultline ${address} 6379 1\n`;
      await runtime.spawn('n1', { command: 'sh', args: ['-c', NODE_SCRIPT, 'faultline-redis-node', dataDir, server, sentinel], dataDir }, join(runDir, 'nodes', 'n1', 'node.log'));
      const { Redis } = await import('ioredis');
      const serverTimeS = async (): Promise<number> => {
        for (let attempt = 0; ; attempt++) {
          const r = new Redis({ host: address, port: 6379, lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
          r.on('error', () => undefined);
          try {
            await r.connect();
            const [seconds, micros] = (await r.call('TIME')) as [string, string];
            return Number(seconds) + Number(micros) / 1e6;
          } catch (err) {
            if (attempt >= 50) throw err;
            await new Promise((resolve) => setTimeout(resolve, 200));
          } finally {
            r.disconnect();
          }
        }
      };
      const before = await serverTimeS();
      await runtime.setClock('n1', { offsetS: 1000, rate: 1 });
      const after = await serverTimeS();
      expect(after - before).toBeGreaterThan(999);
      expect(after - before).toBeLessThan(1030);
    } finally {
      await runtime.teardown();
    }
    expect(await leftOn(hosts, host)).toBe('');
  });

  it('installs the packages of a node\'s image that a host lacks, from --ssh-debs; without them, one line says what to do', async () => {
    // A package of our own, built here, so no network is needed: a node image that names it.
    const dir = mkdtempSync(join(tmpdir(), 'faultline-ssh-debs-'));
    const root = join(dir, 'pkg');
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    mkdirSync(join(root, 'usr', 'share', 'faultline-probe'), { recursive: true });
    writeFileSync(join(root, 'DEBIAN', 'control'), 'Package: faultline-probe\nVersion: 1.0\nArchitecture: all\nMaintainer: faultline <faultline@localhost>\nDescription: a package the ssh runtime installs in a test\n');
    writeFileSync(join(root, 'usr', 'share', 'faultline-probe', 'here'), 'installed by faultline\n');
    const debs = join(dir, 'debs');
    mkdirSync(debs);
    await execa('dpkg-deb', ['--build', '--root-owner-group', root, join(debs, 'faultline-probe_1.0_all.deb')]);
    const image = { name: 'faultline-probe', packages: ['faultline-probe'] };
    const spawnOn = async (host: string, withDebs: boolean): Promise<string> => {
      const runDir = mkdtempSync(join(tmpdir(), 'faultline-ssh-install-'));
      const ssh = resolveSshSpec({ hosts: [host], user: hosts.user, privateKey: hosts.privateKey, knownHosts: hosts.knownHosts, ...(withDebs && { debs }) });
      const lines: string[] = [];
      const runtime = new SshRuntime({ nodes: ['n1'], runDir, ssh, fakeClock: false, log: (line) => lines.push(line) });
      await runtime.setup();
      try {
        await runtime.spawn('n1', { command: 'sleep', args: ['30'], image }, join(runDir, 'nodes', 'n1', 'node.log'));
        return lines.join('\n');
      } catch (err) {
        return `refused: ${(err as Error).message}`;
      } finally {
        await runtime.teardown();
      }
    };
    const [first, second] = hosts.hosts as [string, string];
    expect(await spawnOn(second, false)).toMatch(new RegExp(`^refused: n1 \\(${second.replace(/\./g, '\\.')}\\) lacks faultline-probe and apt-get could not install it: E: Unable to locate package faultline-probe; install it on ${second.replace(/\./g, '\\.')}, or pass --ssh-debs DIR holding the \\.deb files \\(apt-get download faultline-probe\\)$`));
    expect(await spawnOn(first, true)).toMatch(new RegExp(`n1 \\(${first.replace(/\./g, '\\.')}\\): installed faultline-probe from ${debs} in [\\d.]+ s`));
    // Installed for good (packages are the host's); a second run finds it and installs nothing.
    expect(await spawnOn(first, true)).not.toMatch(/installed/);
    const session = new SshSession(first, resolveSshSpec({ hosts: [first], user: hosts.user, privateKey: hosts.privateKey, knownHosts: hosts.knownHosts }));
    await session.connect();
    try {
      expect(await session.runOk(['cat', '/usr/share/faultline-probe/here'])).toBe('installed by faultline\n');
    } finally {
      session.close();
    }
    for (const host of [first, second]) expect(await leftOn(hosts, host)).toBe('');
  });

  it('writes one file many times at once (a clock strobe beside a reset): every write lands whole, no temporary file is left', async () => {
    const host = hosts.hosts[0] as string;
    const session = new SshSession(host, resolveSshSpec({ hosts: [host], user: hosts.user, privateKey: hosts.privateKey, knownHosts: hosts.knownHosts }));
    await session.connect();
    try {
      const dir = (await session.runOk(['mktemp', '-d', '/tmp/faultline-write-test-XXXXXX'])).trim();
      const contents = Array.from({ length: 20 }, (_, i) => `+${i}.000 x1\n`);
      await Promise.all(contents.map((content) => session.writeFile(`${dir}/clock`, content)));
      expect(contents).toContain(await session.runOk(['cat', `${dir}/clock`]));
      expect((await session.runOk(['ls', '-A', dir])).trim()).toBe('clock');
      await session.runOk(['rm', '-r', dir]);
    } finally {
      session.close();
    }
  });

  it('refuses an unknown host key, a refused key and an unreachable host, each in one line naming the host and what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-ssh-refusals-'));
    const emptyKnownHosts = join(dir, 'known_hosts');
    writeFileSync(emptyKnownHosts, '');
    const host = hosts.hosts[0] as string;
    const attempt = async (known: string, key: string, port = '22') => {
      const spec = resolveSshSpec({ hosts: [host], user: hosts.user, privateKey: key, knownHosts: known, port });
      const session = new SshSession(host, spec, { connectTimeoutMs: 3000 });
      return session.connect().then(() => { session.close(); return 'connected'; }, (err: Error) => err.message);
    };
    expect(await attempt(emptyKnownHosts, hosts.privateKey)).toMatch(new RegExp(`^ssh faultline@${host}:22: its host key \\(ssh-ed25519 SHA256:\\S+\\) is not in ${emptyKnownHosts}; .*ssh-keyscan -p 22 ${host} >> .*--no-ssh-strict-host-keys`));
    const otherKey = join(dir, 'other');
    writeFileSync(otherKey, ed25519KeyPair().private);
    expect(await attempt(hosts.knownHosts, otherKey)).toBe(`ssh faultline@${host}:22: the host refused the key ${otherKey}; add its public key to ~faultline/.ssh/authorized_keys on ${host}, or pass --ssh-private-key / --ssh-user`);
    expect(await attempt(hosts.knownHosts, hosts.privateKey, '2222')).toMatch(new RegExp(`^ssh faultline@${host}:2222: cannot reach the host \\(ECONNREFUSED\\); check that it is up and that sshd listens on port 2222 \\(--ssh-port\\)$`));
    expect(await attempt(hosts.knownHosts, hosts.privateKey)).toBe('connected');

    // Through the command line: refused before the run directory exists, as bad input (254), in one line.
    const store = join(dir, 'store');
    const flags = hosts.flags.map((f) => (f === hosts.knownHosts ? emptyKnownHosts : f));
    const run = await execa('node', [bin, 'test', ...flags, '--db', 'bundled', '--time-limit', '5', '--store', store], { reject: false });
    expect(run.exitCode).toBe(254);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^faultline: ssh faultline@\S+:22: its host key \(ssh-ed25519 SHA256:\S+\) is not in /);
    expect(existsSync(store)).toBe(false);
  });
});
