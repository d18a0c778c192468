// test.json read back for a re-check: upgraded from the shape it was written in, then validated by
// the same resolution as the command line, so a missing, cut or hand-edited spec is one line naming
// the field and what was expected.
import { join } from 'node:path';
import type { Registry } from './define/registry.js';
import { resolveNestedSpec, SPEC_VERSION, type NestedSpecInput, type TestSpec } from './spec.js';
import { RUN_FILES } from './store.js';
import { readStoredJsonText } from './stored-json.js';

/** Reads, upgrades and validates test.json of a run directory; throws one line on anything wrong. */
export function readStoredSpec(dir: string, registry: Registry): TestSpec {
  const path = join(dir, RUN_FILES.test);
  const stored = readStoredSpecObject(dir);
  try {
    return resolveNestedSpec(upgradeSpec(stored), registry);
  } catch (err) {
    throw new Error(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** test.json as a JSON object with a name and nodes, not yet upgraded or validated; throws one line. */
export function readStoredSpecObject(dir: string): Record<string, unknown> {
  const path = join(dir, RUN_FILES.test);
  let text: string;
  try {
    text = readStoredJsonText(path);
  } catch (err) {
    throw new Error(`${(err as Error).message}; expected the test spec that \`faultline test\` writes first`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON (${text.length === 0 ? 'empty' : 'cut short or edited'}); expected the test spec that \`faultline test\` writes`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path} holds ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}; expected a JSON object with the test spec`);
  }
  const stored = parsed as Record<string, unknown>;
  if (typeof stored['name'] !== 'string' || stored['name'] === '') throw new Error(`${path}: "name" is ${JSON.stringify(stored['name'])}; expected the test's name`);
  if (!Array.isArray(stored['nodes']) || !stored['nodes'].every((n, i) => n === `n${i + 1}`)) {
    throw new Error(`${path}: "nodes" is ${JSON.stringify(stored['nodes'])?.slice(0, 80)}; expected ["n1", "n2", ...]`);
  }
  const version = stored['specVersion'] ?? 1;
  if (version !== 1 && version !== SPEC_VERSION) {
    throw new Error(`${path}: "specVersion" is ${JSON.stringify(version)}; expected 1 or ${SPEC_VERSION} (a newer faultline wrote it? upgrade faultline to check it)`);
  }
  // Only the parts of a version 2 spec (and its SSH hosts) are objects; every other value is a number, a string or a boolean.
  const objects = version === 1 ? ['nodes', 'nemesis'] : ['nodes', 'db', 'workload', 'nemesis', 'ssh'];
  for (const [key, value] of Object.entries(stored)) {
    const faultNames = version === 1 && key === 'nemesis' && Array.isArray(value) && value.every((v) => typeof v === 'string');
    if ((!objects.includes(key) || (version === 1 && key === 'nemesis' && !faultNames)) && typeof value === 'object' && value !== null) {
      throw new Error(`${path}: "${key}" is ${JSON.stringify(value).slice(0, 80)}; expected ${key === 'nemesis' ? 'a list of fault names' : 'a number, a string or a boolean, as `faultline test` writes it'}`);
    }
  }
  return stored;
}

/** The options of the bundled store in a version 1 spec, and their keys in version 2. */
const BUNDLED_V1 = { storeMode: 'mode', readMode: 'readMode', replicas: 'replicas', r: 'r', w: 'w', antiEntropy: 'antiEntropy' } as const;

/** Workload options of a version 1 spec: which workloads each applied to. */
const WORKLOAD_V1: Record<string, readonly string[]> = { opsPerKey: ['register', 'set', 'counter'], session: ['session'] };

/**
 * A stored spec in today's shape. Version 1 (no specVersion) was flat: every option at the top, the
 * bundled store's included whatever the database. Its options move under the part they belong to,
 * and options that meant nothing to the run's parts (the store mode of an etcd run) are dropped.
 */
export function upgradeSpec(stored: Readonly<Record<string, unknown>>): NestedSpecInput {
  if (stored['specVersion'] === SPEC_VERSION) return stored as unknown as NestedSpecInput;
  const { db = 'bundled', workload = 'register', nemesis = [], nemesisIntervalS = 5, storeDir = 'store', ...rest } = stored;
  const dbPart: Record<string, unknown> = { name: db };
  if (db === 'bundled') {
    for (const [v1, v2] of Object.entries(BUNDLED_V1)) if (rest[v1] !== undefined) dbPart[v2] = rest[v1];
  }
  const workloadPart: Record<string, unknown> = { name: workload };
  for (const [key, workloads] of Object.entries(WORKLOAD_V1)) {
    if (rest[key] !== undefined && workloads.includes(String(workload))) workloadPart[key] = rest[key];
  }
  const faults = Array.isArray(nemesis) ? nemesis : String(nemesis).split(',').filter((f) => f !== '' && f !== 'none');
  const dropped = new Set([...Object.keys(BUNDLED_V1), ...Object.keys(WORKLOAD_V1)]);
  return {
    ...(Object.fromEntries(Object.entries(rest).filter(([key]) => !dropped.has(key))) as unknown as NestedSpecInput),
    db: dbPart,
    workload: workloadPart,
    nemesis: { faults: faults.map((name) => ({ name })), intervalS: nemesisIntervalS },
    storeDir,
  };
}
