#!/usr/bin/env node
// Replays the linearization behind an ok verdict, on its own: nothing here comes from faultline's
// checker. `faultline check FILE --model M --linearization OUT` writes OUT: the history as it was
// read and, for each independent part (a key), the ops in the order the checker found. This program
// pairs the history's invocations with their completions, then checks that the order is a proof:
//   - every op that completed ok is in it exactly once, no op that failed is in it, no op twice;
//   - each order holds one key's ops, and no key is split over two orders;
//   - real time: no op in an order returned before an op earlier in that order was invoked;
//   - replayed one by one on the model from its initial state, every ok op returns what it returned.
// Usage: node tools/replay-linearization.mjs OUT.json    (exit 0: replayed; 1: not a proof; 2: bad input)
import { readFileSync } from 'node:fs';

const MODELS = {
  register: { init: (o) => o.init ?? null, step: registerStep(false) },
  'cas-register': { init: (o) => o.init ?? null, step: registerStep(true) },
  kv: { init: () => '', step: kvStep },
};

/** One op of a register: returns the next state, or throws saying why the op cannot happen here. */
function registerStep(allowCas) {
  return (state, op) => {
    if (op.f === 'read') {
      if (op.ok && !(op.nilAny && op.result === null) && same(op.result, state) === false) throw new Error(`read returned ${show(op.result)} but the register held ${show(state)}`);
      return state;
    }
    if (op.f === 'write') return op.value ?? null;
    if (op.f === 'cas' && allowCas) {
      const [from, to] = op.value;
      if (same(state, from)) return to;
      if (op.ok) throw new Error(`cas ${show(from)}->${show(to)} succeeded but the register held ${show(state)}`);
      return state; // a crashed cas that found another value changed nothing
    }
    throw new Error(`op ${op.f} is not an op of this register`);
  };
}

function kvStep(state, op) {
  const text = (v) => (v === null || v === undefined ? '' : String(v));
  if (op.f === 'get') {
    if (op.ok && text(op.result) !== state) throw new Error(`get returned ${show(op.result)} but the key held ${show(state)}`);
    return state;
  }
  if (op.f === 'put') return text(op.value);
  if (op.f === 'append') return state + text(op.value);
  throw new Error(`op ${op.f} is not a kv op`);
}

/** Equality of JSON values, object keys in any order. */
function same(a, b) {
  return canonical(a ?? null) === canonical(b ?? null);
}
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
function show(v) {
  return v === null || v === undefined ? 'nothing' : canonical(v);
}

/** The model and its options from a spec such as "cas-register;init=0;nil-read=any". */
function modelOf(spec) {
  const [name, ...pairs] = String(spec).split(';').map((p) => p.trim());
  const model = MODELS[name];
  if (!model) throw new BadInput(`model "${name}" has no replayer here; expected one of ${Object.keys(MODELS).join(', ')}`);
  const options = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const value = pair.slice(eq + 1);
    options[pair.slice(0, eq)] = value === 'nil' ? null : parseJson(value);
  }
  return { model, initial: model.init({ init: options.init }), nilAny: options['nil-read'] === 'any' };
}
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

class BadInput extends Error {}

/** Every client invocation paired with its process's next completion. */
function pairOps(history, keyed, nilAny) {
  const ops = new Map();
  const open = new Map();
  history.forEach((entry, i) => {
    if (entry.process === 'nemesis') return;
    if (entry.type === 'invoke') {
      if (open.has(entry.process)) throw new BadInput(`history entry ${i}: process ${entry.process} invoked again before op ${open.get(entry.process)} completed`);
      open.set(entry.process, i);
      let [key, value] = keyed ? entry.value : [undefined, entry.value];
      ops.set(i, { index: i, call: i, ret: Infinity, f: entry.f, key: canonical(key ?? null), value, ok: false, failed: false, nilAny });
      return;
    }
    const at = open.get(entry.process);
    if (at === undefined) throw new BadInput(`history entry ${i}: a ${entry.type} of process ${entry.process} with no invocation`);
    open.delete(entry.process);
    const op = ops.get(at);
    if (entry.type === 'ok') {
      op.ok = true;
      op.ret = i;
      op.result = keyed ? entry.value?.[1] : entry.value;
    } else if (entry.type === 'fail') {
      op.failed = true;
      op.ret = i;
    } // info: the op may or may not have happened; it stays open forever
  });
  return ops;
}

/** Checks the witness; returns the problems found (none: it is a proof). */
export function replay(witness) {
  if (witness?.format !== 'faultline-linearization' || !Array.isArray(witness.history) || !Array.isArray(witness.orders)) {
    throw new BadInput('not a faultline linearization (expected { format: "faultline-linearization", model, keyed, history: [...], orders: [[...]] })');
  }
  const { model, initial, nilAny } = modelOf(witness.model);
  const ops = pairOps(witness.history, witness.keyed === true, nilAny);
  const problems = [];
  const placed = new Set();
  const keyOrder = new Map();
  witness.orders.forEach((order, o) => {
    let state = initial;
    let key;
    // Real time: an op may come after another only if it did not return before that one was invoked.
    let latestCall = -Infinity;
    let latestCallOp;
    let broken = false; // after the model's first refusal, the rest of the order is still checked but not replayed
    for (const index of order) {
      const op = ops.get(index);
      if (!op) {
        problems.push(`order ${o}: ${index} is not the invocation of a client op`);
        continue;
      }
      if (placed.has(index)) problems.push(`order ${o}: op ${index} placed twice`);
      placed.add(index);
      if (op.failed) problems.push(`order ${o}: op ${index} (${op.f}) failed, so it never happened, but it is placed`);
      if (key === undefined) key = op.key;
      else if (op.key !== key) problems.push(`order ${o}: op ${index} is on key ${op.key}, the order's key is ${key}`);
      if (op.ret < latestCall) problems.push(`order ${o}: op ${index} returned (at ${op.ret}) before op ${latestCallOp} was invoked (at ${latestCall}), yet comes after it`);
      if (op.call > latestCall) {
        latestCall = op.call;
        latestCallOp = index;
      }
      if (broken) continue;
      try {
        state = model.step(state, op);
      } catch (err) {
        problems.push(`order ${o}: op ${index}: ${err.message}`);
        broken = true;
      }
    }
    if (key !== undefined) {
      if (keyOrder.has(key)) problems.push(`key ${key} is split over orders ${keyOrder.get(key)} and ${o}`);
      keyOrder.set(key, o);
    }
  });
  for (const op of ops.values()) {
    const optional = !op.ok || (op.f === 'read' && op.nilAny && op.result === null);
    if (!optional && !placed.has(op.index)) problems.push(`op ${op.index} (${op.f}) completed ok but is in no order`);
  }
  return { problems, ops: ops.size, placed: placed.size };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2];
  if (!path || process.argv.length > 3) {
    console.error('usage: node replay-linearization.mjs LINEARIZATION.json');
    process.exit(2);
  }
  try {
    const { problems, ops, placed } = replay(JSON.parse(readFileSync(path, 'utf8')));
    if (problems.length > 0) {
      for (const p of problems.slice(0, 20)) console.log(p);
      if (problems.length > 20) console.log(`... and ${problems.length - 20} more`);
      console.log(`${path}: NOT a proof (${problems.length} problems)`);
      process.exit(1);
    }
    console.log(`${path}: replayed: ${placed} of ${ops} ops in a legal order that respects real time`);
  } catch (err) {
    console.error(`${path}: ${err instanceof BadInput || err instanceof SyntaxError ? err.message : err.stack}`);
    process.exit(2);
  }
}
