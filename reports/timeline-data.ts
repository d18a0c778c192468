// The timeline's data: every op of a history as columns of integers plus one table of interned
// strings, each gzipped and base64-encoded, so a 1,000,000-op history embeds in a few MB and the
// browser draws it on a canvas (timeline-script.ts) instead of building a DOM node per op.
//
// Columns are Uint32 and stored byte-planar (all first bytes, then all second bytes, ...): most
// values are small, so the high planes are runs of zeros that gzip folds to almost nothing.
import { gzipSync } from 'node:zlib';
import type { History, Op } from '../src/op.js';

/** The columns, one Uint32 per op (an invocation and its completion), in this order. */
export const timelineColumns = [
  /** Invocation time minus the previous op's, in units of `unitNs` (ops are sorted by invocation). */
  'startDelta',
  /** Completion minus invocation in units; `never` when the op never completed. */
  'duration',
  'lane',
  /** The process number minus the previous process in the same lane (as int32): mostly 0; the nemesis is 0 throughout. */
  'processDelta',
  /** The invocation's index minus the previous op's invocation index (as int32). */
  'indexDelta',
  /** The completion's index minus the invocation's; 0 when it never completed. */
  'completeGap',
  /** 0 ok, 1 fail, 2 info, 3 never completed. */
  'type',
  // The rest are ids in the string table; 0 is the empty string. Keys are read from the value
  // strings in the browser (keyOf in timeline-script.ts), which costs less than a column.
  'f',
  'node',
  'value',
  /** `never` when the completion's value equals the invocation's (writes, failures). */
  'result',
  'error',
] as const;

export const never = 0xffffffff;
const typeCodes = { ok: 0, fail: 1, info: 2 } as const;

export interface TimelineData {
  /** Ops (invocation/completion pairs) in the columns. */
  count: number;
  columns: readonly string[];
  /** Nanoseconds per time unit: 1000 (µs) unless the run's gaps need a coarser unit to fit 32 bits. */
  unitNs: number;
  /** The last event's time, in units. */
  endUnits: number;
  /** Row labels; lane 0 is the nemesis when it ran. */
  lanes: string[];
  /** base64 of the gzipped byte-planar columns. */
  columnBytes: string;
  /** base64 of the gzipped JSON array of strings. */
  strings: string;
  /** How many strings were cut to `maxStringChars`, and how many values (of invocations or completions) lost their text to the budget. */
  cutStrings: number;
  droppedStrings: number;
}

export interface TimelineOptions {
  /** Client worker count: a worker's ops share a lane as its process numbers change (p, p + concurrency, ...). */
  concurrency?: number;
  /** Longest value text kept (default 300 characters). */
  maxStringChars?: number;
  /** Total string characters embedded (default 8,000,000); later new strings become a placeholder. */
  stringBudgetChars?: number;
}

/** Builds the timeline data for a history. Throws, naming the op, on a completion without an invocation. */
export function timelineData(history: History, options: TimelineOptions = {}): TimelineData {
  const pairs = pairIndices(history);
  const strings = new StringTable(options.maxStringChars ?? 300, options.stringBudgetChars ?? 8_000_000);
  const lanes = laneAssigner(history, options.concurrency);
  let endNs = 0;
  let maxGapNs = 0;
  let previousNs = 0;
  for (const op of history) endNs = Math.max(endNs, op.time);
  for (const [invokeAt, completeAt] of pairs) {
    const invoke = history[invokeAt]!;
    maxGapNs = Math.max(maxGapNs, invoke.time - previousNs, completeAt < 0 ? 0 : history[completeAt]!.time - invoke.time);
    previousNs = invoke.time;
  }
  // A unit coarse enough that every gap and duration fits below `never`.
  const unitNs = Math.max(1000, Math.ceil(maxGapNs / (never - 1) / 1000) * 1000);
  const count = pairs.length;
  const cols = timelineColumns.map(() => new Uint32Array(count));
  const col = (name: (typeof timelineColumns)[number]): Uint32Array => cols[timelineColumns.indexOf(name)]!;
  const [startDelta, duration, lane, processDelta, indexDelta, completeGap, type, f, node, value, result, error] = timelineColumns.map(col);
  let previousUnits = 0;
  let previousIndex = 0;
  const previousProcess = new Map<number, number>();
  pairs.forEach(([invokeAt, completeAt], i) => {
    const invoke = history[invokeAt]!;
    const complete = completeAt < 0 ? undefined : history[completeAt]!;
    const startUnits = Math.round(invoke.time / unitNs);
    startDelta![i] = Math.max(0, startUnits - previousUnits);
    previousUnits += startDelta![i]!;
    duration![i] = complete ? Math.round((complete.time - invoke.time) / unitNs) : never;
    lane![i] = lanes.laneOf(invoke.process);
    if (invoke.process !== 'nemesis') {
      processDelta![i] = (invoke.process - (previousProcess.get(lane![i]!) ?? 0)) >>> 0;
      previousProcess.set(lane![i]!, invoke.process);
    }
    indexDelta![i] = (invoke.index - previousIndex) >>> 0;
    previousIndex = invoke.index;
    completeGap![i] = complete ? complete.index - invoke.index : 0;
    type![i] = complete ? typeCodes[complete.type as keyof typeof typeCodes] ?? 2 : 3;
    f![i] = strings.id(invoke.f);
    node![i] = strings.id(complete?.node ?? invoke.node ?? '');
    value![i] = strings.id(valueText(invoke.value));
    const resultId = complete === undefined ? 0 : strings.id(valueText(complete.value));
    result![i] = resultId === value![i] ? never : resultId;
    error![i] = strings.id(complete?.error ?? '');
  });
  return {
    count,
    columns: timelineColumns,
    unitNs,
    endUnits: Math.round(endNs / unitNs),
    lanes: lanes.labels,
    columnBytes: gzipSync(bytePlanar(cols), { level: 4 }).toString('base64'),
    strings: gzipSync(Buffer.from(JSON.stringify(strings.list), 'utf8'), { level: 4 }).toString('base64'),
    cutStrings: strings.cut,
    droppedStrings: strings.dropped,
  };
}

/** [invokeAt, completeAt or -1] for every op, sorted by invocation time (stable: history order breaks ties). */
function pairIndices(history: History): [number, number][] {
  const open = new Map<Op['process'], [number, number]>();
  const pairs: [number, number][] = [];
  let sorted = true;
  for (let at = 0; at < history.length; at++) {
    const op = history[at]!;
    if (op.type === 'invoke') {
      const pair: [number, number] = [at, -1];
      open.set(op.process, pair);
      if (pairs.length > 0 && history[pairs[pairs.length - 1]![0]]!.time > op.time) sorted = false;
      pairs.push(pair);
    } else {
      const pair = open.get(op.process);
      if (!pair) throw new Error(`op ${op.index}: process ${String(op.process)} completed ${op.f} with type "${op.type}" but has no open invocation`);
      pair[1] = at;
      open.delete(op.process);
    }
  }
  if (!sorted) pairs.sort((a, b) => history[a[0]]!.time - history[b[0]]!.time || a[0] - b[0]);
  return pairs;
}

function valueText(value: unknown): string {
  if (value === undefined || value === null) return value === null ? 'null' : '';
  // The common [key, value] of number pairs, without JSON.stringify (a third of the time for 1M ops).
  if (Array.isArray(value) && value.length === 2 && isPlainNumber(value[0]) && (isPlainNumber(value[1]) || value[1] === null)) return `[${value[0]},${value[1]}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isPlainNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Lanes: the nemesis first (if it ran), then one per worker (process mod concurrency) or, without a concurrency, per process. */
function laneAssigner(history: History, concurrency: number | undefined): { labels: string[]; laneOf(process: Op['process']): number } {
  const workers = new Set<number>();
  let nemesis = false;
  const perWorker = concurrency !== undefined && Number.isInteger(concurrency) && concurrency > 0;
  for (const op of history) {
    if (op.process === 'nemesis') nemesis = true;
    else workers.add(perWorker ? op.process % concurrency! : op.process);
  }
  const sorted = [...workers].sort((a, b) => a - b);
  const offset = nemesis ? 1 : 0;
  const laneOfWorker = new Map(sorted.map((w, i) => [w, i + offset]));
  return {
    labels: [...(nemesis ? ['nemesis'] : []), ...sorted.map(String)],
    laneOf: (process) => (process === 'nemesis' ? 0 : laneOfWorker.get(perWorker ? process % concurrency! : process)!),
  };
}

/** Interns strings; id 0 is "". Cuts long strings and, past the budget, maps new ones to a placeholder. */
class StringTable {
  readonly list: string[] = ['', '(not embedded: the report\u2019s string budget ran out; see history.jsonl)'];
  private readonly ids = new Map<string, number>([['', 0]]);
  private chars = 0;
  cut = 0;
  dropped = 0;

  constructor(
    private readonly maxChars: number,
    private readonly budgetChars: number,
  ) {}

  id(text: string): number {
    const known = this.ids.get(text);
    if (known !== undefined) return known;
    const shown = text.length > this.maxChars ? `${text.slice(0, this.maxChars - 1)}\u2026` : text;
    if (this.chars + shown.length > this.budgetChars) {
      this.dropped++;
      return 1;
    }
    if (shown !== text) this.cut++;
    const id = this.list.push(shown) - 1;
    this.ids.set(text, id);
    this.chars += shown.length;
    return id;
  }
}

/** Concatenates the columns byte-planar, little-endian: column by column, byte 0 of every value, then byte 1, ... */
function bytePlanar(columns: readonly Uint32Array[]): Buffer {
  const n = columns[0]?.length ?? 0;
  const out = Buffer.alloc(columns.length * n * 4);
  columns.forEach((column, c) => {
    const base = c * n * 4;
    for (let i = 0; i < n; i++) {
      const v = column[i]!;
      out[base + i] = v & 0xff;
      out[base + n + i] = (v >>> 8) & 0xff;
      out[base + 2 * n + i] = (v >>> 16) & 0xff;
      out[base + 3 * n + i] = v >>> 24;
    }
  });
  return out;
}
