// elle-cli's JSON histories: one JSON array of op objects. "f" may be missing (Elle's list-append
// omits it; the caller names the default), "index" and "time" too (they default to the position).
// Each op is checked against the op schema (op-schema.ts).
import type { History } from '../op.js';
import { jsonProblem } from './json-problem.js';
import { jsonOpRecord, opFromRecord, showJson } from './op-schema.js';

/** Reads an elle-cli JSON history; errors name the op's position, the field, the bad value and what was expected. */
export function readElleJson(text: string, source = 'history.json', defaultF?: string): History {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source} is not JSON: ${jsonProblem(text, err)}; expected an array of ops as elle-cli reads them`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${source}: expected a JSON array of ops, got ${parsed === null ? 'null' : typeof parsed}`);
  return parsed.map((raw: unknown, position) => {
    const where = `${source} op ${position}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where}: expected an op object, got ${showJson(raw)}`);
    return opFromRecord(jsonOpRecord(raw as Record<string, unknown>, defaultF === undefined ? {} : { f: defaultF }), position, where);
  });
}
