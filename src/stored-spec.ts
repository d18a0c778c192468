// test.json read back for a re-check: validated by the same resolution as the command line, so a
// missing, cut or hand-edited spec is one line naming the field and what was expected.
import { join } from 'node:path';
import { resolveSpec, type SpecOptions, type TestSpec } from './spec.js';
import { RUN_FILES } from './store.js';
import { readStoredJsonText } from './stored-json.js';

/** Reads and validates test.json of a run directory; throws one line on anything wrong. */
export function readStoredSpec(dir: string): TestSpec {
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
  // The command line gives only numbers, strings and booleans; the stored spec holds lists for nodes and nemesis.
  for (const [key, value] of Object.entries(stored)) {
    const list = key === 'nemesis' && Array.isArray(value) && value.every((v) => typeof v === 'string');
    if (key !== 'nodes' && !list && typeof value === 'object' && value !== null) {
      throw new Error(`${path}: "${key}" is ${JSON.stringify(value).slice(0, 80)}; expected ${key === 'nemesis' ? 'a list of fault names' : 'a number, a string or a boolean, as `faultline test` writes it'}`);
    }
  }
  const options: SpecOptions = { ...Object.fromEntries(Object.entries(stored).filter(([k]) => k !== 'nodes')), nodes: stored['nodes'].length };
  try {
    return resolveSpec(options);
  } catch (err) {
    throw new Error(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
