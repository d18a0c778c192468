// The docker runtime against a fake engine (no Docker needed): a container whose engine calls
// never answer makes the fault that needed it fail at its deadline, naming the call and the
// container; a command that exits non-zero fails its fault; teardown goes on past what it cannot
// remove, names it, and leaves no call waiting; an engine that is gone is never blamed on a node.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { DockerRuntime } from './docker.js';

const DEADLINES = { call: 60, start: 60, exec: 80, exit: 60, remove: 60 };

/** A fake dockerode: every call answers at once, except those of stalled containers, or all once the engine is gone. */
class FakeEngine {
  /** Containers (by name) whose every call hangs until aborted. */
  readonly stalled = new Set<string>();
  /** Every call fails as if the socket were gone. */
  gone = false;
  /** Exit codes of exec'd commands, by the command's first words (e.g. "iptables -w -F"). */
  readonly exitCodes = new Map<string, number>();
  readonly commands: string[] = [];
  readonly removed: string[] = [];
  /** Signals of calls that were left hanging: each must be aborted in the end. */
  readonly hanging: AbortSignal[] = [];
  private readonly exits = new Map<string, () => void>();

  /** The container stops (its wait answers), as when the engine shuts down and stops it. */
  exit(name: string): void {
    this.exits.get(name)?.();
  }

  private answer<T>(name: string | undefined, signal: AbortSignal | undefined, value: () => T): Promise<T> {
    if (this.gone) return Promise.reject(Object.assign(new Error('connect ECONNREFUSED /var/run/fake.sock'), { code: 'ECONNREFUSED' }));
    if (name !== undefined && this.stalled.has(name)) return this.hang(signal);
    return Promise.resolve().then(value);
  }

  private hang(signal: AbortSignal | undefined): Promise<never> {
    if (signal) this.hanging.push(signal);
    return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
  }

  readonly docker = {
    ping: (opts?: { abortSignal?: AbortSignal }) => this.answer(undefined, opts?.abortSignal, () => 'OK'),
    listNetworks: (opts?: { abortSignal?: AbortSignal }) => this.answer(undefined, opts?.abortSignal, () => []),
    createNetwork: (opts: { Name: string; abortSignal?: AbortSignal }) => this.answer(undefined, opts.abortSignal, () => ({ id: opts.Name })),
    getNetwork: (id: string) => ({
      remove: (opts?: { abortSignal?: AbortSignal }) => this.answer(undefined, opts?.abortSignal, () => void this.removed.push(`network ${id}`)),
    }),
    listImages: (opts: { filters: string; abortSignal?: AbortSignal }) =>
      this.answer(undefined, opts.abortSignal, () => [{ RepoTags: (JSON.parse(opts.filters) as { reference: string[] }).reference }]),
    getContainer: (name: string) => ({
      remove: (opts?: { abortSignal?: AbortSignal }) => this.answer(undefined, opts?.abortSignal, () => Promise.reject(Object.assign(new Error('no such container'), { statusCode: 404 }))),
      name,
    }),
    createContainer: (opts: { name: string; abortSignal?: AbortSignal }) => this.answer(undefined, opts.abortSignal, () => this.container(opts.name)),
  };

  private container(name: string) {
    let running = false;
    let exited: (() => void) | undefined;
    const call = <T>(opts: { abortSignal?: AbortSignal } | undefined, value: () => T) => this.answer(name, opts?.abortSignal, value);
    return {
      id: 'f'.repeat(64),
      start: (opts?: { abortSignal?: AbortSignal }) => call(opts, () => void (running = true)),
      kill: (opts?: { abortSignal?: AbortSignal }) => call(opts, () => {
        running = false;
        exited?.();
      }),
      pause: (opts?: { abortSignal?: AbortSignal }) => call(opts, () => undefined),
      unpause: (opts?: { abortSignal?: AbortSignal }) => call(opts, () => undefined),
      inspect: (opts?: { abortSignal?: AbortSignal }) => call(opts, () => ({ State: { Running: running, ExitCode: 0, Pid: 0 } })),
      logs: (opts?: { abortSignal?: AbortSignal }) => call(opts, () => Buffer.alloc(0)),
      remove: (opts?: { abortSignal?: AbortSignal }) => call(opts, () => void this.removed.push(`container ${name}`)),
      wait: (opts?: { abortSignal?: AbortSignal }) => {
        if (!running) return call(opts, () => ({ StatusCode: 137 }));
        if (this.gone) return Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
        // Answers when the container stops; until then it hangs like a stalled call.
        return new Promise((resolve, reject) => {
          const signal = opts?.abortSignal;
          if (signal) this.hanging.push(signal);
          exited = () => {
            if (signal) this.hanging.splice(this.hanging.indexOf(signal), 1);
            resolve({ StatusCode: 137 });
          };
          this.exits.set(name, () => {
            running = false;
            exited?.();
          });
          opts?.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
        });
      },
      exec: (opts: { Cmd: string[]; abortSignal?: AbortSignal }) => call(opts, () => {
        const command = opts.Cmd.join(' ');
        return {
          start: (startOpts?: { abortSignal?: AbortSignal }) => call(startOpts, () => {
            this.commands.push(`${name}: ${command}`);
            const stream = new PassThrough();
            stream.end();
            return stream;
          }),
          inspect: (inspectOpts?: { abortSignal?: AbortSignal }) => call(inspectOpts, () => ({
            ExitCode: [...this.exitCodes].find(([prefix]) => command.startsWith(prefix))?.[1] ?? 0,
          })),
        };
      }),
    };
  }
}

const nodes = ['n1', 'n2', 'n3'];
let runtime: DockerRuntime | undefined;

async function startCluster(engine: FakeEngine): Promise<DockerRuntime> {
  const runDir = mkdtempSync(join(tmpdir(), 'faultline-fake-engine-'));
  runtime = new DockerRuntime({ nodes, runDir, fakeClock: false, deadlinesMs: DEADLINES, docker: engine.docker as unknown as Docker });
  await runtime.setup();
  for (const node of nodes) await runtime.spawn(node, { command: 'true', args: [] }, join(runDir, 'nodes', node, 'node.log'));
  return runtime;
}

async function timed<T>(step: Promise<T>): Promise<{ error: string | undefined; ms: number }> {
  const started = performance.now();
  const error = await step.then(() => undefined, (err: unknown) => (err instanceof Error ? err.message : String(err)));
  return { error, ms: performance.now() - started };
}

afterEach(async () => {
  await runtime?.teardown().catch(() => undefined);
  runtime = undefined;
});

describe('docker runtime: engine calls with deadlines', () => {
  it('a partition fails at its deadline on a container whose engine calls hang, naming the command and the container', async () => {
    const engine = new FakeEngine();
    const rt = await startCluster(engine);
    const n2 = `faultline-${rt.runId}-n2`;
    engine.stalled.add(n2);
    const { error, ms } = await timed(rt.partition({ n1: ['n2'], n2: ['n1'] }));
    expect(error).toMatch(new RegExp(`^partition failed on n2: the Docker engine did not answer exec \`iptables -w -F FAULTLINE\` in container ${n2} within 0.08 s \\(done on n1 n3\\)$`));
    expect(ms).toBeLessThan(1000);
    // The node is not blamed: it still counts as running, and the rules will be redone on the next change.
    expect(rt.isRunning('n2')).toBe(true);
  });

  it('kill, pause and resume of such a container fail at their deadlines, naming the call', async () => {
    const engine = new FakeEngine();
    const rt = await startCluster(engine);
    const n3 = `faultline-${rt.runId}-n3`;
    engine.stalled.add(n3);
    expect((await timed(rt.kill('n3'))).error).toBe(`the Docker engine did not answer \`kill\` of container ${n3} within 0.06 s`);
    expect((await timed(rt.pause('n3'))).error).toBe(`the Docker engine did not answer \`pause\` of container ${n3} within 0.06 s`);
    expect(await rt.pause('n1')).toBe('done');
    expect(await rt.pause('n1')).toBe('already paused');
    expect(await rt.resume('n1')).toBe('done');
    expect(await rt.resume('n1')).toBe('not paused');
  });

  it('a rule command that exits non-zero fails the fault with its exit code', async () => {
    const engine = new FakeEngine();
    const rt = await startCluster(engine);
    engine.exitCodes.set('iptables -w -A FAULTLINE', 4);
    const { error } = await timed(rt.partition({ n1: ['n2', 'n3'] }));
    // n1 drops n2 and n3 one way: its first rule drops their TCP bytes (n2 and n3 need no rules).
    expect(error).toMatch(/^partition failed on n1: `iptables -w -A FAULTLINE -s [\d.]+,[\d.]+ -p tcp -m bpf --bytecode [\d ,]+ -j DROP` failed in container faultline-\w+-n1 \(exit 4\) \(done on n2 n3\)$/);
    // Once the command works again, the next change redoes n1's rules from scratch.
    engine.exitCodes.clear();
    engine.commands.length = 0;
    expect(await rt.partition({ n1: ['n2', 'n3'] })).toEqual({});
    expect(engine.commands.filter((c) => c.includes('-n1: '))).toEqual([
      expect.stringMatching(/iptables -w -F FAULTLINE$/),
      expect.stringMatching(/iptables -w -A FAULTLINE -s .* -p tcp -m bpf .* -j DROP$/),
      expect.stringMatching(/iptables -w -A FAULTLINE -s .* ! -p tcp -j DROP$/),
    ]);
  });

  it('a partition reaches dead and paused nodes when they run again, and says so', async () => {
    const engine = new FakeEngine();
    const rt = await startCluster(engine);
    expect(await rt.partition({ n1: ['n3'], n2: ['n3'], n3: ['n1', 'n2'] })).toEqual({});
    expect(await rt.kill('n1')).toBe('done');
    expect(await rt.kill('n1')).toBe('not running');
    expect(await rt.pause('n1')).toBe('not running');
    expect(await rt.pause('n2')).toBe('done');
    // A dead node's rules went with it: healing has nothing to wait for on n1, but paused n2 still holds its rules.
    expect(await rt.heal()).toEqual({ n2: 'paused' });
    expect(await rt.partition({ n1: ['n2'], n2: ['n1'] })).toEqual({ n1: 'not running', n2: 'paused' });
    engine.commands.length = 0;
    expect(await rt.resume('n2')).toBe('done');
    expect(engine.commands).toEqual([`faultline-${rt.runId}-n2: iptables -w -F FAULTLINE`, `faultline-${rt.runId}-n2: iptables -w -A FAULTLINE -s ${rt.nodeHost('n1')} -j DROP`]);
  });

  it('teardown removes what it can, names what it cannot within its deadlines, and leaves no call waiting', async () => {
    const engine = new FakeEngine();
    const rt = await startCluster(engine);
    const n2 = `faultline-${rt.runId}-n2`;
    engine.stalled.add(n2);
    const { error, ms } = await timed(rt.teardown());
    expect(error).toBe(`could not remove container ${n2} (the Docker engine did not answer within 0.06 s); \`npx faultline cleanup\` removes them`);
    // kill + exit + logs + remove, each with its own deadline, for all containers at once.
    expect(ms).toBeLessThan(1500);
    expect(engine.removed.sort()).toEqual([`container faultline-${rt.runId}-n1`, `container faultline-${rt.runId}-n3`, `network faultline-${rt.runId}`]);
    expect(engine.hanging.length).toBeGreaterThan(0);
    expect(engine.hanging.every((signal) => signal.aborted)).toBe(true);
  });

  it('once the engine is gone, faults fail saying so and no node is called dead', async () => {
    const engine = new FakeEngine();
    const rt = await startCluster(engine);
    engine.gone = true;
    const { error } = await timed(rt.partition({ n1: ['n2'] }));
    expect(error).toMatch(/the Docker engine did not answer exec `iptables -w -F FAULTLINE` in container faultline-\w+-n1 \(ECONNREFUSED at \/var\/run\/fake.sock\)/);
    const stoppedAnswering = /^the Docker engine at \S+ stopped answering \(.*ECONNREFUSED.*\); the nodes' state is unknown$/;
    expect(() => rt.isRunning('n1')).toThrow(stoppedAnswering);
    await expect(rt.kill('n2')).rejects.toThrow(stoppedAnswering);
    await expect(rt.pause('n2')).rejects.toThrow(stoppedAnswering);
    await expect(rt.heal()).rejects.toThrow(stoppedAnswering);
    await expect(rt.teardown()).rejects.toThrow(/^could not remove containers faultline-\w+-n1, faultline-\w+-n2, faultline-\w+-n3 and network faultline-\w+ \(the Docker engine did not answer \(ECONNREFUSED\)\); `npx faultline cleanup` removes them$/);
  });

  it('nodes are only said not to run while the engine answers', async () => {
    const engine = new FakeEngine();
    const rt = await startCluster(engine);
    for (const node of nodes) expect(await rt.kill(node)).toBe('done');
    expect(await rt.partition({ n1: ['n2'] })).toEqual({ n1: 'not running' });
    engine.gone = true;
    await expect(rt.partition({ n2: ['n1'] })).rejects.toThrow(/stopped answering \(connect ECONNREFUSED\)/);
    await expect(rt.kill('n1')).rejects.toThrow(/stopped answering/);
  });

  it('a container the engine stops as it shuts down is not taken for a node that exited', async () => {
    const engine = new FakeEngine();
    const rt = await startCluster(engine);
    engine.gone = true; // the engine stops its containers, then stops answering
    engine.exit(`faultline-${rt.runId}-n1`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(() => rt.isRunning('n1')).toThrow(/stopped answering/);
  });

  it('a node that exits while the engine answers is not running', async () => {
    const engine = new FakeEngine();
    const rt = await startCluster(engine);
    engine.exit(`faultline-${rt.runId}-n1`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(rt.isRunning('n1')).toBe(false);
    expect(rt.isRunning('n2')).toBe(true);
  });
});
