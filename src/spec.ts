// The test spec: plain, JSON-serialisable data that fully describes a run (seed included), and
// its resolution from CLI options with defaults and validation. test.json holds exactly this.
import { MODE_NAMES, modeCapabilities } from './kv/mode-ops.js';
import { VERSION_SCOPE } from './kv/version.js';
import { freshSeed } from './random.js';

export const RUNTIMES = ['local', 'docker'] as const;
export const DBS = ['bundled', 'etcd', 'redis', 'zookeeper'] as const;
export const STORE_MODES = MODE_NAMES;
export const READ_MODES = ['quorum', 'lease', 'local'] as const;
export const WORKLOADS = ['register', 'set', 'counter', 'bank', 'list-append', 'session'] as const;
export const ANTI_ENTROPY = ['on', 'off'] as const;
export const SESSIONS = ['none', 'sticky', 'tokens'] as const;
export const NEMESES = ['partition', 'kill', 'pause', 'clock', 'packet'] as const;

export interface TestSpec {
  name: string;
  nodes: string[];
  concurrency: number;
  timeLimitS: number;
  workload: (typeof WORKLOADS)[number];
  nemesis: (typeof NEMESES)[number][];
  nemesisIntervalS: number;
  seed: number;
  runtime: (typeof RUNTIMES)[number];
  db: (typeof DBS)[number];
  storeMode: (typeof STORE_MODES)[number];
  /** How the bundled store serves reads: quorum (ReadIndex), lease, or local (stale, from any node). */
  readMode: (typeof READ_MODES)[number];
  /** Bundled store, quorum modes: replicas of each key (N), and replies a read (R) and a write (W) wait for. */
  replicas: number;
  r: number;
  w: number;
  /** Bundled store, leaderless modes: anti-entropy between replicas (off: they may never converge). */
  antiEntropy: (typeof ANTI_ENTROPY)[number];
  /** Session workload: how a process keeps its session guarantees (none, sticky: one node, tokens: version tokens). */
  session: (typeof SESSIONS)[number];
  /** Target client ops per second, over all processes. */
  rate: number;
  opTimeoutMs: number;
  opsPerKey: number;
  /** Seconds to wait for the cluster to become ready, at start and after healing. */
  readyTimeoutS: number;
  checkTimeoutS: number;
  storeDir: string;
}

/** Options as they come from the CLI: strings and numbers, any of them missing. */
export type SpecOptions = Partial<Record<keyof TestSpec, unknown>>;

export const DEFAULTS = {
  nodes: 5,
  concurrency: '2n',
  timeLimitS: 30,
  workload: 'register',
  nemesis: 'partition',
  nemesisIntervalS: 5,
  runtime: 'local',
  db: 'bundled',
  storeMode: 'raft',
  readMode: 'quorum',
  replicas: 3,
  antiEntropy: 'on',
  session: 'none',
  rate: 100,
  opTimeoutMs: 3000,
  opsPerKey: 100,
  readyTimeoutS: 30,
  checkTimeoutS: 60,
  storeDir: 'store',
} as const;

/** Resolves options into a full spec; throws one line naming the bad value and what was expected. */
export function resolveSpec(options: SpecOptions): TestSpec {
  const nodeCount = integer('nodes', options.nodes ?? DEFAULTS.nodes, 1, 15);
  const spec: Omit<TestSpec, 'name'> = {
    nodes: Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`),
    concurrency: concurrency(options.concurrency ?? DEFAULTS.concurrency, nodeCount),
    timeLimitS: number('time-limit', options.timeLimitS ?? DEFAULTS.timeLimitS, 1, 86_400),
    workload: oneOf('workload', options.workload ?? DEFAULTS.workload, WORKLOADS),
    nemesis: faultList(options.nemesis ?? DEFAULTS.nemesis).map((n) => oneOf('nemesis', n, NEMESES)),
    nemesisIntervalS: number('nemesis-interval', options.nemesisIntervalS ?? DEFAULTS.nemesisIntervalS, 0.1, 3600),
    seed: integer('seed', options.seed ?? freshSeed(), 0, 2 ** 31 - 1),
    runtime: oneOf('runtime', options.runtime ?? DEFAULTS.runtime, RUNTIMES),
    db: oneOf('db', options.db ?? DEFAULTS.db, DBS),
    storeMode: oneOf('store-mode', options.storeMode ?? DEFAULTS.storeMode, STORE_MODES),
    readMode: oneOf('read-mode', options.readMode ?? DEFAULTS.readMode, READ_MODES),
    ...quorumSizes(options, nodeCount),
    antiEntropy: oneOf('anti-entropy', options.antiEntropy ?? DEFAULTS.antiEntropy, ANTI_ENTROPY),
    session: oneOf('session', options.session ?? DEFAULTS.session, SESSIONS),
    rate: number('rate', options.rate ?? DEFAULTS.rate, 0.1, 100_000),
    opTimeoutMs: integer('op-timeout-ms', options.opTimeoutMs ?? DEFAULTS.opTimeoutMs, 10, 600_000),
    opsPerKey: integer('ops-per-key', options.opsPerKey ?? DEFAULTS.opsPerKey, 1, 1_000_000),
    readyTimeoutS: number('ready-timeout', options.readyTimeoutS ?? DEFAULTS.readyTimeoutS, 1, 3600),
    checkTimeoutS: number('check-timeout', options.checkTimeoutS ?? DEFAULTS.checkTimeoutS, 1, 86_400),
    storeDir: String(options.storeDir ?? DEFAULTS.storeDir),
  };
  if (spec.db === 'bundled' && !modeCapabilities(spec.storeMode)[spec.workload]) {
    const serves = WORKLOADS.filter((w) => modeCapabilities(spec.storeMode)[w]);
    const modes = STORE_MODES.filter((m) => modeCapabilities(m)[spec.workload]);
    throw new Error(`--workload "${spec.workload}" needs ops that --store-mode ${spec.storeMode} does not serve; expected one of: ${serves.join(', ')} (or --store-mode ${modes.join(' | ')})`);
  }
  if (spec.session !== 'none' && spec.workload !== 'session') {
    throw new Error(`--session ${spec.session} applies to --workload session only; expected --session none with --workload ${spec.workload}`);
  }
  if (spec.session === 'tokens' && (spec.db !== 'bundled' || VERSION_SCOPE[spec.storeMode] === null)) {
    const modes = STORE_MODES.filter((m) => VERSION_SCOPE[m] !== null);
    throw new Error(`--session tokens needs version tokens, which --db ${spec.db}${spec.db === 'bundled' ? ` --store-mode ${spec.storeMode}` : ''} lacks; expected --db bundled --store-mode ${modes.join(' | ')}`);
  }
  const bundled = spec.db === 'bundled';
  const quorum = bundled && (spec.storeMode === 'quorum' || spec.storeMode === 'quorum-vc');
  const leaderless = quorum || (bundled && spec.storeMode === 'crdt');
  const name = options.name === undefined
    ? [
        spec.db,
        bundled ? spec.storeMode : '',
        quorum ? `n${spec.replicas}r${spec.r}w${spec.w}` : '',
        leaderless && spec.antiEntropy === 'off' ? 'no-anti-entropy' : '',
        bundled && spec.readMode !== 'quorum' ? `${spec.readMode}-reads` : '',
        spec.workload,
        spec.session !== 'none' ? spec.session : '',
        spec.nemesis.join('+') || 'no-faults',
      ].filter(Boolean).join('-')
    : String(options.name);
  return { name, ...spec };
}

/** The command line that replays a spec exactly. */
export function replayCommand(spec: TestSpec): string {
  const bundled = spec.db === 'bundled';
  const quorum = bundled && (spec.storeMode === 'quorum' || spec.storeMode === 'quorum-vc');
  const gossips = quorum || (bundled && spec.storeMode === 'crdt');
  const args = [
    'npx faultline test',
    `--nodes ${spec.nodes.length}`,
    `--concurrency ${spec.concurrency}`,
    `--time-limit ${spec.timeLimitS}`,
    `--workload ${spec.workload}`,
    `--nemesis ${spec.nemesis.join(',') || 'none'}`,
    `--nemesis-interval ${spec.nemesisIntervalS}`,
    `--runtime ${spec.runtime}`,
    `--db ${spec.db}`,
    // Options of the bundled store only where they mean something for its mode.
    ...(bundled ? [`--store-mode ${spec.storeMode}`, `--read-mode ${spec.readMode}`] : []),
    ...(quorum ? [`--replicas ${spec.replicas} --r ${spec.r} --w ${spec.w}`] : []),
    ...(gossips ? [`--anti-entropy ${spec.antiEntropy}`] : []),
    ...(spec.workload === 'session' ? [`--session ${spec.session}`] : []),
    `--rate ${spec.rate}`,
    `--op-timeout-ms ${spec.opTimeoutMs}`,
    `--ops-per-key ${spec.opsPerKey}`,
    `--seed ${spec.seed}`,
  ];
  return args.join(' ');
}

/** N, R and W of the quorum modes: N at most the node count, R and W a majority of N unless given. */
function quorumSizes(options: SpecOptions, nodeCount: number): Pick<TestSpec, 'replicas' | 'r' | 'w'> {
  const replicas = integer('replicas', options.replicas ?? Math.min(DEFAULTS.replicas, nodeCount), 1, nodeCount);
  const majority = Math.floor(replicas / 2) + 1;
  return {
    replicas,
    r: integer('r', options.r ?? majority, 1, replicas),
    w: integer('w', options.w ?? majority, 1, replicas),
  };
}

const MAX_CONCURRENCY = 1000;

/**
 * Client processes: a whole number, or Jepsen's `Nn`, N times the node count (`2n` on 5 nodes is 10).
 * The spec keeps the resolved number, so test.json and the replay line need no node count to read it.
 */
function concurrency(value: unknown, nodeCount: number): number {
  const text = String(value).trim();
  const expected = `expected a whole number from 1 to ${MAX_CONCURRENCY}, or Nn for N times the node count (e.g. 2n: ${2 * nodeCount} on ${nodeCount} nodes)`;
  const times = /^[1-9][0-9]*n$/.test(text) ? Number(text.slice(0, -1)) : undefined;
  if (times === undefined) {
    const n = typeof value === 'number' ? value : Number(text);
    if (text === '' || !Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new Error(`--concurrency "${String(value)}" is not valid; ${expected}`);
    return n;
  }
  if (times * nodeCount > MAX_CONCURRENCY) throw new Error(`--concurrency "${String(value)}" is ${times * nodeCount} processes on ${nodeCount} nodes; expected at most ${MAX_CONCURRENCY}`);
  return times * nodeCount;
}

/** A comma-separated fault list; `none` (alone) is no faults. An empty list or item is refused: it is a typo more often than a wish. */
function faultList(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  if (Array.isArray(value) && value.length === 0) return [];
  const names = items.map((s) => s.trim());
  if (names.every((s) => s === '')) {
    throw new Error(`--nemesis "${String(value)}" is an empty list; expected faults, comma separated (${NEMESES.join(', ')}), or none for no faults`);
  }
  if (names.includes('')) {
    throw new Error(`--nemesis "${String(value)}" has an empty item; expected faults separated by single commas (${NEMESES.join(', ')}), or none for no faults`);
  }
  if (names.length > 1 && names.includes('none')) {
    throw new Error(`--nemesis "${String(value)}" lists none with faults; expected none alone, or faults without none`);
  }
  return names[0] === 'none' ? [] : names;
}

function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (allowed.includes(value as T)) return value as T;
  throw new Error(`--${option} "${String(value)}" is not known; expected one of: ${allowed.join(', ')}`);
}

function number(option: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (String(value).trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new Error(`--${option} "${String(value)}" is not valid; expected a number from ${min} to ${max}`);
  }
  return n;
}

function integer(option: string, value: unknown, min: number, max: number): number {
  const n = number(option, value, min, max);
  if (!Number.isInteger(n)) throw new Error(`--${option} "${String(value)}" is not valid; expected a whole number from ${min} to ${max}`);
  return n;
}
