// Preflight: everything a run needs that can be known before it starts, checked before the run
// directory is created. A combination of options that cannot work, or a capability the machine
// lacks (libfaketime for clock faults, a runtime that can shape packets, a Docker engine, a
// runtime that can start the chosen database), is refused in one line (exit 254), instead of a
// run that crashes after setup or quietly tests less than it says.
import { hostLibfaketime } from './runtime/faketime.js';
import { dbRuntimes, runtimeCan, usesKeyGroups } from './resolve.js';
import type { TestSpec } from './spec.js';

/** Options that mean something to the bundled store only, by their spec names and flags. */
const BUNDLED_ONLY = { storeMode: '--store-mode', readMode: '--read-mode', replicas: '--replicas', r: '--r', w: '--w', antiEntropy: '--anti-entropy' } as const;

export interface PreflightOptions {
  /** Spec names of the options the user gave explicitly (defaults are never refused). */
  given: ReadonlySet<string>;
  /** Checks that the Docker engine answers (the docker runtime); throws one line when it does not. */
  pingDocker?: () => Promise<void>;
}

/** Throws one line naming the first thing this run cannot have, and what would work. */
export async function preflight(spec: TestSpec, options: PreflightOptions): Promise<void> {
  const problem = optionProblem(spec, options.given) ?? capabilityProblem(spec);
  if (problem !== undefined) throw new Error(problem);
  if (spec.runtime === 'docker' && options.pingDocker) await options.pingDocker();
}

/** Option combinations that cannot work, whatever the machine. */
export function optionProblem(spec: TestSpec, given: ReadonlySet<string>): string | undefined {
  if (spec.db !== 'bundled') {
    const flags = Object.entries(BUNDLED_ONLY).filter(([name]) => given.has(name)).map(([, flag]) => flag);
    if (flags.length > 0) return `${flags.join(', ')} ${flags.length === 1 ? 'applies' : 'apply'} to --db bundled only; --db ${spec.db} has no such setting (drop ${flags.length === 1 ? 'it' : 'them'})`;
  }
  if (!dbRuntimes[spec.db].includes(spec.runtime)) {
    return `--db ${spec.db} cannot run on the ${spec.runtime} runtime; expected --runtime ${dbRuntimes[spec.db].join(' | ')}`;
  }
  if (usesKeyGroups(spec.workload)) {
    const group = Math.min(spec.nodes.length, spec.concurrency);
    if (spec.concurrency % group !== 0) {
      const below = Math.floor(spec.concurrency / group) * group;
      return `--concurrency ${spec.concurrency} is not a multiple of ${group}: the ${spec.workload} workload gives each key to a group of ${group} processes (one per node); expected --concurrency ${[below, below + group].filter((n) => n > 0).join(' or ')}, or Nn (e.g. 2n)`;
    }
  }
  return undefined;
}

/** What the chosen runtime cannot do on this machine for the requested faults. */
export function capabilityProblem(spec: TestSpec, libfaketime: () => string | undefined = hostLibfaketime): string | undefined {
  for (const fault of spec.nemesis) {
    const why = runtimeCan(spec.runtime, fault);
    if (why !== true) return `--nemesis ${fault} cannot run on the ${spec.runtime} runtime: ${why}`;
  }
  if (spec.runtime === 'local' && spec.nemesis.includes('clock') && libfaketime() === undefined) {
    return '--nemesis clock on the local runtime needs libfaketime, which is not installed (no /usr/lib/*/faketime/libfaketime.so.1); install it (apt-get install libfaketime), use --runtime docker, or drop clock from --nemesis';
  }
  return undefined;
}
