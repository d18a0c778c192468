// Porcupine's key/value logs (corpus/porcupine/kv/*.txt): one EDN map per line,
// `{:process P, :type :invoke|:ok, :f :get|:put|:append, :key "K", :value V}`, in real-time order.
// Values become `[key, value]`, faultline's shape for independent keys; line numbers are the time.
import type { History, Op } from '../op.js';
import { EdnMap, readEdn, showEdn } from './edn.js';
import { opFromEdn } from './jepsen-edn.js';

const SHAPE = '{:process P, :type T, :f F, :key "K", :value V}';

/** Reads a Porcupine kv log. */
export function readKvLog(text: string, source = 'kv.txt'): History {
  const history: Op[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const where = `${source} line ${i + 1}`;
    let forms;
    try {
      forms = readEdn(line, source);
    } catch (err) {
      throw new Error(`${where}: expected ${SHAPE}, got ${JSON.stringify(line.slice(0, 80))} (${(err as Error).message})`);
    }
    const form = forms[0]?.value;
    if (forms.length !== 1 || !(form instanceof EdnMap) || !form.has('key') || !form.has('process') || !form.has('type') || !form.has('f')) {
      throw new Error(`${where}: expected ${SHAPE}, got ${JSON.stringify(line.slice(0, 80))}`);
    }
    const op = opFromEdn(form, history.length, where);
    op.time = i + 1;
    if (op.process === 'nemesis') throw new Error(`${where}: expected a client process number, got ${showEdn(form.get('process'))}`);
    history.push(op);
  }
  return history;
}
