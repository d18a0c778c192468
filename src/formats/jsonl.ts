// faultline's own history.jsonl: one op per line, as JSON (DESIGN.md §2), each checked against the
// op schema (op-schema.ts). Files are read line by line (history-text.ts), so a file that is not a
// history is refused at its first bad line, and a history larger than a string can hold still reads.
import type { History, Op } from '../op.js';
import { historyLines, type TextLine } from './history-text.js';
import { jsonOpRecord, opFromJsonFast, opFromRecord } from './op-schema.js';

const SHAPE = '{"index":N,"time":T,"process":P|"nemesis","type":"invoke"|"ok"|"fail"|"info","f":F,"value":V}';

/**
 * Reads history.jsonl text; blank lines are skipped, a missing index or time defaults to the op's
 * position, and a last line without its newline that is not JSON (a write cut short by a crash) is ignored.
 */
export function readJsonlHistory(text: string, source = 'history.jsonl'): History {
  const history: Op[] = [];
  const lines = text.split('\n');
  // The piece after the last newline is a line only when it is not empty.
  const count = lines.at(-1) === '' ? lines.length - 1 : lines.length;
  for (let i = 0; i < count; i++) {
    const op = opFromJsonLine({ text: lines[i]!, lineNo: i + 1, terminated: i < lines.length - 1 }, source, history.length);
    if (op !== undefined) history.push(op);
  }
  return history;
}

/** Reads a history.jsonl file line by line, within the bounds of history-text.ts. */
export function readJsonlFile(path: string, source = path): History {
  return readJsonlLines(historyLines(path, 'jsonl'), source);
}

/** Reads ops from lines of jsonl; errors name `source`, the line, the field, the value and what was expected. */
export function readJsonlLines(lines: Iterable<TextLine>, source: string): History {
  const history: Op[] = [];
  for (const line of lines) {
    const op = opFromJsonLine(line, source, history.length);
    if (op !== undefined) history.push(op);
  }
  return history;
}

/**
 * The op on one line, undefined for a blank line or a last line cut short (not JSON, no newline,
 * not the first line): a controller killed mid-write can leave one, and the ops before it stand.
 */
export function opFromJsonLine(line: TextLine, source: string, position: number): Op | undefined {
  const text = line.text.trim();
  if (text === '') return undefined;
  const where = `${source} line ${line.lineNo}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    if (!line.terminated && line.lineNo > 1) return undefined;
    throw new Error(`${where}: expected a JSON op ${SHAPE}, got ${JSON.stringify(text.slice(0, 100))}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${where}: expected a JSON op ${SHAPE}, got ${JSON.stringify(text.slice(0, 100))}`);
  }
  const o = parsed as Record<string, unknown>;
  return opFromJsonFast(o, position) ?? opFromRecord(jsonOpRecord(o), position, where);
}
