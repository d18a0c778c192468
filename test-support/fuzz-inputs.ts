// Generated malformed input for `faultline check`: history files in every format with bad fields,
// cut, garbage or binary bytes; run directories with missing, corrupt or truncated test.json,
// run.json, history.jsonl, results.json and nodes/; Jepsen run directories; and command lines.
// A case is plain data (files to write and the arguments), so one seed replays it.
import { builtins } from '../src/builtins.js';
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveSpec } from '../src/spec.js';

export const FUZZ_FORMATS = ['jsonl', 'json', 'edn', 'etcd-log', 'kv-log'] as const;
export type FuzzFormat = (typeof FUZZ_FORMATS)[number];
const WORKLOADS = ['register', 'set', 'counter', 'bank', 'list-append'] as const;
const MODELS = ['register', 'cas-register', 'kv', 'mutex', 'set', 'fifo-queue'] as const;
const FILE_WORKLOADS = ['list-append', 'set', 'set-full', 'counter', 'bank'] as const;

/** One generated input: the files of its directory (null: a directory), how to check it, and what must not happen. */
export interface FuzzCase {
  kind: 'history-file' | 'run-dir' | 'jepsen-dir' | 'cli-args';
  /** Paths relative to the case directory, which is the CLI's working directory. */
  files: Record<string, string | Uint8Array | null>;
  /** The arguments after `faultline`. */
  args: string[];
  /** No client op in the history completed ok: exit 0 (valid) would be a lie. */
  untested: boolean;
  /** Some op breaks the op schema (a bad index, time, process, type, f or node): exit 0 would mean it went unnoticed. */
  malformed: boolean;
  /** The in-process entry point and its options (absent for command lines: only the real CLI reads those). */
  call?:
    | { entry: 'checkFiles'; file: string; format?: FuzzFormat; model: string }
    | { entry: 'checkWorkloadFiles'; file: string; format?: 'jsonl' | 'json' | 'edn'; workload: string }
    | { entry: 'recheckRun'; dir: string }
    | { entry: 'checkJepsenStore'; dir: string; workload?: string; model?: string };
}

/** Writes a case's files under `dir`. */
export function writeCase(dir: string, c: FuzzCase): void {
  for (const [path, content] of Object.entries(c.files)) {
    const full = join(dir, path);
    mkdirSync(content === null ? full : dirname(full), { recursive: true });
    if (content !== null) writeFileSync(full, content);
  }
}

// ---- ops ----

interface RawOp {
  [field: string]: unknown;
}

const BAD_VALUES: unknown[] = ['x', -1, 1.5, 2 ** 60, {}, [], null, true, '', 'nemesis', '__proto__', 'constructor', 1e308, '9007199254740993N', [1, [2, [3]]]];
const FIELDS = ['index', 'time', 'process', 'type', 'f', 'value', 'node', 'error'];
const FS = ['read', 'write', 'cas', 'add', 'transfer', 'txn', 'get', 'put', 'append', '__proto__', 'constructor', 'toString'];

const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.nat(5),
  fc.tuple(fc.nat(3), fc.oneof(fc.nat(5), fc.constant(null))),
  fc.tuple(fc.constantFrom('k', '__proto__', 'constructor'), fc.nat(3)),
  fc.constant([['append', 1, 2], ['r', 1, null]]),
  fc.constant({ from: 0, to: 1, amount: 2 }),
  fc.constant({ 0: 5, 1: 5 }),
  fc.array(fc.nat(5), { maxLength: 4 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A history as op pairs (invoke and completion), some ops possibly mangled; `untested` when none completed ok. */
const historyArb: fc.Arbitrary<{ ops: RawOp[]; untested: boolean }> = fc
  .record({
    pairs: fc.array(
      fc.record({ process: fc.nat(4), f: fc.constantFrom(...FS), value: valueArb, result: valueArb, outcome: fc.constantFrom('ok', 'ok', 'ok', 'fail', 'info', 'open') }),
      { maxLength: 12 },
    ),
    noOk: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, fc.constant(true)),
    nemesis: fc.boolean(),
    mangles: fc.array(fc.record({ at: fc.nat(), field: fc.constantFrom(...FIELDS, 'delete'), victim: fc.constantFrom(...FIELDS), bad: fc.constantFrom(...BAD_VALUES) }), { maxLength: 3 }),
  })
  .map(({ pairs, noOk, nemesis, mangles }) => {
    const ops: RawOp[] = [];
    const open = new Set<number>();
    for (const p of pairs) {
      if (open.has(p.process)) continue;
      const outcome = noOk && p.outcome === 'ok' ? 'fail' : p.outcome;
      ops.push({ process: p.process, type: 'invoke', f: p.f, value: p.value });
      if (outcome === 'open') open.add(p.process);
      else ops.push({ process: p.process, type: outcome, f: p.f, value: p.result, ...(outcome === 'fail' && { error: 'no' }) });
    }
    if (nemesis) ops.splice(Math.floor(ops.length / 2), 0, { process: 'nemesis', type: 'info', f: 'start-partition', value: 'majority' }, { process: 'nemesis', type: 'info', f: 'start-partition', value: null });
    ops.forEach((op, i) => Object.assign(op, { index: i, time: i * 1000 }));
    for (const m of mangles) {
      const op = ops[m.at % Math.max(ops.length, 1)];
      if (!op) continue;
      if (m.field === 'delete') delete op[m.victim];
      else op[m.field] = m.bad;
    }
    // A mangled op may not be read at all; what is read can only have fewer ok ops.
    const untested = !ops.some((op) => op.type === 'ok' && op.process !== 'nemesis');
    return { ops, untested };
  });

// ---- formats ----

function edn(value: unknown, keyword = false): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return keyword && /^[a-zA-Z_*!?<>=+-][\w*!?<>=+-]*$/.test(value) ? `:${value}` : JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? (Object.is(value, -0) ? '0' : String(value)) : '##NaN';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((v, i) => edn(v, i === 0 && typeof v === 'string')).join(' ')}]`;
  return `{${Object.entries(value as object).map(([k, v]) => `${/^[a-z][\w-]*$/.test(k) ? `:${k}` : JSON.stringify(k)} ${edn(v)}`).join(', ')}}`;
}

function ednOp(op: RawOp): string {
  return `{${Object.entries(op).map(([k, v]) => `:${k} ${edn(v, k === 'type' || k === 'f' || (k === 'process' && v === 'nemesis'))}`).join(', ')}}`;
}

/** The history's text in `format`, as that format's writer would have written it. */
function serialize(ops: RawOp[], format: FuzzFormat, vectorForm: boolean): string {
  switch (format) {
    case 'jsonl':
      return ops.map((op) => JSON.stringify(op)).join('\n') + '\n';
    case 'json':
      return JSON.stringify(ops);
    case 'edn':
      return vectorForm ? `[${ops.map(ednOp).join('\n ')}]\n` : ops.map(ednOp).join('\n') + '\n';
    case 'etcd-log':
      return ops.map((op) => `INFO  jepsen.util - ${edn(op.process)}\t${edn(op.type, true)}\t${edn(op.f, true)}\t${edn(op.value)}`).join('\n') + '\n';
    case 'kv-log':
      return ops.map((op) => `{:process ${edn(op.process)}, :type ${edn(op.type, true)}, :f ${edn(op.f, true)}, :key ${edn(Array.isArray(op.value) ? op.value[0] : 'k')}, :value ${edn(Array.isArray(op.value) ? op.value[1] : op.value)}}`).join('\n') + '\n';
  }
}

type Corruption =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'char'; at: number; char: string }
  | { kind: 'empty'; blank: string }
  | { kind: 'duplicate-line'; at: number }
  | { kind: 'prefix'; text: string };

const corruptionArb: fc.Arbitrary<Corruption> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.constant(new Uint8Array([0])), fc.constant(new Uint8Array([0xff, 0xfe]))) }),
  fc.record({ kind: fc.constant('char' as const), at: fc.nat(), char: fc.constantFrom(...'{}[]()":,#^\\;\n N') }),
  fc.record({ kind: fc.constant('empty' as const), blank: fc.constantFrom('', '\n', '  \n\n', '\uFEFF', ';; only a comment\n') }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('prefix' as const), text: fc.constantFrom('\uFEFF', 'garbage ', '#!x\n', '^{:a 1} ', '#:foo', '[', ']', '{:a 1}\n', 'null\n') }),
);

/** The text with one corruption; `emptied` when nothing of the history is left. */
function corrupt(text: string, c: Corruption): { content: string | Uint8Array; emptied: boolean } {
  const bytes = Buffer.from(text);
  const at = (n: number, length: number): number => (length === 0 ? 0 : n % (length + 1));
  switch (c.kind) {
    case 'none':
      return { content: text, emptied: false };
    case 'truncate':
      return { content: bytes.subarray(0, at(c.at, bytes.length)), emptied: false };
    case 'insert': {
      const i = at(c.at, bytes.length);
      return { content: Buffer.concat([bytes.subarray(0, i), c.bytes, bytes.subarray(i)]), emptied: false };
    }
    case 'char': {
      const i = at(c.at, text.length);
      return { content: text.slice(0, i) + c.char + text.slice(i + 1), emptied: false };
    }
    case 'empty':
      return { content: c.blank, emptied: true };
    case 'duplicate-line': {
      const lines = text.split('\n');
      const i = at(c.at, lines.length - 1);
      lines.splice(i, 0, lines[i] ?? '');
      return { content: lines.join('\n'), emptied: false };
    }
    case 'prefix':
      return { content: c.text + text, emptied: false };
  }
}

/**
 * Whether an op surely breaks the op schema as `format` writes it (kv and etcd logs carry only process,
 * type, f and value). `defaultF`: a missing f is the workload's default (Elle's list-append).
 */
function breaksSchema(op: RawOp, format: FuzzFormat, defaultF: boolean): boolean {
  const count = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const full = format === 'jsonl' || format === 'json' || format === 'edn';
  const badCount = (v: unknown): boolean => v !== undefined && v !== null && !count(v);
  if (full && (badCount(op['index']) || badCount(op['time']))) return true;
  if (!(op['process'] === 'nemesis' || count(op['process']))) return true;
  if (!['invoke', 'ok', 'fail', 'info'].includes(op['type'] as string)) return true;
  const f = op['f'];
  if ((typeof f !== 'string' || f === '') && !(defaultF && (f === undefined || f === null))) return true;
  const node = op['node'];
  return full && node !== undefined && node !== null && (typeof node !== 'string' || node === '');
}

const historyFileArb = (format: FuzzFormat): fc.Arbitrary<{ content: string | Uint8Array; untested: boolean; malformed: (defaultF: boolean) => boolean }> =>
  fc.record({ history: historyArb, vectorForm: fc.boolean(), corruption: corruptionArb }).map(({ history, vectorForm, corruption }) => {
    const { content, emptied } = corrupt(serialize(history.ops, format, vectorForm), corruption);
    // Only an uncorrupted file surely still holds the bad op.
    const malformed = (defaultF: boolean): boolean => corruption.kind === 'none' && history.ops.some((op) => breaksSchema(op, format, defaultF));
    return { content, untested: history.untested || emptied, malformed };
  });

// ---- cases ----

const EXTENSIONS: Record<FuzzFormat, string> = { jsonl: '.jsonl', json: '.json', edn: '.edn', 'etcd-log': '.log', 'kv-log': '.txt' };

const historyFileCase: fc.Arbitrary<FuzzCase> = fc
  .record({
    format: fc.constantFrom(...FUZZ_FORMATS),
    byWorkload: fc.boolean(),
    model: fc.constantFrom(...MODELS),
    workload: fc.constantFrom(...FILE_WORKLOADS),
    giveFormat: fc.boolean(),
  })
  .chain(({ format, byWorkload, model, workload, giveFormat }) =>
    historyFileArb(format).map(({ content, untested, malformed }): FuzzCase => {
      const file = `h${EXTENSIONS[format]}`;
      const workloadFormat = byWorkload && (format === 'jsonl' || format === 'json' || format === 'edn') ? format : undefined;
      if (workloadFormat) {
        const call = { entry: 'checkWorkloadFiles' as const, file, workload, ...(giveFormat && { format: workloadFormat }) };
        const args = ['check', file, '--workload', workload, ...(giveFormat ? ['--format', workloadFormat] : [])];
        return { kind: 'history-file', files: { [file]: content }, args, untested, malformed: malformed(workload === 'list-append' && workloadFormat !== 'jsonl'), call };
      }
      const given = giveFormat || !(format === 'jsonl' || format === 'json' || format === 'edn');
      const call = { entry: 'checkFiles' as const, file, model, ...(given && { format }) };
      return { kind: 'history-file', files: { [file]: content }, args: ['check', file, '--model', model, ...(given ? ['--format', format] : [])], untested, malformed: malformed(false), call };
    }),
  );

const BAD_SPEC_VALUES: unknown[] = ['', 'x', -1, 0, 1e9, null, [], {}, true, '__proto__', 'register,bogus'];
const SPEC_FIELDS = ['name', 'nodes', 'workload', 'seed', 'concurrency', 'nemesis', 'db', 'runtime', 'timeLimitS', 'storeMode', 'readMode', '__proto__', 'constructor'];

/** A stored file: valid, missing, empty, cut short, not JSON, JSON of the wrong shape, binary, or a directory. */
function storedFileArb(valid: string): fc.Arbitrary<string | Uint8Array | null | undefined> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(valid) },
    fc.constant(undefined),
    fc.constant(''),
    fc.nat().map((n) => valid.slice(0, n % (valid.length + 1))),
    fc.constantFrom('null', '[]', '"x"', '42', '{', '{"a":', 'garbage', '{}'),
    fc.uint8Array({ maxLength: 64 }),
    fc.constant(null),
  );
}

const runDirCase: fc.Arbitrary<FuzzCase> = fc
  .record({
    workload: fc.constantFrom(...WORKLOADS),
    seed: fc.nat(1000),
    specField: fc.option(fc.record({ field: fc.constantFrom(...SPEC_FIELDS), value: fc.constantFrom(...BAD_SPEC_VALUES) }), { nil: undefined }),
    history: fc.oneof(
      { weight: 6, arbitrary: historyFileArb('jsonl').map((h) => ({ ...h, present: true as const })) },
      fc.constant({ present: false as const, untested: true, malformed: () => false }),
    ),
    historyIsDir: fc.boolean(),
    runEnd: fc.constantFrom('complete', 'interrupted', 'crashed', undefined),
    runPhase: fc.constantFrom('setup', 'workload', 'heal', 'final', 'teardown', '__proto__'),
    nodes: fc.constantFrom('none', 'file', 'node-file', 'garbage-log', 'binary-log', 'json-log', 'proto-node'),
  })
  .chain(({ workload, seed, specField, history, historyIsDir, runEnd, runPhase, nodes }) => {
    const spec = resolveSpec({ workload, seed, nemesis: 'none' }, builtins) as unknown as Record<string, unknown>;
    if (specField) spec[specField.field] = specField.value;
    const run = JSON.stringify({ startedAt: '2025-01-01T00:00:00.000Z', phase: runPhase, ...(runEnd && { end: runEnd }), durationMs: 1000, historyEpochMs: 0 });
    return fc.record({ test: storedFileArb(JSON.stringify(spec)), run: storedFileArb(run), results: storedFileArb('{"valid":true,"results":{}}') }).map(({ test, run, results }): FuzzCase => {
      const files: FuzzCase['files'] = {};
      const put = (name: string, content: string | Uint8Array | null | undefined): void => {
        if (content !== undefined) files[name] = content;
      };
      put('test.json', test);
      put('run.json', run);
      put('results.json', results);
      if (history.present) files['history.jsonl'] = historyIsDir ? null : history.content;
      switch (nodes) {
        case 'file':
          files['nodes'] = 'not a directory';
          break;
        case 'node-file':
          files['nodes/n1'] = 'x';
          break;
        case 'garbage-log':
          files['nodes/n1/node.log'] = '{"time": "x"}\nnot json\n{"level":30,"time":1,"event":"election"}\n';
          break;
        case 'binary-log':
          files['nodes/n2/node.log'] = new Uint8Array([0, 1, 2, 255, 10, 123]);
          break;
        case 'json-log':
          files['nodes/n1/node.log'] = '{"level":30,"time":1e308,"node":"__proto__","event":"constructor","msg":{}}\n';
          break;
        case 'proto-node':
          files['nodes/__proto__/node.log'] = '{"level":30,"time":1,"event":"election","msg":"x"}\n';
          break;
      }
      // Without a readable test.json nothing is checked, so only a readable one can lie.
      return { kind: 'run-dir', files, args: ['check', '.'], untested: history.untested, malformed: history.present && !historyIsDir && history.malformed(false), call: { entry: 'recheckRun', dir: '.' } };
    });
  });

const jepsenDirCase: fc.Arbitrary<FuzzCase> = fc
  .record({
    history: historyFileArb('edn'),
    results: fc.constantFrom(undefined, '{:valid? true}', '{:valid? false, :workload {:valid? true}}', '{:valid?', '', '{:elle {:anomaly-types ()}}'),
    flag: fc.constantFrom<{ workload?: string; model?: string }>({}, {}, { workload: 'list-append' }, { workload: 'bank' }, { model: 'cas-register' }, { model: 'register' }),
  })
  .map(({ history, results, flag }): FuzzCase => {
    const files: FuzzCase['files'] = { 'history.edn': history.content };
    if (results !== undefined) files['results.edn'] = results;
    const args = ['check', '.', ...(flag.workload ? ['--workload', flag.workload] : []), ...(flag.model ? ['--model', flag.model] : [])];
    // The workload may be inferred as list-append, whose ops may omit :f.
    return { kind: 'jepsen-dir', files, args, untested: history.untested, malformed: history.malformed(true), call: { entry: 'checkJepsenStore', dir: '.', ...flag } };
  });

const TOKENS = [
  'check', 'export', 'help', '--format', '--model', '--workload', '--consistency-models', '--timeout-s', '--json', '--negative-allowed', '--out', '--bogus', '-x', '--',
  'jsonl', 'edn', 'json', 'etcd-log', 'kv-log', 'csv', 'register', 'cas-register', 'kv;init=0', 'mutex;x=1', 'list-append', 'set-full', 'bank', 'serializable,bogus',
  '', ' ', '-1', '0', 'NaN', '1e999', '__proto__', 'constructor', 'toString', '\u0000', 'é\u202e', 'x'.repeat(300),
  '.', 'h.jsonl', 'missing.jsonl', 'dir', '/dev/zero', '/dev/null', '/', 'out.edn',
];

const cliArgsCase: fc.Arbitrary<FuzzCase> = fc
  .record({
    first: fc.constantFrom('check', 'check', 'check', 'export', 'help', 'bogus', '--version', '--help', '', 'CHECK', '-h'),
    rest: fc.array(fc.constantFrom(...TOKENS), { maxLength: 6 }),
    file: historyFileArb('jsonl'),
  })
  .map(({ first, rest, file }): FuzzCase => ({
    kind: 'cli-args',
    files: { 'h.jsonl': file.content, dir: null },
    // NUL cannot be passed in an argument; the OS refuses it before faultline sees it.
    args: [first, ...rest].map((a) => a.replace(/\u0000/g, '')),
    // h.jsonl is the only history here with ops: when it has no ok op, no `check` may exit 0.
    untested: first === 'check' && file.untested,
    malformed: first === 'check' && file.malformed(false),
  }));

/** Any generated case, of every kind. */
export const fuzzCaseArb: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 4, arbitrary: historyFileCase },
  { weight: 3, arbitrary: runDirCase },
  { weight: 2, arbitrary: jepsenDirCase },
  { weight: 1, arbitrary: cliArgsCase },
);

/** Only cases that have an in-process entry point. */
export const inProcessCaseArb: fc.Arbitrary<FuzzCase> = fc.oneof({ weight: 4, arbitrary: historyFileCase }, { weight: 3, arbitrary: runDirCase }, { weight: 2, arbitrary: jepsenDirCase });
