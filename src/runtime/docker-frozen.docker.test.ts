// A container whose engine calls hang, against a real engine: its containerd shim is put in a
// frozen cgroup (the freezer), so the engine can neither exec in it, kill, pause nor remove it,
// while its process runs on. Faults on it fail within their deadlines, naming the call and the
// container; a whole run ends, its controller exits, and `faultline cleanup` removes what is left
// once the container thaws. A container frozen itself makes exec'd rules exit non-zero, and the
// fault fails with that exit code. Needs Docker and root (npm run test:docker); never skips.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from './docker-cleanup.js';
import { connectDocker, LABELS } from './docker-engine.js';
import { DockerRuntime } from './docker.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'faultline.js');
const CGROUP_V1_FREEZER = '/sys/fs/cgroup/freezer';
const SERVER = "require('net').createServer((s) => s.end('ok')).listen(7000, process.argv[1])";

/** Thaws what a test froze, even when it failed half-way. */
const thaws: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const thaw of thaws.splice(0)) await thaw();
});

/** The PID of a container's first process (docker-init), as the engine reports it. */
async function initPid(container: string): Promise<number> {
  const docker = await connectDocker();
  const pid = (await docker.getContainer(container).inspect()).State.Pid;
  if (!pid) throw new Error(`container ${container} has no process`);
  return pid;
}

function parentPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Moves a process into a new cgroup of its own and freezes it (cgroup v1 freezer or v2 cgroup.freeze); returns the thaw. */
function freezeProcess(pid: number, label: string): () => Promise<void> {
  const v1 = existsSync(CGROUP_V1_FREEZER);
  const root = v1 ? CGROUP_V1_FREEZER : '/sys/fs/cgroup';
  const original = v1 ? root : join(root, readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'))?.slice(3) ?? '/');
  const group = join(root, `faultline-test-${label}-${process.pid}`);
  mkdirSync(group, { recursive: true });
  writeFileSync(join(group, 'cgroup.procs'), String(pid));
  writeFileSync(join(group, v1 ? 'freezer.state' : 'cgroup.freeze'), v1 ? 'FROZEN' : '1');
  let thawed: Promise<void> | undefined;
  const thaw = () => (thawed ??= (async () => {
    writeFileSync(join(group, v1 ? 'freezer.state' : 'cgroup.freeze'), v1 ? 'THAWED' : '0');
    // Processes the shim started while frozen join the group too: move them all back until it is empty.
    for (let attempt = 0; ; attempt++) {
      const procs = readFileSync(join(group, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
      for (const p of procs) {
        try {
          writeFileSync(join(original, 'cgroup.procs'), p);
        } catch {
          // it exited meanwhile
        }
      }
      try {
        rmdirSync(group);
        return;
      } catch (err) {
        if (attempt >= 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })());
  thaws.push(thaw);
  return thaw;
}

/** Freezes the containerd shim of a container: every engine call that needs the container then hangs. */
async function freezeEngineSide(container: string): Promise<() => Promise<void>> {
  return freezeProcess(parentPid(await initPid(container)), 'shim');
}

/** Freezes the container's own cgroup, as `docker pause` would, without the engine knowing. */
async function freezeContainer(container: string): Promise<() => Promise<void>> {
  const pid = await initPid(container);
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = existsSync(CGROUP_V1_FREEZER);
  const path = v1 ? lines.find((l) => l.split(':')[1] === 'freezer')?.split(':')[2] : lines.find((l) => l.startsWith('0::'))?.slice(3);
  if (!path) throw new Error(`no freezer cgroup for container ${container} in /proc/${pid}/cgroup`);
  const file = v1 ? join(CGROUP_V1_FREEZER, path, 'freezer.state') : join('/sys/fs/cgroup', path, 'cgroup.freeze');
  writeFileSync(file, v1 ? 'FROZEN' : '1');
  const thaw = async () => {
    if (existsSync(file)) writeFileSync(file, v1 ? 'THAWED' : '0');
  };
  thaws.push(thaw);
  return thaw;
}

async function startCluster(nodes: string[]): Promise<DockerRuntime> {
  const runDir = mkdtempSync(join(tmpdir(), 'faultline-frozen-'));
  const runtime = new DockerRuntime({ nodes, runDir, fakeClock: false });
  await runtime.setup();
  for (const node of nodes) {
    await runtime.spawn(node, { command: process.execPath, args: ['-e', SERVER, runtime.nodeHost(node)] }, join(runDir, 'nodes', node, 'node.log'));
  }
  return runtime;
}

async function timed(step: Promise<unknown>): Promise<{ error: string; s: number }> {
  const started = performance.now();
  const error = await step.then(() => 'no error', (err: unknown) => (err instanceof Error ? err.message : String(err)));
  return { error, s: (performance.now() - started) / 1000 };
}

async function leftovers(filter: string): Promise<string[]> {
  const docker = await connectDocker();
  const filters = JSON.stringify({ label: [filter] });
  return [
    ...(await docker.listContainers({ all: true, filters })).map((c) => c.Names[0] ?? c.Id),
    ...(await docker.listNetworks({ filters })).map((n) => n.Name),
  ];
}

/** What is left of a run once pending removals are done (a thawed container's removal finishes by itself). */
async function settledLeftovers(filter: string): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const left = await leftovers(filter);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('docker runtime: a container whose engine calls hang', () => {
  it('faults on it fail at their deadlines naming the call; teardown names it; cleanup removes it once it thaws', async () => {
    const runtime = await startCluster(['n1', 'n2', 'n3']);
    const n2 = `faultline-${runtime.runId}-n2`;
    const thaw = await freezeEngineSide(n2);

    const partition = await timed(runtime.partition({ n1: ['n2'], n2: ['n1'] }));
    expect(partition.error).toBe(`partition failed on n2: the Docker engine did not answer exec \`iptables -w -F FAULTLINE\` in container ${n2} within 15 s (done on n1 n3)`);
    expect(partition.s).toBeGreaterThan(14);
    expect(partition.s).toBeLessThan(25);

    const kill = await timed(runtime.kill('n2'));
    expect(kill.error).toBe(`the Docker engine did not answer \`kill\` of container ${n2} within 10 s`);
    expect(kill.s).toBeLessThan(20);
    expect(runtime.isRunning('n2')).toBe(true); // not called dead: the engine answers for the others

    const teardown = await timed(runtime.teardown());
    expect(teardown.error).toBe(`could not remove container ${n2} and network faultline-${runtime.runId} (the Docker engine did not answer within 15 s); \`npx faultline cleanup\` removes them`);
    expect(teardown.s).toBeLessThan(40); // kill 10 s, then the removal 15 s
    expect(await leftovers(`${LABELS.run}=${runtime.runId}`)).toHaveLength(2);

    // While it is frozen, cleanup cannot remove it either, and says so within the removal deadline.
    const stuck = await timed(cleanup({ run: runtime.runId }));
    expect(stuck.error).toMatch(new RegExp(`^removed 0 containers, 0 networks and 0 faultfs mounts, but could not remove 2 \\(the Docker engine did not answer \`remove\` of container ${n2} within 15 s; `));
    expect(stuck.s).toBeLessThan(40);

    await thaw();
    await cleanup({ run: runtime.runId });
    expect(await settledLeftovers(`${LABELS.run}=${runtime.runId}`)).toEqual([]);
  });

  it('a rule command in a frozen container exits non-zero, and the fault fails with that exit code', async () => {
    const runtime = await startCluster(['n1', 'n2']);
    const n1 = `faultline-${runtime.runId}-n1`;
    try {
      const thaw = await freezeContainer(n1);
      const partition = await timed(runtime.partition({ n1: ['n2'] }));
      expect(partition.error).toMatch(new RegExp(`^partition failed on n1: \`iptables -w -F FAULTLINE\` failed in container ${n1} \\(exit \\d+\\)`));
      expect(partition.s).toBeLessThan(10);
      await thaw();
      expect(await runtime.partition({ n1: ['n2'] })).toEqual({});
    } finally {
      await runtime.teardown();
    }
  });

  it('a run with one container frozen mid-run ends within its deadlines, records the failed faults, and its controller exits', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-frozen-run-'));
    const started = performance.now();
    const child = execa('node', [bin, 'test', '--runtime', 'docker', '--db', 'bundled', '--nodes', '3', '--concurrency', '3',
      '--time-limit', '25', '--nemesis', 'partition,kill,pause', '--nemesis-interval', '2', '--seed', '11', '--store', store], { reject: false });
    const history = join(store, 'latest', 'history.jsonl');
    const owner = `${LABELS.owner}=${hostname()}/${child.pid}`;
    // Once faults are being made, freeze n2's engine side.
    const deadline = Date.now() + 120_000;
    while (!(existsSync(history) && /"type":"info","f":"start-/.test(readFileSync(history, 'utf8')))) {
      if (Date.now() > deadline) throw new Error('the run made no fault within 120 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    const docker = await connectDocker();
    const [n2] = await docker.listContainers({ filters: JSON.stringify({ label: [owner, `${LABELS.node}=n2`] }) });
    expect(n2).toBeDefined();
    const n2Name = (n2?.Names[0] ?? '').replace(/^\//, '');
    const thaw = await freezeEngineSide(n2Name);

    const result = await child;
    const wallS = (performance.now() - started) / 1000;
    await thaw();
    // Workload 25 s, faults in flight and heal ops at most 30 s each, teardown within 40 s.
    expect(wallS).toBeLessThan(240);
    expect(result.stderr).toContain(`teardown failed: could not remove container ${n2Name}`);
    const failed = readFileSync(history, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { process: unknown; type: string; f: string; error?: string })
      .filter((op) => op.process === 'nemesis' && op.type === 'info' && op.error !== undefined);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.some((op) => op.error?.includes(`container ${n2Name}`) && /did not answer|did not exit/.test(op.error))).toBe(true);
    const results = JSON.parse(readFileSync(join(store, 'latest', 'results.json'), 'utf8')) as { results: { faults?: { summary: string } } };
    expect(results.results.faults?.summary).toMatch(/failed/);

    const cleaned = await execa('node', [bin, 'cleanup'], { reject: false });
    expect(cleaned.exitCode, cleaned.stderr).toBe(0);
    expect(await settledLeftovers(owner)).toEqual([]);
  });
});
