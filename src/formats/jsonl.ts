// faultline's own history.jsonl: one op per line, as JSON (DESIGN.md §2).
import type { History, Op, OpType } from '../op.js';

const TYPES: readonly string[] = ['invoke', 'ok', 'fail', 'info'];
const SHAPE = '{"index":N,"time":T,"process":P|"nemesis","type":"invoke"|"ok"|"fail"|"info","f":F,"value":V}';

/**
 * Reads history.jsonl; blank lines are skipped, a missing index or time defaults to the op's position,
 * and a last line without its newline that is not JSON (a write cut short by a crash) is ignored.
 */
export function readJsonlHistory(text: string, source = 'history.jsonl'): History {
  const history: Op[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const bad = (expected: string): Error =>
      new Error(`line ${i + 1} of ${source}: expected ${expected}, got ${JSON.stringify(line.slice(0, 100))}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      // A controller killed mid-write can leave the last line cut short: the ops before it stand.
      if (i > 0 && lines.slice(i + 1).every((rest) => rest.trim() === '') && !text.endsWith('\n')) break;
      throw bad(`a JSON op ${SHAPE}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad(`a JSON op ${SHAPE}`);
    const o = parsed as Record<string, unknown>;
    if (typeof o['type'] !== 'string' || !TYPES.includes(o['type'])) throw bad(`"type" to be invoke | ok | fail | info in ${SHAPE}`);
    if (typeof o['f'] !== 'string') throw bad(`"f" to be a string in ${SHAPE}`);
    const process = o['process'];
    if (!(process === 'nemesis' || (typeof process === 'number' && Number.isInteger(process)))) {
      throw bad(`"process" to be an integer or "nemesis" in ${SHAPE}`);
    }
    const position = history.length;
    const op: Op = {
      index: typeof o['index'] === 'number' ? o['index'] : position,
      time: typeof o['time'] === 'number' ? o['time'] : position,
      process,
      type: o['type'] as OpType,
      f: o['f'],
      value: o['value'] ?? null,
    };
    if (typeof o['node'] === 'string') op.node = o['node'];
    if (typeof o['error'] === 'string') op.error = o['error'];
    history.push(op);
  }
  return history;
}
