// Porcupine's etcd logs (corpus/porcupine/jepsen/etcd_*.log), Jepsen 0.x console lines:
// `INFO  jepsen.util - <process> <type> <f> <value>`, fields split by tabs or spaces, in real-time
// order with no timestamps, so the line number is the time. `:info` leaves the op open (unknown)
// and `:fail :read :timed-out` is a failed read, which constrains nothing.
import type { History, Op, OpType } from '../op.js';
import { ednToPlain, readEdn } from './edn.js';
import { isCount } from './op-schema.js';

const PREFIX = 'INFO  jepsen.util - ';
const SHAPE = `"${PREFIX}<process> <type> <f> <value>"`;
const TYPES = new Map<string, OpType>([[':invoke', 'invoke'], [':ok', 'ok'], [':fail', 'fail'], [':info', 'info']]);

/** Reads a Porcupine/Jepsen etcd log into a single-register history (values unkeyed). */
export function readEtcdLog(text: string, source = 'etcd.log'): History {
  const history: Op[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const bad = (expected: string): Error =>
      new Error(`${source} line ${i + 1}: expected ${expected}, got ${JSON.stringify(raw.slice(0, 100))}`);
    if (!raw.startsWith(PREFIX)) throw bad(SHAPE);
    const match = /^(\d+)\s+(\S+)\s+:(\S+)\s+(.+?)\s*$/.exec(raw.slice(PREFIX.length));
    if (!match) throw bad(SHAPE);
    const [, process, typeText, f, valueText] = match as unknown as [string, string, string, string, string];
    const type = TYPES.get(typeText);
    if (!type) throw bad(`a type of :invoke | :ok | :fail | :info in ${SHAPE}`);
    let value: unknown;
    try {
      const forms = readEdn(valueText, source);
      if (forms.length !== 1) throw new Error('one value');
      value = ednToPlain(forms[0]!.value);
    } catch {
      throw bad(`a value of nil, an integer, [A B] or :timed-out in ${SHAPE}`);
    }
    if (!isCount(Number(process))) throw bad(`a process number below 2^53 in ${SHAPE}`);
    history.push({ index: history.length, time: i + 1, process: Number(process), type, f, value });
  }
  return history;
}
