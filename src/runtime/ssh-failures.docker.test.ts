// The SSH runtime when things fail, against five sshd containers (test-support/sshd-hosts.ts): the
// controller SIGKILLed at three moments (setup, mid-run with a partition, a paused node and a clock
// fault in place, teardown), then `faultline cleanup --runtime ssh` leaves nothing faultline added
// on the hosts, and the killed run's history re-checks as incomplete; and a host that dies mid-run
// (its container paused) is one line and an ssh-lost event while the run goes on to its verdict;
// and cleanup spares a run whose controller lives. Prints what each cleanup removed. Needs Docker
// (npm run test:docker).
import { existsSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerEngine, systemHas } from '../../test-support/system-tests.js';
import { startSshdHosts, type SshdHosts } from '../../test-support/sshd-hosts.js';
import { resolveSshSpec } from './ssh-hosts.js';
import { SshSession } from './ssh-session.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'faultline.js');

/** What faultline has on a host, counted: marked processes (and how many are stopped), rules, directories. */
interface Inventory {
  processes: number;
  stopped: number;
  /** Hosts with faultline's chain, and the iptables lines naming it. */
  chains: number;
  chainRules: number;
  drops: number;
  /** Root qdiscs of faultline's (packet faults). */
  qdiscs: number;
  runDirs: number;
  cache: number;
  /** Store packages being unpacked in the cache. */
  partials: number;
  clockFiles: number;
}

const PROCESSES = `p=0 s=0
for e in /proc/[0-9]*/environ; do
  tr '\\0' '\\n' <"$e" 2>/dev/null | grep -q ^FAULTLINE_RUN= || continue
  pid=\${e#/proc/}; pid=\${pid%/environ}; p=$((p+1))
  [ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" = T ] && s=$((s+1))
done
echo "processes $p"; echo "stopped $s"
echo "runDirs $(ls -d /tmp/faultline-ssh-* 2>/dev/null | grep -vc -- -cache$)"
echo "cache $(ls -d /tmp/faultline-ssh-cache 2>/dev/null | wc -l)"
echo "partials $(ls -d /tmp/faultline-ssh-cache/*.partial-* 2>/dev/null | grep -vc 'tgz$')"
echo "clockFiles $(find /tmp/faultline-ssh-* -name clock.faketime 2>/dev/null | wc -l)"`;
const RULES = `echo "chains $(iptables -w -n -L FAULTLINE >/dev/null 2>&1 && echo 1 || echo 0)"; echo "chainRules $(iptables -S 2>/dev/null | grep -c FAULTLINE)"; echo "drops $(iptables -S FAULTLINE 2>/dev/null | grep -c -- '-j DROP')"; echo "qdiscs $(tc qdisc show 2>/dev/null | grep -c ' fa17: ')"`;

async function sessionTo(hosts: SshdHosts, host: string): Promise<SshSession> {
  const session = new SshSession(host, resolveSshSpec({ hosts: [host], user: hosts.user, privateKey: hosts.privateKey, knownHosts: hosts.knownHosts }));
  await session.connect();
  return session;
}

async function inventory(hosts: SshdHosts, host: string): Promise<Inventory> {
  const session = await sessionTo(hosts, host);
  try {
    // The processes run as the login user, whose environ it may read (root in a container may not: no CAP_SYS_PTRACE).
    const text = `${await session.runOk(['sh', '-c', PROCESSES])}${await session.runOk(['sh', '-c', RULES], { sudo: true })}`;
    return Object.fromEntries(text.trim().split('\n').map((line) => [line.split(' ')[0], Number(line.split(' ')[1])])) as unknown as Inventory;
  } finally {
    session.close();
  }
}

/** Every host's inventory, summed. */
async function inventoryAll(hosts: SshdHosts): Promise<Inventory> {
  const each = await Promise.all(hosts.hosts.map((host) => inventory(hosts, host)));
  return each.reduce((sum, one) => Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, v + one[k as keyof Inventory]])) as unknown as Inventory);
}

const NOTHING: Inventory = { processes: 0, stopped: 0, chains: 0, chainRules: 0, drops: 0, qdiscs: 0, runDirs: 0, cache: 0, partials: 0, clockFiles: 0 };

/** What a run shows while it goes: its output, run.json's phase, the faults its history has in place. */
interface Watched {
  output: string;
  phase: string | undefined;
  /** Fault kinds started (and, for pause and clock, done to some node) and not yet being stopped. */
  active: Set<string>;
  /** What the moment's probe printed last. */
  probed: string;
}

interface Moment {
  name: string;
  args: string[];
  reached(run: Watched): boolean;
  /** Deadline of reaching it. */
  withinS: number;
  /** How long after reaching it the controller is killed. */
  afterS?: number;
  /** Asked on the first host while the run goes, for what only the host shows. */
  probe?: string;
}

const MOMENTS: Moment[] = [
  {
    // The hosts' cache is empty (each test ends with a cleanup): killed once the first host unpacks the store's package into it.
    name: 'during setup, while the store uploads',
    args: ['--nemesis', 'partition', '--time-limit', '60'],
    probe: 'ls -d /tmp/faultline-ssh-cache/*.partial-* 2>/dev/null; true',
    reached: (run) => run.phase === 'setup' && run.probed.includes('.partial-'),
    withinS: 120,
  },
  {
    name: 'mid-run, with a partition, a paused node and a clock fault in place',
    args: ['--nemesis', 'partition,pause,clock', '--nemesis-interval', '3', '--time-limit', '300'],
    reached: (run) => run.phase === 'workload' && ['partition', 'pause', 'clock'].every((fault) => run.active.has(fault)),
    withinS: 240,
  },
  {
    name: 'during teardown',
    args: ['--nemesis', 'partition,kill', '--nemesis-interval', '2', '--time-limit', '8'],
    reached: (run) => run.phase === 'teardown',
    withinS: 180,
  },
];

/** Follows a run until `reached` says so (or the deadline, or its end); returns what it saw. */
async function watch(child: ResultPromise, store: string, moment: Moment, probeOn?: SshSession): Promise<Watched> {
  const run: Watched = { output: '', phase: undefined, active: new Set(), probed: '' };
  child.all?.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
  let historyAt = 0;
  const deadline = Date.now() + moment.withinS * 1000;
  while (!moment.reached(run)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the run did not get ${moment.name} within ${moment.withinS} s (phase ${run.phase}, faults ${[...run.active].join(' ') || 'none'}); its output:\n${run.output}`);
    await sleep(20);
    if (moment.probe && probeOn) run.probed = await probeOn.runOk(['sh', '-c', moment.probe]);
    try {
      run.phase = (JSON.parse(readFileSync(join(store, 'latest', 'run.json'), 'utf8')) as { phase?: string }).phase;
      const history = readFileSync(join(store, 'latest', 'history.jsonl'), 'utf8');
      const whole = history.lastIndexOf('\n') + 1;
      for (const line of history.slice(historyAt, whole).split('\n')) {
        if (!line.includes('"nemesis"')) continue;
        const op = JSON.parse(line) as { f: string; type: string; value?: { nodes?: string[] } | null };
        const [edge, fault] = op.f.split(/-(.*)/) as [string, string];
        if (edge === 'stop' && op.type === 'invoke') run.active.delete(fault);
        if (edge === 'start' && op.type === 'info' && (fault === 'partition' || (op.value?.nodes?.length ?? 0) > 0)) run.active.add(fault);
      }
      historyAt = whole;
    } catch {
      // not written yet, or being replaced: read again
    }
  }
  return run;
}

function cleanupFlags(hosts: SshdHosts): string[] {
  return [...hosts.flags.filter((f) => f !== 'ssh' && f !== '--runtime'), '--runtime', 'ssh'];
}

const figures: string[] = [];

describe.runIf(await systemHas(dockerEngine))('the ssh runtime when things fail', () => {
  let hosts: SshdHosts;
  beforeAll(async () => {
    hosts = await startSshdHosts(5);
  });
  afterAll(async () => {
    await hosts?.stop();
    if (figures.length > 0) console.log(figures.join('\n'));
  });

  it.each(MOMENTS.map((m, i) => [i + 1, m.name, m] as const))('SIGKILL %i (%s): cleanup --runtime ssh removes all faultline added, and the history re-checks as incomplete', async (i, name, moment) => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-ssh-sigkill-'));
    const started = Date.now();
    const probeOn = moment.probe ? await sessionTo(hosts, hosts.hosts[0] as string) : undefined;
    const child = execa('node', [bin, 'test', ...hosts.flags, '--db', 'bundled', '--seed', String(10 + i), '--store', store, ...moment.args], { reject: false, all: true });
    const seen = await watch(child, store, moment, probeOn).finally(() => probeOn?.close());
    await sleep((moment.afterS ?? 0) * 1000);
    const killedAfterS = (Date.now() - started) / 1000;
    child.kill('SIGKILL');
    await child;
    const runDir = realpathSync(join(store, 'latest'));
    const facts = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { phase?: string; end?: string };
    expect(facts.end).toBeUndefined();
    expect(facts.phase).toBe(['setup', 'workload', 'teardown'][i - 1]);

    const left = await inventoryAll(hosts);
    expect(left.runDirs).toBeGreaterThan(0);
    if (i === 1) expect(left.partials, 'a package being unpacked').toBeGreaterThan(0);
    if (i === 2) {
      expect(left.drops, 'a partition in place').toBeGreaterThan(0);
      expect(left.stopped, 'a paused node').toBeGreaterThan(0);
      expect(left.clockFiles, 'clock files').toBe(5);
    }

    // The killed run's history is kept on the controller, and re-checks as incomplete, never valid.
    expect(existsSync(join(runDir, 'test.json'))).toBe(true);
    const check = await execa('node', [bin, 'check', runDir], { reject: false, all: true });
    expect(check.exitCode, check.all).not.toBe(0);
    expect(check.all).toMatch(/INCOMPLETE: /);
    expect(check.all).not.toMatch(/verdict: +VALID/);

    const cleanupStarted = Date.now();
    const cleanup = await execa('node', [bin, 'cleanup', ...cleanupFlags(hosts)], { all: true });
    const cleanupS = (Date.now() - cleanupStarted) / 1000;
    const removed = (kind: RegExp) => (cleanup.all.match(kind) ?? []).length;
    expect(removed(/directory \/tmp\/faultline-ssh-(?!cache)[a-z0-9]+(,|$)/gm)).toBe(left.runDirs);
    expect(removed(/iptables chain/g)).toBe(left.chains);
    expect(await inventoryAll(hosts)).toEqual(NOTHING);
    figures.push(`SIGKILL ${i} (${name}): killed after ${killedAfterS.toFixed(1)} s in phase ${facts.phase}${seen.active.size ? ` with ${[...seen.active].join(', ')} in place` : ''}; left on the 5 hosts ${JSON.stringify(left)}`,
      `  check: ${check.all.split('\n').filter((line) => /verdict|INCOMPLETE/.test(line)).map((line) => line.trim()).join(' / ')} (exit ${check.exitCode})`,
      `  cleanup (${cleanupS.toFixed(1)} s) removed ${removed(/process \d+/g)} processes, ${removed(/iptables chain/g)} chains, ${removed(/directory \/tmp\/faultline-ssh-(?!cache)[a-z0-9]+(,|$)/gm)} run directories, ${removed(/directory \/tmp\/faultline-ssh-cache/g)} caches; after it: ${JSON.stringify(await inventoryAll(hosts))}`,
      ...cleanup.all.split('\n').map((line) => `    ${line}`));
  }, 420_000);

  it('cleanup --runtime ssh spares a run whose controller is alive (and its chain and cache), and --all removes it', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-ssh-spared-'));
    const child = execa('node', [bin, 'test', ...hosts.flags, '--db', 'bundled', '--nemesis', 'partition', '--nemesis-interval', '2', '--time-limit', '300', '--seed', '5', '--store', store], { reject: false, all: true });
    try {
      await watch(child, store, { name: 'its workload', args: [], reached: (run) => run.phase === 'workload', withinS: 120 });
      const running = await inventoryAll(hosts);
      const spared = await execa('node', [bin, 'cleanup', ...cleanupFlags(hosts)], { all: true });
      for (const host of hosts.hosts) {
        expect(spared.all).toMatch(new RegExp(`^${host.replace(/\./g, '\\.')}: nothing to remove$`, 'm'));
        expect(spared.all).toMatch(new RegExp(`^${host.replace(/\./g, '\\.')}: spared running: [a-z0-9]+ \\(pid ${child.pid}\\), and the chain and cache they use \\(use --all to remove them too\\)$`, 'm'));
      }
      const after = await inventoryAll(hosts);
      expect({ ...after, drops: running.drops, chainRules: running.chainRules }).toEqual(running); // the partitions may change meanwhile
      // Frozen first: a live controller would make its next partition again, after --all removed its chain.
      child.kill('SIGSTOP');
      const all = await execa('node', [bin, 'cleanup', '--all', ...cleanupFlags(hosts)], { all: true });
      expect((all.all.match(/process \d+/g) ?? []).length).toBe(5);
      expect(await inventoryAll(hosts)).toEqual(NOTHING);
      figures.push(`a live run: cleanup printed\n${spared.all.split('\n').map((line) => `    ${line}`).join('\n')}\n  and with --all\n${all.all.split('\n').map((line) => `    ${line}`).join('\n')}`);
    } finally {
      child.kill('SIGKILL');
      await child;
    }
  }, 300_000);

  it('a host that dies mid-run is one line and an ssh-lost event; the run goes on to a checked verdict and its history is kept', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-ssh-hostdies-'));
    const host = hosts.hosts[2] as string;
    const container = hosts.containers.get(host);
    if (!container) throw new Error(`no container for ${host}`);
    const started = Date.now();
    const child = execa('node', [bin, 'test', ...hosts.flags, '--db', 'bundled', '--nemesis', 'partition,kill', '--nemesis-interval', '2', '--time-limit', '25', '--seed', '4', '--store', store], { reject: false, all: true });
    let paused = false;
    try {
      await watch(child, store, { name: 'its workload', args: [], reached: (run) => run.phase === 'workload', withinS: 120 });
      await sleep(3000);
      await container.pause();
      paused = true;
      const result = await Promise.race([child, sleep(300_000).then(() => undefined)]);
      if (!result) throw new Error('the run did not end within 300 s of its host dying');
      const runS = (Date.now() - started) / 1000;
      // Not a crash (255): a verdict, with the run's history kept.
      expect([0, 1, 2], result.all).toContain(result.exitCode);
      const lost = (result.all ?? '').split('\n').filter((line) => /^n\d: .*connection lost/.test(line));
      expect(lost, result.all).toHaveLength(1);
      expect(lost[0]).toMatch(new RegExp(`^n3: ssh faultline@${host.replace(/\./g, '\\.')}:22: connection lost \\(.*\\); the run goes on, .*check that ${host.replace(/\./g, '\\.')} is up, .*\`npx faultline cleanup --runtime ssh --hosts ${host.replace(/\./g, '\\.')} --ssh-user faultline .*\` removes what the run left there$`));
      // The command the line prints, as printed (every flag that reaches the host), is what cleans it below.
      const printed = /`npx faultline (cleanup [^`]+)`/.exec(lost[0] ?? '')?.[1]?.split(' ') ?? [];
      const runDir = realpathSync(join(store, 'latest'));
      expect(readFileSync(join(runDir, 'nodes', 'n3', 'node.log'), 'utf8')).toMatch(/"node":"n3","event":"ssh-lost","msg":"ssh faultline@[^"]+: connection lost/);
      expect(readFileSync(join(runDir, 'history.jsonl'), 'utf8').split('\n').length).toBeGreaterThan(100);
      const check = await execa('node', [bin, 'check', runDir], { reject: false, all: true });
      expect([0, 1, 2], check.all).toContain(check.exitCode);
      expect(check.all).toMatch(/verdict: +(VALID|INVALID|UNKNOWN)/);
      await container.unpause();
      paused = false;
      const cleanup = await execa('node', [bin, ...printed], { all: true });
      expect(cleanup.all).toMatch(new RegExp(`^${host.replace(/\./g, '\\.')}: removed process `));
      await execa('node', [bin, 'cleanup', ...cleanupFlags(hosts)]); // the other hosts' store cache
      expect(await inventoryAll(hosts)).toEqual(NOTHING);
      figures.push(`host ${host} (n3) paused 3 s into the workload: the run ended after ${runS.toFixed(1)} s with exit ${result.exitCode}`,
        ...(result.all ?? '').split('\n').filter((line) => /connection lost|answers again|teardown failed|verdict|INCOMPLETE|faults +/.test(line)).map((line) => `    ${line}`),
        `  check: exit ${check.exitCode}; cleanup after unpausing:`, ...cleanup.all.split('\n').map((line) => `    ${line}`));
    } finally {
      if (paused) await container.unpause().catch(() => undefined);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 480_000);
});
