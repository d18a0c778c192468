import { describe, expect, it } from 'vitest';
import { capabilityProblem, optionProblem, preflight } from './preflight.js';
import { hostLibfaketime } from './runtime/faketime.js';
import { resolveSpec, type SpecOptions } from './spec.js';

const spec = (options: SpecOptions) => resolveSpec({ seed: 1, ...options });
const none = new Set<string>();

describe('preflight', () => {
  it('refuses bundled-store options given with another database, but not their defaults', () => {
    expect(optionProblem(spec({ db: 'etcd', runtime: 'docker', readMode: 'local' }), new Set(['readMode']))).toBe('--read-mode applies to --db bundled only; --db etcd has no such setting (drop it)');
    expect(optionProblem(spec({ db: 'redis', runtime: 'docker' }), new Set(['storeMode', 'antiEntropy']))).toMatch(/^--store-mode, --anti-entropy apply to --db bundled only/);
    expect(optionProblem(spec({ db: 'etcd', runtime: 'docker' }), none)).toBeUndefined();
    expect(optionProblem(spec({ readMode: 'local' }), new Set(['readMode']))).toBeUndefined();
  });

  it('refuses a database on a runtime that cannot start it', () => {
    expect(optionProblem(spec({ db: 'zookeeper' }), none)).toBe('--db zookeeper cannot run on the local runtime; expected --runtime docker');
  });

  it('refuses a concurrency that key groups cannot split, naming the nearest that can', () => {
    expect(optionProblem(spec({ nodes: 3, concurrency: 10 }), none)).toBe('--concurrency 10 is not a multiple of 3: the register workload gives each key to a group of 3 processes (one per node); expected --concurrency 9 or 12, or Nn (e.g. 2n)');
    expect(optionProblem(spec({ nodes: 3, concurrency: 2 }), none)).toBeUndefined(); // fewer processes than nodes: one group
    expect(optionProblem(spec({ nodes: 3, concurrency: 10, workload: 'bank' }), none)).toBeUndefined(); // no key groups
    expect(optionProblem(spec({ nodes: 3 }), none)).toBeUndefined(); // the default, 2n
  });

  it('refuses faults the runtime cannot make', () => {
    expect(capabilityProblem(spec({ nemesis: 'partition,packet' }))).toBe('--nemesis packet cannot run on the local runtime: the local runtime cannot shape packets (delay, loss, rate); use --runtime docker');
    expect(capabilityProblem(spec({ nemesis: 'partition,kill,pause' }))).toBeUndefined();
    expect(capabilityProblem(spec({ runtime: 'docker', nemesis: 'packet,clock' }))).toBeUndefined();
  });

  it('refuses clock faults on the local runtime exactly when libfaketime is missing', () => {
    const missing = () => undefined;
    const installed = () => '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
    expect(capabilityProblem(spec({ nemesis: 'clock' }), missing)).toMatch(/^--nemesis clock on the local runtime needs libfaketime, which is not installed .*; install it \(apt-get install libfaketime\)/);
    expect(capabilityProblem(spec({ nemesis: 'partition,clock' }), installed)).toBeUndefined();
    expect(capabilityProblem(spec({ nemesis: 'partition' }), missing)).toBeUndefined();
    expect(capabilityProblem(spec({ runtime: 'docker', nemesis: 'clock' }), missing)).toBeUndefined();
    // This machine, as `faultline test` asks it.
    expect(capabilityProblem(spec({ nemesis: 'clock' })) === undefined).toBe(hostLibfaketime() !== undefined);
  });

  it('asks the Docker engine only for the docker runtime, and passes its refusal on', async () => {
    let pinged = 0;
    const ping = async () => {
      pinged++;
      throw new Error('cannot reach the Docker engine');
    };
    await expect(preflight(spec({}), { given: none, pingDocker: ping })).resolves.toBeUndefined();
    await expect(preflight(spec({ runtime: 'docker' }), { given: none, pingDocker: ping })).rejects.toThrow('cannot reach the Docker engine');
    expect(pinged).toBe(1);
  });
});
