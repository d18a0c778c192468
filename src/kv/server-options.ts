// The server's command line: parsed and validated once into a fully defaulted ServerOptions.
import { parseArgs } from 'node:util';
import { isModeName, MODE_NAMES, type ModeName } from './mode-ops.js';
import type { PeerAddress } from './peer-transport.js';

export type ReadMode = 'quorum' | 'lease' | 'local';

/** When appended log records become durable: before every reply, every interval, or when the OS likes. */
export const FSYNC_MODES = ['always', 'interval', 'never'] as const;
export type FsyncMode = (typeof FSYNC_MODES)[number];

/** Everything the server needs, resolved from flags. */
export interface ServerOptions {
  id: string;
  listen: { host: string; port: number };
  peers: PeerAddress[];
  dataDir: string;
  mode: ModeName;
  readMode: ReadMode;
  fsync: FsyncMode;
  electionTimeoutMs: { min: number; max: number };
  heartbeatMs: number;
  /** Added to Date.now() for every wall-clock reading. */
  clockOffsetMs: number;
  seed: number;
  /** Snapshot the state machine every this many applied entries (0: never). */
  snapshotEvery: number;
  /** How long a node waits for an op to commit or for a forwarded reply. */
  requestTimeoutMs: number;
  /** How long a read with `after` waits for this node (quorum: the key's replicas) to catch up before answering stale. */
  catchUpMs: number;
  logLevel: string;
  /** quorum modes: replicas of each key (N), and the replies a read (R) and a write (W) wait for. */
  replicas: number;
  r: number;
  w: number;
  /** quorum modes: virtual nodes per node on the hash ring. */
  vnodes: number;
  /** Leaderless modes: periodic digest exchange with a random peer; off leaves missed updates missed. */
  antiEntropy: boolean;
  antiEntropyMs: number;
  /** primary: a replica that has not heard from the primary for this long (randomised) starts a failover. */
  failoverTimeoutMs: { min: number; max: number };
}

/** A bad command line; the program prints the message and exits with code 2. */
export class KvUsageError extends Error {
  override name = 'KvUsageError';
}

export const usage = `usage: faultline kv --id n1 --listen 127.0.0.1:7001 --data-dir DIR
  [--peers n2=127.0.0.1:7002,n3=127.0.0.1:7003] [--mode raft] [--read-mode quorum|lease|local]
  [--fsync always|interval|never] [--election-timeout-ms 300-600] [--heartbeat-ms 50]
  [--clock-offset-ms 0] [--seed 1] [--snapshot-every 1000] [--request-timeout-ms 5000] [--catch-up-ms 1000]
  [--log-level info] [--replicas 3 --r 2 --w 2] [--vnodes 32] [--anti-entropy on|off]
  [--anti-entropy-ms 1000] [--failover-timeout-ms 500-1000]`;

const flags = {
  help: { type: 'boolean' },
  id: { type: 'string' },
  listen: { type: 'string' },
  peers: { type: 'string' },
  'data-dir': { type: 'string' },
  mode: { type: 'string' },
  'read-mode': { type: 'string' },
  fsync: { type: 'string' },
  'election-timeout-ms': { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  'clock-offset-ms': { type: 'string' },
  seed: { type: 'string' },
  'snapshot-every': { type: 'string' },
  'request-timeout-ms': { type: 'string' },
  'catch-up-ms': { type: 'string' },
  'log-level': { type: 'string' },
  replicas: { type: 'string' },
  r: { type: 'string' },
  w: { type: 'string' },
  vnodes: { type: 'string' },
  'anti-entropy': { type: 'string' },
  'anti-entropy-ms': { type: 'string' },
  'failover-timeout-ms': { type: 'string' },
} as const;

const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** True when the command line asks for the usage text. */
export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** Parses argv (without node and script); throws KvUsageError naming the bad value and what was expected. */
export function parseServerOptions(argv: string[]): ServerOptions {
  let values: Partial<Record<Exclude<keyof typeof flags, 'help'>, string>> & { help?: boolean };
  try {
    ({ values } = parseArgs({ args: joinNegativeValues(argv), options: flags, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new KvUsageError(`${(err as Error).message.split('\n')[0]}; flags are ${Object.keys(flags).map((f) => `--${f}`).join(' ')}`);
  }
  const id = required(values.id, '--id');
  if (!ID_PATTERN.test(id)) throw new KvUsageError(`--id ${JSON.stringify(id)}: expected a node name of letters, digits, _ . - (like n1)`);
  const listen = parseHostPort(required(values.listen, '--listen'), '--listen');
  const peers = parsePeers(values.peers ?? '', id);
  const electionTimeoutMs = parseRange(values['election-timeout-ms'] ?? '300-600', '--election-timeout-ms');
  const heartbeatMs = parseInteger(values['heartbeat-ms'] ?? '50', '--heartbeat-ms', 1);
  if (heartbeatMs >= electionTimeoutMs.min) {
    throw new KvUsageError(`--heartbeat-ms ${heartbeatMs}: expected less than the election timeout minimum ${electionTimeoutMs.min}`);
  }
  const logLevel = values['log-level'] ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new KvUsageError(`--log-level ${JSON.stringify(logLevel)}: expected ${LOG_LEVELS.join(' | ')}`);
  const clusterSize = peers.length + 1;
  const replicas = parseInteger(values.replicas ?? String(Math.min(3, clusterSize)), '--replicas', 1);
  if (replicas > clusterSize) throw new KvUsageError(`--replicas ${replicas}: expected at most the cluster size ${clusterSize} (this node and ${peers.length} peers)`);
  const quorumOf = (flag: '--r' | '--w', text: string | undefined): number => {
    const n = parseInteger(text ?? String(Math.floor(replicas / 2) + 1), flag, 1);
    if (n > replicas) throw new KvUsageError(`${flag} ${n}: expected at most --replicas ${replicas}`);
    return n;
  };
  return {
    id,
    listen,
    peers,
    dataDir: required(values['data-dir'], '--data-dir'),
    mode: parseMode(values.mode ?? 'raft'),
    readMode: oneOf(values['read-mode'] ?? 'quorum', '--read-mode', ['quorum', 'lease', 'local'] as const),
    fsync: oneOf(values.fsync ?? 'always', '--fsync', FSYNC_MODES),
    electionTimeoutMs,
    heartbeatMs,
    clockOffsetMs: parseInteger(values['clock-offset-ms'] ?? '0', '--clock-offset-ms'),
    seed: parseInteger(values.seed ?? '1', '--seed'),
    snapshotEvery: parseInteger(values['snapshot-every'] ?? '1000', '--snapshot-every', 0),
    requestTimeoutMs: parseInteger(values['request-timeout-ms'] ?? '5000', '--request-timeout-ms', 1),
    catchUpMs: parseInteger(values['catch-up-ms'] ?? '1000', '--catch-up-ms', 0),
    logLevel,
    replicas,
    r: quorumOf('--r', values.r),
    w: quorumOf('--w', values.w),
    vnodes: parseInteger(values.vnodes ?? '32', '--vnodes', 1),
    antiEntropy: oneOf(values['anti-entropy'] ?? 'on', '--anti-entropy', ['on', 'off'] as const) === 'on',
    antiEntropyMs: parseInteger(values['anti-entropy-ms'] ?? '1000', '--anti-entropy-ms', 10),
    failoverTimeoutMs: parseRange(values['failover-timeout-ms'] ?? '500-1000', '--failover-timeout-ms'),
  };
}

/** parseArgs takes `--clock-offset-ms -1500` for two flags; join it into `--clock-offset-ms=-1500`. */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg.startsWith('--') && Object.hasOwn(flags, arg.slice(2)) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new KvUsageError(`${flag} is required`);
  return value;
}

function parseInteger(text: string, flag: string, min = -Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(text)) throw new KvUsageError(`${flag} ${JSON.stringify(text)}: expected an integer`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new KvUsageError(`${flag} ${JSON.stringify(text)}: expected an integer >= ${min}`);
  return n;
}

function parseRange(text: string, flag: string): { min: number; max: number } {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) throw new KvUsageError(`${flag} ${JSON.stringify(text)}: expected milliseconds like 300-600 or 300`);
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (min < 1 || max < min) throw new KvUsageError(`${flag} ${JSON.stringify(text)}: expected 1 <= min <= max`);
  return { min, max };
}

function parseHostPort(text: string, flag: string): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !(port >= 1 && port <= 65535)) {
    throw new KvUsageError(`${flag} ${JSON.stringify(text)}: expected host:port with a port in 1..65535, like 127.0.0.1:7001`);
  }
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

function parsePeers(text: string, self: string): PeerAddress[] {
  if (text.trim() === '') return [];
  const peers: PeerAddress[] = [];
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new KvUsageError(`--peers item ${JSON.stringify(item)}: expected id=host:port, like n2=127.0.0.1:7002`);
    const id = item.slice(0, eq);
    if (!ID_PATTERN.test(id)) throw new KvUsageError(`--peers item ${JSON.stringify(item)}: ${JSON.stringify(id)} is not a node name`);
    if (id === self) throw new KvUsageError(`--peers item ${JSON.stringify(item)}: lists this node (--id ${self}); expected only the other nodes`);
    if (peers.some((p) => p.id === id)) throw new KvUsageError(`--peers lists ${JSON.stringify(id)} twice`);
    peers.push({ id, ...parseHostPort(item.slice(eq + 1), `--peers item ${id}`) });
  }
  return peers;
}

function parseMode(text: string): ModeName {
  if (isModeName(text)) return text;
  throw new KvUsageError(`--mode ${JSON.stringify(text)}: expected ${MODE_NAMES.join(' | ')}`);
}

function oneOf<T extends string>(text: string, flag: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new KvUsageError(`${flag} ${JSON.stringify(text)}: expected ${choices.join(' | ')}`);
}
