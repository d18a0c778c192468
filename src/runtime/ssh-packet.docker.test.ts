// Packet faults on SSH hosts (five sshd containers, test-support/sshd-host): the bundled store under
// loss, resets and rate limits on the peers' traffic only, while the controller's SSH connection
// keeps working; nothing is left on the hosts after the run, and `faultline cleanup --runtime ssh`
// removes the loss chain and qdisc a SIGKILLed controller left. Needs Docker (npm run test:docker).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerEngine, systemHas } from '../../test-support/system-tests.js';
import { startSshdHosts, type SshdHosts } from '../../test-support/sshd-hosts.js';
import { resolveSshSpec } from './ssh-hosts.js';
import { SshSession } from './ssh-session.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'faultline.js');

async function onHost<T>(hosts: SshdHosts, host: string, use: (session: SshSession) => Promise<T>): Promise<T> {
  const session = new SshSession(host, resolveSshSpec({ hosts: [host], user: hosts.user, privateKey: hosts.privateKey, knownHosts: hosts.knownHosts }));
  await session.connect();
  try {
    return await use(session);
  } finally {
    session.close();
  }
}

/** faultline's chains, root qdiscs, marked processes and run directories on a host (the cache aside). */
function leftOn(hosts: SshdHosts, host: string): Promise<string> {
  return onHost(hosts, host, async (session) => {
    const processes = 'for e in /proc/[0-9]*/environ; do tr "\\0" "\\n" <"$e" 2>/dev/null | grep -q ^FAULTLINE_RUN= && echo "process $e"; done; true';
    const rest = 'ls -d /tmp/faultline-ssh-* 2>/dev/null | grep -v -- -cache; iptables -S 2>/dev/null | grep FAULTLINE; tc qdisc show | grep -v "^qdisc [a-z_]* 0: "; true';
    return `${await session.runOk(['sh', '-c', processes])}${await session.runOk(['sh', '-c', rest], { sudo: true })}`.trim();
  });
}

interface PacketOp {
  type: string;
  f: string;
  value: { behaviour?: string; via?: string; unavailable?: string[]; description?: string } | null;
}

function packetOps(runDir: string): PacketOp[] {
  return readFileSync(join(runDir, 'history.jsonl'), 'utf8').split('\n').filter(Boolean)
    .map((line) => JSON.parse(line) as PacketOp & { process: string })
    .filter((op) => op.process === 'nemesis' && op.type !== 'invoke');
}

describe.runIf(await systemHas(dockerEngine))('packet faults on the ssh runtime', () => {
  let hosts: SshdHosts;
  beforeAll(async () => {
    hosts = await startSshdHosts(5);
  });
  afterAll(async () => {
    await hosts?.stop();
  });

  it.each([
    ['loss', 'iptables statistic (from the peers)'],
    ['reset', 'iptables REJECT with tcp-reset (statistic, from the peers)'],
    ['rate', 'tc htb (to the peers)'],
  ])('the bundled store under packet %s on the peers\' traffic: applied, the SSH connections unharmed, nothing left', async (behaviour, via) => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-ssh-packet-'));
    const run = await execa('node', [bin, 'test', ...hosts.flags, '--db', 'bundled', '--nemesis', 'packet', '--packet-behaviours', behaviour, '--nemesis-targets', 'all',
      '--nemesis-interval', '2', '--time-limit', '12', '--seed', '1', '--store', store], { reject: false, all: true });
    expect(run.all).toMatch(/verdict: {2}(VALID|INVALID)/);
    expect(run.all).toMatch(/faults +VALID +applied packet \d+x/);
    const runDir = join(store, 'latest');
    const ops = packetOps(runDir);
    const started = ops.filter((op) => op.f === 'start-packet' && op.type !== 'fail' && op.value?.via !== undefined);
    expect(started.length).toBeGreaterThan(0);
    for (const op of started) {
      expect(op.value?.behaviour).toBe(behaviour);
      expect(op.value?.via).toBe(via);
      // netem is named, available or not, never faked: this machine's kernel has none.
      expect(op.value?.unavailable?.join('; ')).toMatch(/delay \(the kernel has no netem qdisc\)|^(?!.*delay)/);
    }
    // Every stop went through the same SSH connections the faults were on.
    expect(ops.filter((op) => op.f === 'stop-packet').every((op) => op.value?.description === 'cleared')).toBe(true);
    for (const node of ['n1', 'n2', 'n3', 'n4', 'n5']) {
      const log = readFileSync(join(runDir, 'nodes', node, 'node.log'), 'utf8');
      expect(log.length).toBeGreaterThan(0);
      expect(log).not.toContain('ssh-lost');
    }
    for (const host of hosts.hosts) expect(await leftOn(hosts, host)).toBe('');
  });

  it('cleanup --runtime ssh removes the loss chain and qdisc a SIGKILLed controller left', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-ssh-packet-killed-'));
    // One fault, 10 s in, on every node: killed once every host has all of it, so no host still runs a command of the run.
    const child = execa('node', [bin, 'test', ...hosts.flags, '--db', 'bundled', '--nemesis', 'packet', '--packet-behaviours', 'rate', '--nemesis-targets', 'all',
      '--nemesis-interval', '10', '--time-limit', '300', '--seed', '2', '--store', store], { reject: false, all: true });
    const first = hosts.hosts[0] as string;
    const shaped = await Promise.all(hosts.hosts.map((host) => onHost(hosts, host, async (session) => {
      for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
        const filters = await session.runOk(['tc', 'filter', 'show', 'dev', 'eth0'], { sudo: true });
        if (filters.split('flowid fa17:1').length - 1 === hosts.hosts.length - 1) return true;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      return false;
    })));
    child.kill('SIGKILL');
    await child;
    expect(shaped).toEqual(hosts.hosts.map(() => true));
    expect(await leftOn(hosts, first)).toMatch(/FAULTLINE-LOSS[\s\S]*qdisc htb fa17: dev eth0 root/);
    const cleanup = await execa('node', [bin, 'cleanup', ...hosts.flags.filter((f) => f !== 'ssh' && f !== '--runtime'), '--runtime', 'ssh'], { all: true });
    expect(cleanup.all).toMatch(new RegExp(`${first.replace(/\./g, '\\.')}: removed .*iptables chain FAULTLINE-LOSS, qdisc fa17: on eth0`));
    for (const host of hosts.hosts) expect(await leftOn(hosts, host)).toBe('');
  });
});
