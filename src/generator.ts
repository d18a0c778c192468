// Generators: pure descriptions of which op to issue next and when (Jepsen's generator model).
//
// A generator is data. An op template (`{ f: 'read' }`) is a one-shot generator; an array runs its
// elements in order; a function is asked again each time its last answer is exhausted; a `GenNode`
// is a combinator. `op(gen, ctx)` returns null (exhausted), 'pending' (nothing now: wait for a
// completion) or `[plannedOp, nextGen]`. Generators never mutate: the interpreter may ask the same
// generator many times and only keeps the `nextGen` of an op it actually issued. Time is logical
// (`ctx.time`, ns), so tests of generators never sleep.
import type { OpDraft, Op, Process } from './op.js';
import type { Random } from './random.js';

/** A worker slot: client threads are 0..concurrency-1; the nemesis has its own. */
export type Thread = number | 'nemesis';

export interface GenContext {
  /** Logical now in nanoseconds since the test started. */
  time: number;
  /** Threads that are idle, among those this generator may use. */
  free: readonly Thread[];
  /** All threads this generator may use. */
  all: readonly Thread[];
  /** The current process of a thread (a client thread moves to a new process after an `info`). */
  processOf(thread: Thread): Process;
  threadOf(process: Process): Thread | undefined;
  random: Random;
}

/** An op the generator wants issued at `time`, or a sleep that keeps a process idle for a while. */
export type PlannedOp =
  | (OpDraft & { type: 'invoke'; time: number; process: Process })
  | { type: 'sleep'; time: number; process: Process; durationNs: number };

export type GenResult = null | 'pending' | readonly [PlannedOp, Gen];

/** A combinator: answers op() and optionally reacts to invocations and completions. */
export interface GenNode {
  op(ctx: GenContext): GenResult;
  update?(ctx: GenContext, event: Op): Gen;
}

/** A template for one op; the interpreter fills in process, time and type. */
export interface OpTemplate {
  f: string;
  value?: unknown;
  time?: number;
  node?: string;
}

export type GenFn = (ctx: GenContext) => Gen;
export type Gen = GenNode | GenFn | OpTemplate | readonly Gen[] | null | undefined;

function isNode(gen: object): gen is GenNode {
  return typeof (gen as GenNode).op === 'function';
}

/** Asks a generator for its next op. */
export function op(gen: Gen, ctx: GenContext): GenResult {
  if (gen == null) return null;
  if (typeof gen === 'function') return askFn(gen, null, ctx);
  if (Array.isArray(gen)) return op(seq(gen as readonly Gen[], 0), ctx);
  if (isNode(gen as object)) return (gen as GenNode).op(ctx);
  return fillIn(gen as OpTemplate, ctx);
}

/**
 * `{ ...op, ...fields }`, made without object spread: spreading an op whose `value` has been
 * null, a number and an array in turn then adding fields measured 7-9 µs a time on Node 20 (its
 * maps keep changing), against 0.2 µs for Object.assign. Keys keep the spread's order.
 */
export function withFields<T extends object, U extends object>(op: T, fields: U): Omit<T, keyof U> & U {
  return Object.assign({}, op, fields) as Omit<T, keyof U> & U;
}

/** True when a generator reacts to invocations and completions (a node with `update`); `update` returns any other unchanged. */
export function reacts(gen: Gen): boolean {
  return gen != null && typeof gen === 'object' && !Array.isArray(gen) && typeof (gen as GenNode).update === 'function';
}

/** Tells a generator about an invocation or completion; returns the updated generator. */
export function update(gen: Gen, ctx: GenContext, event: Op): Gen {
  if (gen == null || typeof gen === 'function' || Array.isArray(gen)) return gen;
  const node = gen as GenNode;
  return isNode(node) && node.update ? node.update(ctx, event) : gen;
}

// Combinators are small classes, not closures: asking a generator makes a new node at every level
// it passes through, and one object per node (against a context, two closures and a node for the
// closure version) is much of what the generator costs per op. A node passes events on only when
// what it wraps reacts to them: otherwise its `update` stays undefined, so the whole tree above a
// generator that ignores events (a mix of op templates, say) costs nothing per event. `update` is
// then a function shared by all nodes of its class, set in the constructor, never a closure.

/**
 * A function generator part-way through what it produced (as `[produced, fn]` would run): the
 * produced generator until it is exhausted, then the function is asked again. One node instead
 * of an array nested one level deeper at each ask; with nothing left of what it produced, the
 * function itself.
 */
class FnRest implements GenNode {
  update: GenNode['update'] = undefined;
  constructor(readonly fn: GenFn, readonly current: Gen) {
    if (reacts(current)) this.update = updateFnRest;
  }

  op(ctx: GenContext): GenResult {
    return askFn(this.fn, this.current, ctx);
  }
}

function updateFnRest(this: FnRest, ctx: GenContext, event: Op): Gen {
  const next = update(this.current, ctx, event);
  return next === this.current ? this : fnRest(this.fn, next);
}

function fnRest(fn: GenFn, current: Gen): Gen {
  return current == null ? fn : new FnRest(fn, current);
}

function askFn(fn: GenFn, current: Gen, ctx: GenContext): GenResult {
  if (current != null) {
    const result = op(current, ctx);
    if (result === 'pending') return 'pending';
    if (result !== null) return [result[0], fnRest(fn, result[1])];
  }
  const produced = fn(ctx);
  if (produced == null) return null;
  const result = op(produced, ctx);
  if (result === null) return askFn(fn, null, ctx);
  if (result === 'pending') return 'pending';
  return [result[0], fnRest(fn, result[1])];
}

/**
 * A free thread, chosen at random (as Jepsen's some-free-process does): always taking the first
 * free one would hand almost every op to thread 0 whenever ops are short next to the gaps between
 * them, and a history where one process does everything tests little concurrency.
 */
function someFreeThread(ctx: GenContext): Thread | undefined {
  return ctx.free.length <= 1 ? ctx.free[0] : ctx.free[ctx.random.int(ctx.free.length)];
}

function fillIn(template: OpTemplate, ctx: GenContext): GenResult {
  const thread = someFreeThread(ctx);
  if (thread === undefined) return 'pending';
  // As withFields(template, { type, value, process, time }) makes it (same keys, same order),
  // without the second object: this runs for every op a run issues.
  const planned = Object.assign({}, template) as PlannedOp & OpTemplate & { type: 'invoke' };
  planned.type = 'invoke';
  planned.value = template.value ?? null;
  planned.process = ctx.processOf(thread);
  planned.time = Math.max(template.time ?? ctx.time, ctx.time);
  return [planned, null];
}

/** Runs generators one after another (what an array means); `head` is what is left of `items[start]`. */
class Seq implements GenNode {
  update: GenNode['update'] = undefined;
  constructor(readonly items: readonly Gen[], readonly start: number, readonly head: Gen) {
    if (reacts(head)) this.update = updateSeq;
  }

  op(ctx: GenContext): GenResult {
    const { items, start } = this;
    const result = op(this.head, ctx);
    if (result === null) return start + 1 < items.length ? op(seq(items, start + 1), ctx) : null;
    if (result === 'pending') return 'pending';
    return [result[0], seq(items, start, result[1] ?? null)];
  }
}

function updateSeq(this: Seq, ctx: GenContext, event: Op): Gen {
  const next = update(this.head, ctx, event) ?? null;
  return next === this.head ? this : seq(this.items, this.start, next);
}

function seq(items: readonly Gen[], start: number, current?: Gen): Gen {
  if (start >= items.length && current === undefined) return null;
  return new Seq(items, start, current === undefined ? items[start] : current);
}

/** The threads a predicate accepts, remembered for the last list asked (the interpreter passes the same `all` each time). */
interface Restriction {
  accepts: (t: Thread) => boolean;
  allIn?: readonly Thread[];
  allOut?: readonly Thread[];
}

/** Restricts a context to the threads a predicate accepts. */
function restrict(ctx: GenContext, r: Restriction): GenContext {
  if (r.allIn !== ctx.all) {
    r.allIn = ctx.all;
    r.allOut = ctx.all.filter(r.accepts);
  }
  return narrowed(ctx, ctx.free.filter(r.accepts), r.allOut as readonly Thread[]);
}

/** `{ ...ctx, free, all }`, written out: made at every ask, and a literal costs less than a spread. */
export function narrowed(ctx: GenContext, free: readonly Thread[], all: readonly Thread[]): GenContext {
  return { time: ctx.time, free, all, processOf: ctx.processOf, threadOf: ctx.threadOf, random: ctx.random };
}

/** Runs a generator only on the threads a predicate accepts; events of other threads are not passed on. */
export function onThreads(accepts: (t: Thread) => boolean, gen: Gen): Gen {
  return restricted({ accepts }, gen);
}

class Restricted implements GenNode {
  update: GenNode['update'] = undefined;
  constructor(readonly r: Restriction, readonly gen: Gen) {
    if (reacts(gen)) this.update = updateRestricted;
  }

  op(ctx: GenContext): GenResult {
    const result = op(this.gen, restrict(ctx, this.r));
    return result === null || result === 'pending' ? result : [result[0], restricted(this.r, result[1])];
  }
}

function updateRestricted(this: Restricted, ctx: GenContext, event: Op): Gen {
  const thread = ctx.threadOf(event.process);
  if (thread === undefined || !this.r.accepts(thread)) return this;
  const next = update(this.gen, restrict(ctx, this.r), event);
  return next === this.gen ? this : restricted(this.r, next);
}

function restricted(r: Restriction, gen: Gen): Gen {
  return gen == null ? null : new Restricted(r, gen);
}

/** Runs a generator on client threads only. */
export const clients = (gen: Gen): Gen => onThreads((t) => t !== 'nemesis', gen);

/** Runs a generator on the nemesis thread only. */
export const nemesis = (gen: Gen): Gen => onThreads((t) => t === 'nemesis', gen);

/** Runs several generators at once, always issuing the soonest op any of them offers. */
export function any(...gens: Gen[]): Gen {
  const live = gens.filter((g) => g != null);
  if (live.length === 0) return null;
  // Of one generator, `any` would answer what it answers: no node around each of its ops.
  return live.length === 1 ? live[0] : new Any(live);
}

class Any implements GenNode {
  update: GenNode['update'] = undefined;
  constructor(readonly live: readonly Gen[]) {
    if (live.some(reacts)) this.update = updateAny;
  }

  op(ctx: GenContext): GenResult {
    const { live } = this;
    let best: readonly [PlannedOp, Gen] | undefined;
    let bestAt = -1;
    let pending = false;
    for (let i = 0; i < live.length; i++) {
      const result = op(live[i], ctx);
      if (result === 'pending') pending = true;
      else if (result !== null && (best === undefined || result[0].time < best[0].time)) {
        best = result;
        bestAt = i;
      }
    }
    if (best === undefined) return pending ? 'pending' : null;
    const next = live.slice();
    next[bestAt] = best[1];
    return [best[0], any(...next)];
  }
}

function updateAny(this: Any, ctx: GenContext, event: Op): Gen {
  const next = this.live.map((g) => update(g, ctx, event));
  return next.every((g, i) => g === this.live[i]) ? this : any(...next);
}

/** Each op comes from a randomly chosen generator; exhausted ones drop out. */
export function mix(gens: readonly Gen[]): Gen {
  const live = gens.filter((g) => g != null);
  return live.length === 0 ? null : new Mix(live);
}

class Mix implements GenNode {
  constructor(readonly live: readonly Gen[]) {}

  op(ctx: GenContext): GenResult {
    const { live } = this;
    const i = ctx.random.int(live.length);
    const chosen = live[i];
    const result = op(chosen, ctx);
    if (result === null) return op(mix(live.filter((_, j) => j !== i)), ctx);
    if (result === 'pending') return 'pending';
    // A function generator is usually its own next: the mix is then the same.
    if (result[1] === chosen) return [result[0], this];
    const next = live.slice();
    next[i] = result[1];
    return [result[0], mix(next)];
  }
}

/** Issues at most `n` ops. */
export function limit(n: number, gen: Gen): Gen {
  return n <= 0 || gen == null ? null : new Limit(n, gen);
}

class Limit implements GenNode {
  update: GenNode['update'] = undefined;
  constructor(readonly n: number, readonly gen: Gen) {
    if (reacts(gen)) this.update = updateLimit;
  }

  op(ctx: GenContext): GenResult {
    const result = op(this.gen, ctx);
    return result === null || result === 'pending' ? result : [result[0], limit(this.n - 1, result[1])];
  }
}

function updateLimit(this: Limit, ctx: GenContext, event: Op): Gen {
  const next = update(this.gen, ctx, event);
  return next === this.gen ? this : limit(this.n, next);
}

/** Issues the generator's first op forever (or `times` times), never advancing it. */
export function repeat(gen: Gen, times = Infinity): Gen {
  if (times <= 0 || gen == null) return null;
  return {
    op(ctx) {
      const result = op(gen, ctx);
      return result === null || result === 'pending' ? result : [result[0], repeat(gen, times - 1)];
    },
  };
}

/** Runs the generator to exhaustion, then starts it again from the beginning, forever. */
export function cycle(gen: Gen, current: Gen = gen): Gen {
  return gen == null ? null : new Cycle(gen, current);
}

class Cycle implements GenNode {
  update: GenNode['update'] = undefined;
  constructor(readonly gen: Gen, readonly current: Gen) {
    if (reacts(current)) this.update = updateCycle;
  }

  op(ctx: GenContext): GenResult {
    let result = op(this.current, ctx);
    if (result === null) {
      result = op(this.gen, ctx);
      if (result === null) return null;
    }
    return result === 'pending' ? 'pending' : [result[0], cycle(this.gen, result[1] ?? null)];
  }
}

function updateCycle(this: Cycle, ctx: GenContext, event: Op): Gen {
  const next = update(this.current, ctx, event);
  return next === this.current ? this : cycle(this.gen, next);
}

/** Spaces ops by random intervals averaging `meanNs` (uniform in [0, 2*mean)), across all threads. */
export function stagger(meanNs: number, gen: Gen): Gen {
  return spaced((ctx) => ctx.random.next() * 2 * meanNs, gen);
}

/** Spaces ops exactly `intervalNs` apart. */
export function delay(intervalNs: number, gen: Gen): Gen {
  return spaced(() => intervalNs, gen);
}

/** Issues each op no sooner than the previous one's time plus a gap drawn when it is issued. */
function spaced(gap: (ctx: GenContext) => number, gen: Gen, nextTime?: number): Gen {
  return gen == null ? null : new Spaced(gap, gen, nextTime);
}

class Spaced implements GenNode {
  update: GenNode['update'] = undefined;
  constructor(readonly gap: (ctx: GenContext) => number, readonly gen: Gen, readonly nextTime: number | undefined) {
    if (reacts(gen)) this.update = updateSpaced;
  }

  op(ctx: GenContext): GenResult {
    const result = op(this.gen, ctx);
    if (result === null || result === 'pending') return result;
    const planned = result[0];
    const at = Math.max(planned.time, this.nextTime ?? ctx.time);
    // Most ops are due already (the gap has passed): the op as it is, not a copy.
    return [at === planned.time ? planned : (withFields(planned, { time: at }) as PlannedOp), spaced(this.gap, result[1], at + this.gap(ctx))];
  }
}

function updateSpaced(this: Spaced, ctx: GenContext, event: Op): Gen {
  const next = update(this.gen, ctx, event);
  return next === this.gen ? this : spaced(this.gap, next, this.nextTime);
}

/**
 * Keeps one free process idle for `durationNs` (as Jepsen's sleep does: the sleep occupies a
 * process, so it starts when issued, not when some later ask happens to look at it).
 */
export function sleep(durationNs: number): Gen {
  return {
    op(ctx) {
      const thread = someFreeThread(ctx);
      if (thread === undefined) return 'pending';
      return [{ type: 'sleep', time: ctx.time, process: ctx.processOf(thread), durationNs }, null];
    },
  };
}

/** Stops issuing ops `durationNs` after it is first asked. */
export function timeLimit(durationNs: number, gen: Gen, cutoff?: number): Gen {
  return gen == null ? null : new TimeLimit(durationNs, gen, cutoff);
}

class TimeLimit implements GenNode {
  update: GenNode['update'] = undefined;
  constructor(readonly durationNs: number, readonly gen: Gen, readonly cutoff: number | undefined) {
    if (reacts(gen)) this.update = updateTimeLimit;
  }

  op(ctx: GenContext): GenResult {
    const end = this.cutoff ?? ctx.time + this.durationNs;
    const result = op(this.gen, ctx);
    if (result === null) return null;
    if (result === 'pending') return ctx.time >= end ? null : 'pending';
    return result[0].time >= end ? null : [result[0], timeLimit(this.durationNs, result[1], end)];
  }
}

function updateTimeLimit(this: TimeLimit, ctx: GenContext, event: Op): Gen {
  const next = update(this.gen, ctx, event);
  return next === this.gen ? this : timeLimit(this.durationNs, next, this.cutoff);
}

/** Waits until every thread it may use is idle, then runs the generator. */
export function synchronize(gen: Gen): Gen {
  return gen == null ? null : new Synchronize(gen);
}

class Synchronize implements GenNode {
  update: GenNode['update'] = undefined;
  constructor(readonly gen: Gen) {
    if (reacts(gen)) this.update = updateSynchronize;
  }

  op(ctx: GenContext): GenResult {
    return ctx.free.length === ctx.all.length ? op(this.gen, ctx) : 'pending';
  }
}

function updateSynchronize(this: Synchronize, ctx: GenContext, event: Op): Gen {
  const next = update(this.gen, ctx, event);
  return next === this.gen ? this : synchronize(next);
}

/**
 * Stops a thread at the first of its ops that does not succeed on one of `nodes`: the final phase's
 * nodes that did not recover, where every further op would only wait out its timeout (a dead host
 * made a 25 s run spend 80 s on final reads). The op that failed is in the history; the thread's
 * later ops are never issued. `onStop` hears of each thread stopped and the node.
 */
export function stopAtFailureOn(nodes: ReadonlySet<string>, gen: Gen, onStop: (thread: Thread, node: string) => void): Gen {
  return gen == null ? null : new StopAtFailure(nodes, gen, onStop, new Set());
}

class StopAtFailure implements GenNode {
  constructor(
    readonly nodes: ReadonlySet<string>,
    readonly gen: Gen,
    readonly onStop: (thread: Thread, node: string) => void,
    readonly stopped: ReadonlySet<Thread>,
    /** The thread of each process invoked on one of `nodes`: an `info` retires its process before the event arrives. */
    readonly threads: Map<Process, Thread> = new Map(),
  ) {}

  private view(ctx: GenContext): GenContext {
    if (this.stopped.size === 0) return ctx;
    const live = (t: Thread) => !this.stopped.has(t);
    return narrowed(ctx, ctx.free.filter(live), ctx.all.filter(live));
  }

  op(ctx: GenContext): GenResult {
    const result = op(this.gen, this.view(ctx));
    return result === null || result === 'pending' ? result : [result[0], this.with(result[1], this.stopped)];
  }

  update(ctx: GenContext, event: Op): Gen {
    const next = update(this.gen, this.view(ctx), event);
    const onNode = event.node !== undefined && this.nodes.has(event.node);
    const thread = ctx.threadOf(event.process) ?? this.threads.get(event.process);
    if (onNode && event.type === 'invoke' && thread !== undefined) this.threads.set(event.process, thread);
    if (event.type === 'invoke' || event.type === 'ok' || !onNode || thread === undefined || this.stopped.has(thread)) {
      return next === this.gen ? this : this.with(next, this.stopped);
    }
    this.threads.delete(event.process);
    this.onStop(thread, event.node as string);
    return this.with(next, new Set(this.stopped).add(thread));
  }

  private with(gen: Gen, stopped: ReadonlySet<Thread>): Gen {
    return gen == null ? null : new StopAtFailure(this.nodes, gen, this.onStop, stopped, this.threads);
  }
}

/** Runs generators one after another, each starting only once all threads are idle. */
export function phases(...gens: Gen[]): Gen {
  return gens.map(synchronize);
}

/** Gives every thread its own copy of the generator. */
export function eachThread(gen: Gen, perThread: ReadonlyMap<Thread, Gen> = new Map()): Gen {
  return {
    op(ctx) {
      let best: { thread: Thread; op: PlannedOp; next: Gen } | undefined;
      for (const thread of ctx.free) {
        const own = perThread.has(thread) ? perThread.get(thread) : gen;
        const result = op(own, narrowed(ctx, [thread], [thread]));
        if (result !== null && result !== 'pending' && (!best || result[0].time < best.op.time)) {
          best = { thread, op: result[0], next: result[1] };
        }
      }
      if (best) return [best.op, eachThread(gen, new Map(perThread).set(best.thread, best.next))];
      return ctx.free.length === ctx.all.length ? null : 'pending';
    },
    update(ctx, event) {
      const thread = ctx.threadOf(event.process);
      if (thread === undefined || !perThread.has(thread)) return this;
      const own = update(perThread.get(thread), narrowed(ctx, [thread], [thread]), event);
      return eachThread(gen, new Map(perThread).set(thread, own));
    },
  };
}

/** Runs the generator until one of the ops it issued completes `ok`. */
export function untilOk(gen: Gen, mine: ReadonlySet<Process> = new Set(), done = false): Gen {
  if (done || gen == null) return null;
  return {
    op(ctx) {
      const result = op(gen, ctx);
      if (result === null || result === 'pending') return result;
      const planned = result[0];
      const owners = planned.type === 'invoke' ? new Set(mine).add(planned.process) : mine;
      return [planned, untilOk(result[1], owners)];
    },
    update(ctx, event) {
      if (event.type === 'ok' && mine.has(event.process)) return null;
      return untilOk(update(gen, ctx, event), mine);
    },
  };
}

/** Transforms every op the generator issues (sleeps pass through untouched). */
export function map(transform: (op: PlannedOp & { type: 'invoke' }) => PlannedOp, gen: Gen): Gen {
  return gen == null ? null : new MapOps(transform, gen);
}

class MapOps implements GenNode {
  update: GenNode['update'] = undefined;
  constructor(readonly transform: (op: PlannedOp & { type: 'invoke' }) => PlannedOp, readonly gen: Gen) {
    if (reacts(gen)) this.update = updateMapOps;
  }

  op(ctx: GenContext): GenResult {
    const result = op(this.gen, ctx);
    if (result === null || result === 'pending') return result;
    const planned = result[0].type === 'invoke' ? this.transform(result[0]) : result[0];
    return [planned, map(this.transform, result[1])];
  }
}

function updateMapOps(this: MapOps, ctx: GenContext, event: Op): Gen {
  const next = update(this.gen, ctx, event);
  return next === this.gen ? this : map(this.transform, next);
}
