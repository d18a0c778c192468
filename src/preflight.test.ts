import { builtins } from './builtins.js';
import { describe, expect, it } from 'vitest';
import { defineDb } from './define/db.js';
import { defineFault } from './define/fault.js';
import { extendRegistry } from './define/registry.js';
import { capabilityProblem, optionProblem, preflight } from './preflight.js';
import { hostLibfaketime } from './runtime/faketime.js';
import { resolveSpec, type SpecOptions } from './spec.js';

const spec = (options: SpecOptions) => resolveSpec({ seed: 1, ...options }, builtins);

describe('preflight', () => {
  it('refuses a database whose adapter lacks start or awaitReady, before any node starts', () => {
    const broken = defineDb({ name: 'broken', description: 'an adapter without its methods', runtimes: ['local'], create: () => ({ name: 'broken', openRegister: async () => ({}) }) as never });
    const registry = extendRegistry(builtins, [broken], []);
    expect(optionProblem(resolveSpec({ seed: 1, db: 'broken' }, registry), registry)).toBe('db broken: create() returned an adapter without start and awaitReady; expected an object with start(node, ctx) and awaitReady(nodes, ctx, deadlineMs)');
    expect(optionProblem(spec({}), builtins)).toBeUndefined();
  });

  it('refuses a concurrency that key groups cannot split, naming the nearest that can', () => {
    expect(optionProblem(spec({ nodes: 3, concurrency: 10 }), builtins)).toBe('--concurrency 10 is not a multiple of 3: the register workload gives each key to a group of 3 processes (one per node); expected --concurrency 9 or 12, or Nn (e.g. 2n)');
    expect(optionProblem(spec({ nodes: 3, concurrency: 2 }), builtins)).toBeUndefined(); // fewer processes than nodes: one group
    expect(optionProblem(spec({ nodes: 3, concurrency: 10, workload: 'bank' }), builtins)).toBeUndefined(); // no key groups
    expect(optionProblem(spec({ nodes: 3 }), builtins)).toBeUndefined(); // the default, 2n
  });

  it('refuses a fault the database cannot have, in its own words', () => {
    const magic = defineFault({ name: 'magic', description: 'needs a magic db', healRank: 1, canTest: (db) => ('magic' in db ? true : 'it has no magic() method'), create: () => ({ fault: 'magic', invoke: async () => 'done' }) });
    const registry = extendRegistry(builtins, [magic], []);
    expect(optionProblem(resolveSpec({ seed: 1, nemesis: 'partition,magic' }, registry), registry)).toBe('--nemesis magic cannot test --db bundled: it has no magic() method');
    expect(optionProblem(resolveSpec({ seed: 1, nemesis: 'partition' }, registry), registry)).toBeUndefined();
  });

  it('refuses clock faults on a database whose clock libfaketime cannot move, and all leaves them out', () => {
    expect(optionProblem(spec({ runtime: 'docker', db: 'etcd', nemesis: 'partition,kill,clock' }), builtins)).toBe(
      '--nemesis clock cannot test --db etcd: etcd is a Go program, and Go reads the clock through the vDSO rather than libc, so libfaketime cannot shift it; drop clock from --nemesis',
    );
    expect(optionProblem(spec({ runtime: 'docker', db: 'etcd', nemesis: 'partition,kill' }), builtins)).toBeUndefined();
    expect(optionProblem(spec({ runtime: 'docker', db: 'redis', nemesis: 'clock' }), builtins)).toBeUndefined();
    const all = spec({ runtime: 'docker', db: 'etcd', nemesis: 'all' });
    expect(all.nemesis.faults.map((f) => f.name)).not.toContain('clock');
    expect(all.nemesis.leftOut?.['clock']).toMatch(/^--db etcd cannot have it: etcd is a Go program/);
    expect(optionProblem(all, builtins)).toBeUndefined();
  });

  it('refuses faults the runtime cannot make', () => {
    expect(capabilityProblem(spec({ nemesis: 'partition,packet' }), builtins)).toBeUndefined(); // the local link proxies shape streams
    expect(capabilityProblem(spec({ nemesis: 'partition,kill,pause' }), builtins)).toBeUndefined();
    expect(capabilityProblem(spec({ runtime: 'docker', nemesis: 'packet,clock' }), builtins)).toBeUndefined();
  });

  it('refuses clock faults on the local runtime exactly when libfaketime is missing', () => {
    const missing = () => undefined;
    const installed = () => '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
    expect(capabilityProblem(spec({ nemesis: 'clock' }), builtins, missing)).toMatch(/^--nemesis clock on the local runtime needs libfaketime, which is not installed .*; install it \(apt-get install libfaketime\)/);
    expect(capabilityProblem(spec({ nemesis: 'partition,clock' }), builtins, installed)).toBeUndefined();
    expect(capabilityProblem(spec({ nemesis: 'partition' }), builtins, missing)).toBeUndefined();
    expect(capabilityProblem(spec({ runtime: 'docker', nemesis: 'clock' }), builtins, missing)).toBeUndefined();
    // This machine, as `faultline test` asks it.
    expect(capabilityProblem(spec({ nemesis: 'clock' }), builtins) === undefined).toBe(hostLibfaketime() !== undefined);
  });

  it('asks the Docker engine only for the docker runtime, and passes its refusal on', async () => {
    let pinged = 0;
    const ping = async () => {
      pinged++;
      throw new Error('cannot reach the Docker engine');
    };
    await expect(preflight(spec({}), builtins, { pingDocker: ping })).resolves.toBeUndefined();
    await expect(preflight(spec({ runtime: 'docker' }), builtins, { pingDocker: ping })).rejects.toThrow('cannot reach the Docker engine');
    expect(pinged).toBe(1);
  });
});
