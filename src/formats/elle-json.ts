// elle-cli's JSON histories: one JSON array of op objects. "f" may be missing (Elle's list-append
// omits it; the caller names the default), "index" and "time" too (they default to the position).
import type { History, Op, OpType } from '../op.js';

const TYPES: readonly string[] = ['invoke', 'ok', 'fail', 'info'];

/** Reads an elle-cli JSON history; errors name the op's position, the bad value and what was expected. */
export function readElleJson(text: string, source = 'history.json', defaultF?: string): History {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source} is not JSON (${err instanceof Error ? err.message : String(err)}); expected an array of ops as elle-cli reads them`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${source}: expected a JSON array of ops, got ${typeof parsed}`);
  return parsed.map((raw: unknown, position): Op => {
    const bad = (expected: string): Error => new Error(`op ${position} of ${source}: expected ${expected}, got ${show(raw)}`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('an object');
    const o = raw as Record<string, unknown>;
    const f = typeof o.f === 'string' ? o.f : defaultF;
    if (f === undefined) throw bad('"f"');
    if (typeof o.type !== 'string' || !TYPES.includes(o.type)) throw bad('"type" invoke | ok | fail | info');
    const process = o.process;
    if (!(process === 'nemesis' || (typeof process === 'number' && Number.isInteger(process)))) throw bad('"process" an integer or "nemesis"');
    return {
      index: typeof o.index === 'number' ? o.index : position,
      time: typeof o.time === 'number' ? o.time : position,
      process,
      type: o.type as OpType,
      f,
      value: o.value ?? null,
    };
  });
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 79)}\u2026` : text;
}
