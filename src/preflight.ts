// Preflight: everything a run needs that can be known before it starts, checked before the run
// directory is created. A combination of options that cannot work, or a capability the machine
// lacks (libfaketime for clock faults, a runtime that can shape packets, a Docker engine, a
// runtime that can start the chosen database), is refused in one line (exit 254), instead of a
// run that crashes after setup or quietly tests less than it says.
import type { Db } from './db-contract.js';
import type { Registry } from './define/registry.js';
import { dbOf, needsFakeClock, probeRuntime } from './resolve.js';
import { hostLibfaketime } from './runtime/faketime.js';
import { partsOf, type TestSpec } from './spec.js';

export interface PreflightOptions {
  /** Checks that the Docker engine answers (the docker runtime); throws one line when it does not. */
  pingDocker?: () => Promise<void>;
  /** Logs in to every host of the ssh runtime once; throws the first host's one line when one cannot be reached or refuses. */
  reachSshHosts?: (spec: TestSpec) => Promise<void>;
}

/** Throws one line naming the first thing this run cannot have, and what would work. */
export async function preflight(spec: TestSpec, registry: Registry, options: PreflightOptions = {}): Promise<void> {
  const problem = optionProblem(spec, registry) ?? capabilityProblem(spec, registry);
  if (problem !== undefined) throw new Error(problem);
  if (spec.runtime === 'docker' && options.pingDocker) await options.pingDocker();
  if (spec.runtime === 'ssh' && options.reachSshHosts) await options.reachSshHosts(spec);
}

/** Option combinations that cannot work, whatever the machine (the spec itself refuses the rest). */
export function optionProblem(spec: TestSpec, registry: Registry): string | undefined {
  let db: Db;
  try {
    db = dbOf(spec, registry);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const { workload, faults } = partsOf(spec, registry);
  for (const fault of faults) {
    const why = fault.canTest(db);
    if (why !== true) return `--nemesis ${fault.name} cannot test --db ${spec.db.name}: ${why}`;
  }
  if (workload.keyGroups) {
    const group = Math.min(spec.nodes.length, spec.concurrency);
    if (spec.concurrency % group !== 0) {
      const below = Math.floor(spec.concurrency / group) * group;
      return `--concurrency ${spec.concurrency} is not a multiple of ${group}: the ${workload.name} workload gives each key to a group of ${group} processes (one per node); expected --concurrency ${[below, below + group].filter((n) => n > 0).join(' or ')}, or Nn (e.g. 2n)`;
    }
  }
  return undefined;
}

/** What the chosen runtime cannot do on this machine for the requested faults. */
export function capabilityProblem(spec: TestSpec, registry: Registry, libfaketime: () => string | undefined = hostLibfaketime): string | undefined {
  const probe = probeRuntime(spec.runtime);
  for (const fault of partsOf(spec, registry).faults) {
    const why = fault.canRunOn(probe);
    if (why !== true) return `--nemesis ${fault.name} cannot run on the ${spec.runtime} runtime: ${why}`;
  }
  if (spec.runtime === 'local' && needsFakeClock(spec, registry) && libfaketime() === undefined) {
    const faults = partsOf(spec, registry).faults.filter((f) => f.fakeClock).map((f) => f.name);
    return `--nemesis ${faults.join(',')} on the local runtime needs libfaketime, which is not installed (no /usr/lib/*/faketime/libfaketime.so.1); install it (apt-get install libfaketime), use --runtime docker, or drop ${faults.join(', ')} from --nemesis`;
  }
  return undefined;
}
