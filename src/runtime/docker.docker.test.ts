// The docker runtime against a real engine: partitions really block traffic between containers
// (one-way ones in one direction only) and healing restores it; a clock fault shifts only the target process's clock; loss falls back
// to iptables where the kernel has no netem. Needs Docker (npm run test:docker); without it the
// suite skips with one line, or fails under FAULTLINE_REQUIRE_SYSTEM_TESTS=1 (CI).
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDocker, execIn, execOk } from './docker-engine.js';
import { DockerRuntime } from './docker.js';
import { TCP_PAYLOAD_BPF } from './docker-partition.js';
import { dockerEngine, systemHas } from '../../test-support/system-tests.js';

const hasDocker = await systemHas(dockerEngine);

// A tiny server for each node: answers every connection with its process's idea of the time.
const CLOCK_SERVER = "require('net').createServer((s) => { s.on('error', () => {}); s.end(String(Date.now())); }).listen(7000, process.argv[1])";
// Run inside a container: connects to argv[1]:7000 and prints ok, or fail when nothing answers in 1.5 s.
const PROBE = "const s = require('net').connect(7000, process.argv[1], () => { console.log('ok'); process.exit(0); }); s.on('error', () => { console.log('fail'); process.exit(0); }); setTimeout(() => { console.log('fail'); process.exit(0); }, 1500);";

const runDirs = new Map<DockerRuntime, string>();

async function startCluster(nodes: string[], fakeClock: boolean): Promise<DockerRuntime> {
  const runDir = mkdtempSync(join(tmpdir(), 'faultline-docker-test-'));
  const runtime = new DockerRuntime({ nodes, runDir, fakeClock, log: (line) => process.stderr.write(`${line}\n`) });
  runDirs.set(runtime, runDir);
  await runtime.setup();
  for (const node of nodes) await startServer(runtime, node);
  return runtime;
}

/** Starts (or restarts) a node's clock server and waits until it answers. */
async function startServer(runtime: DockerRuntime, node: string, extra: { clockUnfakeable?: string } = {}): Promise<void> {
  const logPath = join(runDirs.get(runtime) as string, 'nodes', node, 'node.log');
  await runtime.spawn(node, { command: process.execPath, args: ['-e', CLOCK_SERVER, runtime.nodeHost(node)], ...extra }, logPath);
  await until(async () => (await timeOf(runtime, node).catch(() => undefined)) !== undefined, `${node} serves`);
}

async function container(runtime: DockerRuntime, node: string) {
  return (await connectDocker()).getContainer(`faultline-${runtime.runId}-${node}`);
}

/** Can `from`'s container open a connection to `to`'s server? */
async function reaches(runtime: DockerRuntime, from: string, to: string): Promise<boolean> {
  const { output } = await execIn(await container(runtime, from), ['node', '-e', PROBE, runtime.nodeHost(to)]);
  return output.trim() === 'ok';
}

// Run inside a container: connects to argv[1]:7000 and prints whether it connected and what it got in 1.5 s.
const FETCH = "let got = '', connected = false; const s = require('net').connect(7000, process.argv[1], () => (connected = true)); s.on('data', (d) => (got += d)); s.on('error', () => {}); setTimeout(() => { console.log(JSON.stringify({ connected, got })); process.exit(0); }, 1500);";
// Run inside a container: listens on argv[1]:7001 for argv[2] ms and prints what it heard.
const HEAR = "let heard = ''; require('net').createServer((s) => { s.on('error', () => {}); s.on('data', (d) => (heard += d)); }).listen(7001, process.argv[1]); setTimeout(() => { console.log(JSON.stringify(heard)); process.exit(0); }, Number(process.argv[2]));";
// Run inside a container: after 500 ms, connects to argv[1]:7001, writes argv[2], and prints whether it connected.
const SAY = "let connected = false; setTimeout(() => { const s = require('net').connect(7001, process.argv[1], () => { connected = true; s.write(process.argv[2]); }); s.on('error', () => {}); }, 500); setTimeout(() => { console.log(String(connected)); process.exit(0); }, 2000);";

/** What `from`'s container gets when it connects to `to`'s server. */
async function fetch(runtime: DockerRuntime, from: string, to: string): Promise<{ connected: boolean; got: string }> {
  const { output } = await execIn(await container(runtime, from), ['node', '-e', FETCH, runtime.nodeHost(to)]);
  return JSON.parse(output.trim()) as { connected: boolean; got: string };
}

/** `from` connects to a listener in `to`'s container and writes "from <from>": did it connect, and what did `to` hear? */
async function tell(runtime: DockerRuntime, from: string, to: string): Promise<{ connected: boolean; heard: string }> {
  const [heard, said] = await Promise.all([
    execIn(await container(runtime, to), ['node', '-e', HEAR, runtime.nodeHost(to), '2500']),
    execIn(await container(runtime, from), ['node', '-e', SAY, runtime.nodeHost(to), `from ${from}`]),
  ]);
  return { connected: said.output.trim() === 'true', heard: JSON.parse(heard.output.trim()) as string };
}

/** The time as the node's server process sees it. */
function timeOf(runtime: DockerRuntime, node: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(7000, runtime.nodeHost(node));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => resolve(Number(text)));
    socket.on('error', reject);
    socket.setTimeout(2000, () => socket.destroy(new Error('timeout')));
  });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.runIf(hasDocker)('docker runtime: partitions and packet faults', () => {
  let runtime: DockerRuntime;
  beforeAll(async () => {
    runtime = await startCluster(['n1', 'n2', 'n3'], false);
  });
  afterAll(async () => {
    await runtime?.teardown();
  });

  it('a partition blocks traffic between two containers, and healing restores it', async () => {
    expect(await reaches(runtime, 'n1', 'n2')).toBe(true);
    expect(await reaches(runtime, 'n2', 'n1')).toBe(true);
    await runtime.partition({ n1: ['n2'], n2: ['n1'] });
    expect(await reaches(runtime, 'n1', 'n2')).toBe(false);
    expect(await reaches(runtime, 'n2', 'n1')).toBe(false);
    // Only the named link is cut: n3 still talks to both, and the controller reaches every node.
    expect(await reaches(runtime, 'n3', 'n1')).toBe(true);
    expect(await reaches(runtime, 'n1', 'n3')).toBe(true);
    expect(await timeOf(runtime, 'n1')).toBeGreaterThan(0);
    await runtime.heal();
    expect(await reaches(runtime, 'n1', 'n2')).toBe(true);
    expect(await reaches(runtime, 'n2', 'n1')).toBe(true);
  });

  it('one way: n1 stops hearing n2 while n2 still hears n1; only n1 gets rules, which drop bytes, not handshakes', async () => {
    await runtime.partition({ n1: ['n2'], n2: [], n3: [] });
    const n2 = runtime.nodeHost('n2');
    const rules = async (node: string) => (await execOk(await container(runtime, node), ['iptables', '-S', 'FAULTLINE'])).trim().split('\n');
    expect(await rules('n1')).toEqual([
      '-N FAULTLINE',
      `-A FAULTLINE -s ${n2}/32 -p tcp -m bpf --bytecode "${TCP_PAYLOAD_BPF}" -j DROP`,
      `-A FAULTLINE -s ${n2}/32 ! -p tcp -j DROP`,
    ]);
    expect(await rules('n2')).toEqual(['-N FAULTLINE']);
    // n2 hears n1 whichever side opens the connection; n1 hears nothing n2 sends, on connections that still open.
    expect(await fetch(runtime, 'n2', 'n1')).toMatchObject({ connected: true, got: expect.stringMatching(/^\d+$/) });
    expect(await fetch(runtime, 'n1', 'n2')).toEqual({ connected: true, got: '' });
    expect(await tell(runtime, 'n1', 'n2')).toEqual({ connected: true, heard: 'from n1' });
    expect(await tell(runtime, 'n2', 'n1')).toEqual({ connected: true, heard: '' });
    expect(await fetch(runtime, 'n3', 'n1')).toMatchObject({ connected: true, got: expect.stringMatching(/^\d+$/) });
    await runtime.heal();
    expect(await rules('n1')).toEqual(['-N FAULTLINE']);
    // Docker's own rules in the container are untouched: only faultline's chains were ever changed.
    expect(await execOk(await container(runtime, 'n1'), ['iptables', '-S', 'INPUT'])).toMatch(/-j FAULTLINE/);
    expect(await fetch(runtime, 'n1', 'n2')).toMatchObject({ connected: true, got: expect.stringMatching(/^\d+$/) });
    expect(await tell(runtime, 'n2', 'n1')).toEqual({ connected: true, heard: 'from n2' });
  });

  it('a partition made while a node is paused lands when it resumes', async () => {
    await runtime.pause('n3');
    await runtime.partition({ n3: ['n1'], n1: ['n3'] });
    await runtime.resume('n3');
    expect(await reaches(runtime, 'n3', 'n1')).toBe(false);
    await runtime.heal();
    expect(await reaches(runtime, 'n3', 'n1')).toBe(true);
  });

  it('reports which packet behaviours this kernel lacks, and still drops packets when asked', async () => {
    const support = await runtime.packetSupport();
    expect(Object.keys(support.available)).toContain('loss');
    expect(Object.keys(support.available)).toContain('rate');
    if (support.unavailable.delay) {
      expect(support.unavailable.delay).toMatch(/netem/);
      expect(support.available.loss).toBe('iptables statistic');
      await expect(runtime.shapePackets(['n1'], { delayMs: 100 })).rejects.toThrow(/delay are unavailable/);
    }
    await runtime.shapePackets(['n1'], { lossPercent: 100 });
    expect(await reaches(runtime, 'n2', 'n1')).toBe(false);
    await runtime.clearPackets();
    expect(await reaches(runtime, 'n2', 'n1')).toBe(true);
  });

  it('resets connections through a REJECT tcp-reset rule where iptables has one; clearing removes it; stalls are unavailable', async () => {
    const support = await runtime.packetSupport();
    expect(support.unavailable.stall).toMatch(/hold no bytes/);
    if (support.unavailable.reset) return expect(support.unavailable.reset).toMatch(/REJECT/);
    const rules = async () => (await execOk(await container(runtime, 'n1'), ['iptables', '-S', 'FAULTLINE-LOSS'])).trim().split('\n');
    await runtime.shapePackets(['n1'], { resetPercent: 100 });
    expect(await rules()).toEqual(['-N FAULTLINE-LOSS', '-A FAULTLINE-LOSS -p tcp -m statistic --mode random --probability 1.00000000000 -j REJECT --reject-with tcp-reset']);
    expect(await reaches(runtime, 'n2', 'n1')).toBe(false);
    await runtime.clearPackets();
    expect(await rules()).toEqual(['-N FAULTLINE-LOSS']);
    expect(await reaches(runtime, 'n2', 'n1')).toBe(true);
  });

  it('kills and restarts a node through the Docker API, keeping its partition', async () => {
    await runtime.partition({ n1: ['n2'], n2: ['n1'] });
    await runtime.kill('n1');
    expect(runtime.isRunning('n1')).toBe(false);
    await startServer(runtime, 'n1');
    expect(await reaches(runtime, 'n2', 'n1')).toBe(false);
    await runtime.heal();
    expect(await reaches(runtime, 'n2', 'n1')).toBe(true);
  });
});

describe.runIf(hasDocker)('docker runtime: clock faults', () => {
  let runtime: DockerRuntime;
  beforeAll(async () => {
    runtime = await startCluster(['n1', 'n2'], true);
  });
  afterAll(async () => {
    await runtime?.teardown();
  });

  it("shifts only the target process's clock: not its peer, not other processes in its container, not the machine", async () => {
    await runtime.setClock('n1', { offsetS: 3600, rate: 1 });
    const skew = (await timeOf(runtime, 'n1')) - Date.now();
    expect(skew).toBeGreaterThan(3590_000);
    expect(skew).toBeLessThan(3610_000);
    expect(Math.abs((await timeOf(runtime, 'n2')) - Date.now())).toBeLessThan(5000);
    const dateInContainer = Number((await execOk(await container(runtime, 'n1'), ['date', '+%s'])).trim());
    expect(Math.abs(dateInContainer * 1000 - Date.now())).toBeLessThan(5000);
    expect(runtime.clockOffsetS('n1')).toBeCloseTo(3600, 0);
    expect(runtime.clockOffsetS('n2')).toBe(0);
  });

  it('changes offsets and rates while the process runs, continuously', async () => {
    await runtime.setClock('n1', { offsetS: -120, rate: 1 });
    expect((await timeOf(runtime, 'n1')) - Date.now()).toBeLessThan(-115_000);
    await runtime.setClock('n1', { offsetS: 0, rate: 3 });
    const a = await timeOf(runtime, 'n1');
    const realA = Date.now();
    expect(Math.abs(a - realA)).toBeLessThan(1500); // no jump when the rate changes
    await new Promise((r) => setTimeout(r, 2000));
    const elapsed = (await timeOf(runtime, 'n1')) - a;
    const real = Date.now() - realA;
    expect(elapsed / real).toBeGreaterThan(2.2);
    expect(elapsed / real).toBeLessThan(3.8);
    await runtime.setClock('n1', { offsetS: 0, rate: 1 });
    expect(Math.abs((await timeOf(runtime, 'n1')) - Date.now())).toBeLessThan(1500);
  });

  it('refuses, in one line, a clock fault on a process that cannot have its clock faked', async () => {
    await runtime.kill('n2');
    await startServer(runtime, 'n2', { clockUnfakeable: 'it is a Go program' });
    await expect(runtime.setClock('n2', { offsetS: 10, rate: 1 })).rejects.toThrow(/cannot fake the clock of n2: it is a Go program/);
  });
});
