// Reading a history file within bounds. A file that is not a history (a device such as /dev/zero, a
// binary, gigabytes of garbage) is refused in one line from its first bytes, not after minutes of
// reading: its first character must be one its format can start with, it must hold no NUL byte and
// be UTF-8, formats read whole must fit in a string, and jsonl, read line by line, in lines of
// sane length. Real histories are large (about 100 MB for 1M ops) and stay well inside the bounds.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ioMessage } from '../io-error.js';

/** Formats read whole are refused above this size (V8's longest string is just under 512 MiB). */
export const MAX_WHOLE_BYTES = 500 * 2 ** 20;
/** jsonl is read line by line; a line longer than this is not an op. */
export const MAX_LINE_BYTES = 64 * 2 ** 20;
const CHUNK_BYTES = 1 << 20;

/** The characters each format may start with (after blanks), and the words for what was expected. */
const OPENINGS: Record<string, { first: string; expected: string }> = {
  jsonl: { first: '{', expected: 'one JSON op per line, starting with "{"' },
  json: { first: '[', expected: 'a JSON array of ops, starting with "["' },
  edn: { first: '[({;#^', expected: 'EDN op maps, starting with "[", "(", "{", ";" or "#"' },
  'etcd-log': { first: 'I', expected: 'lines "INFO  jepsen.util - <process> <type> <f> <value>"' },
  'kv-log': { first: '{', expected: 'one EDN op map per line, starting with "{"' },
};

/** A line of a history file: its text (without the newline), its 1-based number, and whether a newline ended it. */
export interface TextLine {
  text: string;
  lineNo: number;
  terminated: boolean;
}

/** The whole text of a history file in `format`; throws one line when it cannot be a history of that format. */
export function readHistoryText(path: string, format: string): string {
  const parts: string[] = [];
  for (const text of decodedChunks(path, format, true)) parts.push(text);
  return parts.join('');
}

/** The lines of a history file in `format`, read 1 MiB at a time; throws one line when it cannot be one. */
export function* historyLines(path: string, format: string): Generator<TextLine> {
  // The start of a line not yet ended, in pieces: only new text is searched for a newline.
  let pending: string[] = [];
  let pendingLength = 0;
  let lineNo = 0;
  for (const text of decodedChunks(path, format, false)) {
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      const piece = text.slice(start, end);
      const line = pending.length === 0 ? piece : pending.join('') + piece;
      pending = [];
      pendingLength = 0;
      start = end + 1;
      yield { text: line, lineNo: ++lineNo, terminated: true };
    }
    if (start < text.length) {
      pending.push(text.slice(start));
      pendingLength += text.length - start;
    }
    if (pendingLength > MAX_LINE_BYTES) {
      throw new Error(`${path} line ${lineNo + 1} is longer than ${MAX_LINE_BYTES / 2 ** 20} MiB; expected ${OPENINGS[format]?.expected ?? 'one op per line'}`);
    }
  }
  if (pending.length > 0) yield { text: pending.join(''), lineNo: ++lineNo, terminated: false };
}

/** The file's text, chunk by chunk, checked as it comes: opening, NUL bytes, UTF-8 and (read whole) size. */
function* decodedChunks(path: string, format: string, whole: boolean): Generator<string> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${ioMessage(err)}`);
  }
  try {
    const notHistory = (why: string): Error => new Error(`${path} is not a${/^[aeiou]/.test(format) ? 'n' : ''} ${format} history: ${why}; expected ${OPENINGS[format]?.expected ?? 'a history'}`);
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new Error(`${path} is a directory; expected a history file`);
    if (whole && stat.isFile() && stat.size > MAX_WHOLE_BYTES) {
      throw notHistory(`it is ${mib(stat.size)}, more than the ${mib(MAX_WHOLE_BYTES)} faultline reads whole`);
    }
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const chunk = Buffer.alloc(CHUNK_BYTES);
    let offset = 0;
    let opened = false;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        throw new Error(`cannot read ${path}: ${ioMessage(err)}`);
      }
      if (n === 0) break;
      const bytes = chunk.subarray(0, n);
      const nul = bytes.indexOf(0);
      if (nul !== -1) throw notHistory(`byte ${offset + nul} is NUL, so it is binary`);
      let text: string;
      try {
        text = decoder.decode(bytes, { stream: true });
      } catch {
        throw notHistory(`bytes ${offset}-${offset + n} are not UTF-8 text`);
      }
      if (!opened) {
        const start = text.trimStart(); // the decoder drops a byte-order mark
        if (start !== '') {
          const rules = OPENINGS[format];
          if (rules && !rules.first.includes(start[0]!)) throw notHistory(`it starts with ${JSON.stringify(start.slice(0, 20))}`);
          opened = true;
        }
      }
      offset += n;
      if (whole && offset > MAX_WHOLE_BYTES) throw notHistory(`it is more than the ${mib(MAX_WHOLE_BYTES)} faultline reads whole`);
      yield text;
    }
    try {
      const tail = decoder.decode();
      if (tail !== '') yield tail;
    } catch {
      throw notHistory(`it ends inside a UTF-8 character`);
    }
  } finally {
    closeSync(fd);
  }
}

function mib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
