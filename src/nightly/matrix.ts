// A nightly matrix (examples/nightly-matrix.json): each entry of `tests` expands to the cross
// product of its list-valued options (db x store mode x workload x nemesis x ...), and each of those
// runs once per seed. Parsed strictly: an unknown key or a bad value is one line that names it.
import { freshSeed } from '../random.js';
import type { Registry } from '../define/registry.js';
import { partFlagKeys, resolveSpec, type SpecOptions, type TestSpec } from '../spec.js';

export const EXPECTATIONS = ['valid', 'invalid'] as const;
export const CHECKER_EXPECTATIONS = ['valid', 'invalid', 'any'] as const;
/**
 * What a test should find: `valid` (the default); `invalid`, a test that must catch an anomaly
 * (primary under partitions); or per checker, e.g. `{ "counter": "any" }`: the counter checker
 * may say anything (a CRDT's local reads break its bounds) and every other checker must be valid.
 */
export type Expectation = (typeof EXPECTATIONS)[number] | Record<string, (typeof CHECKER_EXPECTATIONS)[number]>;

/** `valid`, `invalid`, or `counter any, convergence valid`. */
export function describeExpectation(expect: Expectation): string {
  return typeof expect === 'string' ? expect : Object.entries(expect).map(([checker, want]) => `${checker} ${want}`).join(', ');
}

/**
 * `faultline test` flags of the run's shape that a matrix may set; `seed` comes from `seeds`,
 * `storeDir` from --store. The parts' options are set by their flags in camel case (storeMode).
 */
const CORE_FLAGS: Readonly<Record<string, `--${string}`>> = {
  name: '--name', nodes: '--nodes', concurrency: '--concurrency', timeLimitS: '--time-limit', workload: '--workload',
  nemesis: '--nemesis', nemesisIntervalS: '--nemesis-interval', runtime: '--runtime', db: '--db', rate: '--rate',
  opTimeoutMs: '--op-timeout-ms', readyTimeoutS: '--ready-timeout', checkTimeoutS: '--check-timeout',
};
type OptionKey = string;

/** The flag of a matrix key: the run's own, or a part option's in kebab case. */
function flagOfKey(key: string): string {
  return CORE_FLAGS[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

const ENTRY_KEYS = ['seeds', 'expect', 'testTimeoutS', ...Object.keys(CORE_FLAGS)];
const TOP_KEYS = ['description', 'budgetS', 'testTimeoutS', 'defaults', 'tests'];

type Scalar = string | number | boolean;

export interface MatrixEntry {
  /** Spec options; a list is an axis of the cross product. */
  options: Partial<Record<OptionKey, Scalar | Scalar[]>>;
  /** Fixed seeds, or how many fresh seeds to draw each night. */
  seeds: number[] | number;
  expect: Expectation;
  testTimeoutS?: number;
}

export interface Matrix {
  /** Overall budget: a test starts only if it is expected to end within it. */
  budgetS: number;
  entries: MatrixEntry[];
}

/** One test run of the night, fully resolved. */
export interface PlannedRun {
  /** 1-based position in the night. */
  index: number;
  test: string;
  seed: number;
  expect: Expectation;
  spec: TestSpec;
  /** Arguments of `faultline test` that run exactly this spec. */
  args: string[];
  /** Per-test cap: past it the run is stopped and counted as crashed. */
  capS: number;
}

/** Parses matrix JSON; throws one line naming `source`, the place and the bad value. */
export function parseMatrix(text: string, source: string, registry: Registry): Matrix {
  const entryKeys = [...ENTRY_KEYS, ...partFlagKeys(registry)];
  const fail = (where: string, message: string): never => {
    throw new Error(`${source}: ${where}${message}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail('', `not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(raw)) return fail('', 'expected a JSON object with "tests"');
  checkKeys(raw, TOP_KEYS, '', fail);
  const budgetS = raw.budgetS === undefined ? 3600 : positive(raw.budgetS, 'budgetS', fail);
  const defaults = raw.defaults === undefined ? {} : raw.defaults;
  if (!isObject(defaults)) return fail('defaults: ', `expected an object of test options, got ${JSON.stringify(defaults)}`);
  checkKeys(defaults, entryKeys, 'defaults.', fail);
  if (!Array.isArray(raw.tests) || raw.tests.length === 0) return fail('tests: ', `expected a non-empty list of test entries, got ${JSON.stringify(raw.tests)}`);
  const topTimeout = raw.testTimeoutS === undefined ? undefined : positive(raw.testTimeoutS, 'testTimeoutS', fail);
  const entries = raw.tests.map((test: unknown, i: number) => {
    const where = `tests[${i}]`;
    if (!isObject(test)) return fail(`${where}: `, `expected an object of test options, got ${JSON.stringify(test)}`);
    checkKeys(test, entryKeys, `${where}.`, fail);
    const merged: Record<string, unknown> = { ...(topTimeout !== undefined && { testTimeoutS: topTimeout }), ...defaults, ...test };
    const options: MatrixEntry['options'] = {};
    // The run's shape first, in a fixed order, then the parts' options as written: the order of the cross product.
    const keys = [...Object.keys(CORE_FLAGS), ...Object.keys(merged).filter((k) => !ENTRY_KEYS.includes(k))];
    for (const key of keys) {
      if (merged[key] !== undefined) options[key] = optionValue(merged[key], `${where}.${key}`, fail);
    }
    return {
      options,
      seeds: seedsOf(merged.seeds, `${where}.seeds`, fail),
      expect: expectationOf(merged.expect, `${where}.expect`, fail),
      ...(merged.testTimeoutS !== undefined && { testTimeoutS: positive(merged.testTimeoutS, `${where}.testTimeoutS`, fail) }),
    };
  });
  return { budgetS, entries };
}

/** Expands entries into runs, validating every spec; throws one line naming the entry. */
export function planRuns(matrix: Matrix, source: string, storeDir: string, registry: Registry, newSeed: () => number = freshSeed): PlannedRun[] {
  const runs: PlannedRun[] = [];
  const specOf = new Map<string, { where: string; key: string }>();
  matrix.entries.forEach((entry, i) => {
    const where = `${source}: tests[${i}]`;
    const seeds = typeof entry.seeds === 'number' ? Array.from({ length: entry.seeds }, newSeed) : entry.seeds;
    for (const options of crossProduct(entry.options)) {
      let spec: TestSpec;
      try {
        spec = resolveSpec({ ...(options as SpecOptions), seed: seeds[0] ?? 0, storeDir }, registry);
      } catch (err) {
        throw new Error(`${where}: ${(err as Error).message}`);
      }
      // One test name, one test: the trend compares nights by name.
      const key = JSON.stringify({ ...spec, seed: 0 });
      const seen = specOf.get(spec.name);
      if (seen && seen.key !== key) throw new Error(`${where}: test "${spec.name}" is also made by ${seen.where} with other options; give one of them a "name"`);
      specOf.set(spec.name, { where: `tests[${i}]`, key });
      for (const seed of seeds) {
        if (runs.some((r) => r.test === spec.name && r.seed === seed)) throw new Error(`${where}: test "${spec.name}" with seed ${seed} is already in the matrix`);
        const seeded = { ...spec, seed };
        runs.push({
          index: runs.length + 1,
          test: spec.name,
          seed,
          expect: entry.expect,
          spec: seeded,
          args: testArgs(options, seeded),
          capS: entry.testTimeoutS ?? spec.timeLimitS + 2 * spec.readyTimeoutS + spec.checkTimeoutS + 60,
        });
      }
    }
  });
  return runs;
}

/** `faultline test` arguments: the options the matrix set (as resolved), the seed and the store. */
function testArgs(options: Partial<Record<OptionKey, Scalar>>, spec: TestSpec): string[] {
  const args = ['test'];
  for (const key of Object.keys(options) as OptionKey[]) {
    const value = key === 'nodes' ? spec.nodes.length : key === 'nemesis' ? spec.nemesis.faults.map((f) => f.name).join(',') || 'none' : options[key];
    args.push(flagOfKey(key), String(value));
  }
  args.push('--seed', String(spec.seed), '--store', spec.storeDir);
  return args;
}

/** Every combination of the list-valued options, in key order. */
export function crossProduct(options: MatrixEntry['options']): Partial<Record<OptionKey, Scalar>>[] {
  let combos: Partial<Record<OptionKey, Scalar>>[] = [{}];
  for (const [key, value] of Object.entries(options) as [OptionKey, Scalar | Scalar[]][]) {
    const values = Array.isArray(value) ? value : [value];
    combos = combos.flatMap((combo) => values.map((v) => ({ ...combo, [key]: v })));
  }
  return combos;
}

function optionValue(value: unknown, where: string, fail: (where: string, message: string) => never): Scalar | Scalar[] {
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (scalar(value)) return value as Scalar;
  if (Array.isArray(value) && value.length > 0 && value.every(scalar)) return value as Scalar[];
  return fail(`${where}: `, `${JSON.stringify(value)} is not valid; expected a string or number, or a non-empty list of them (one test each)`);
}

function expectationOf(value: unknown, where: string, fail: (where: string, message: string) => never): Expectation {
  if (value === undefined) return 'valid';
  if ((EXPECTATIONS as readonly unknown[]).includes(value)) return value as Expectation;
  const perChecker = isObject(value) && Object.keys(value).length > 0 && Object.values(value).every((v) => (CHECKER_EXPECTATIONS as readonly unknown[]).includes(v));
  if (perChecker) return value as Expectation;
  return fail(`${where}: `, `${JSON.stringify(value)} is not known; expected ${EXPECTATIONS.join(' or ')}, or an object of checker names to ${CHECKER_EXPECTATIONS.join(' | ')}`);
}

function seedsOf(value: unknown, where: string, fail: (where: string, message: string) => never): number[] | number {
  if (value === undefined) return 1;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 1000) return value;
  const isSeed = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 31;
  if (Array.isArray(value) && value.length > 0 && value.every(isSeed)) return value as number[];
  return fail(`${where}: `, `${JSON.stringify(value)} is not valid; expected a list of seeds (whole numbers from 0 to 2147483647) or how many fresh seeds to draw (1 to 1000)`);
}

function positive(value: unknown, where: string, fail: (where: string, message: string) => never): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  return fail(`${where}: `, `${JSON.stringify(value)} is not valid; expected a positive number of seconds`);
}

function checkKeys(object: Record<string, unknown>, allowed: readonly string[], where: string, fail: (where: string, message: string) => never): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) fail(`${where}${key}: `, `unknown key; expected one of: ${allowed.join(', ')}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
