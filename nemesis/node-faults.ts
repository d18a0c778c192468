// Node faults (kill, pause, resume, restart, clock) act on each target node on its own, and an op
// says what really happened to each: done, skipped and why (a node a kill just took down cannot
// be paused), or failed and why. An op that failed on a node, or that had to reach a node and
// reached none, throws, so the history records it as failed with the reason, never as applied.
import { hasMembership } from '../src/db-contract.js';
import type { Deferred, NodeFaultOutcome } from '../src/runtime/runtime.js';
import type { NemesisContext } from './nemesis.js';

/** What a fault did to one node: the runtime's outcomes, or a node left alone because it is no member of the cluster now. */
export type NodeOutcome = NodeFaultOutcome | 'not a member';

/** What one node fault op did to each of its targets. */
export interface NodeFaultResult {
  /** Nodes it was done to, sorted. */
  done: string[];
  /** Nodes it left as they were, and why ("not running"). */
  skipped: Record<string, string>;
  /** Nodes it could not act on, and the error. */
  failed: Record<string, string>;
}

/** The words of one fault in messages: `pause` / `paused`. */
export interface FaultVerb {
  verb: string;
  past: string;
}

/** Acts on every node at once and collects what happened to each; never throws. */
export async function actOnNodes(nodes: readonly string[], act: (node: string) => Promise<NodeOutcome>): Promise<NodeFaultResult> {
  const result: NodeFaultResult = { done: [], skipped: {}, failed: {} };
  await Promise.all(nodes.map(async (node) => {
    try {
      const outcome = await act(node);
      if (outcome === 'done') result.done.push(node);
      else result.skipped[node] = outcome;
    } catch (err) {
      result.failed[node] = withoutNodePrefix(err instanceof Error ? err.message : String(err), node);
    }
  }));
  result.done.sort();
  return result;
}

/** "cannot fake the clock of n3: etcd is a Go program" is "etcd is a Go program": the op's error names the verb and node once. */
function withoutNodePrefix(message: string, node: string): string {
  const prefix = /^(?:cannot|could not) [^:]*?(\S+): /.exec(message);
  return prefix && prefix[1] === node ? message.slice(prefix[0].length) : message;
}

/** Like actOnNodes, one node after the other (restarts, whose order can matter to a database). */
export async function actOnNodesInTurn(nodes: readonly string[], act: (node: string) => Promise<NodeOutcome>): Promise<NodeFaultResult> {
  const result: NodeFaultResult = { done: [], skipped: {}, failed: {} };
  for (const node of nodes) {
    const one = await actOnNodes([node], act);
    result.done.push(...one.done);
    Object.assign(result.skipped, one.skipped);
    Object.assign(result.failed, one.failed);
  }
  result.done.sort();
  return result;
}

/**
 * The op's value for a result: which nodes it was done to and which it skipped, with a one-line
 * description. Throws one line when it failed on any node, or, if `required`, was done to none.
 */
export function nodeFaultValue(words: FaultVerb, result: NodeFaultResult, required: boolean): { nodes: string[]; skipped?: Record<string, string>; description: string } {
  const skipped = Object.keys(result.skipped).length > 0 ? `skipped ${describeReasons(result.skipped)}` : '';
  if (Object.keys(result.failed).length > 0) {
    const done = result.done.length > 0 ? `; ${words.past} ${result.done.join(' ')}` : '';
    throw new Error(`could not ${words.verb} ${describeReasons(result.failed)}${done}${skipped ? `; ${skipped}` : ''}`);
  }
  if (required && result.done.length === 0) {
    throw new Error(`no node to ${words.verb}: ${Object.keys(result.skipped).length > 0 ? describeReasons(result.skipped) : 'no target'}`);
  }
  const description = [result.done.join(' ') || `nothing to ${words.verb}`, skipped].filter(Boolean).join('; ');
  return { nodes: result.done, ...(Object.keys(result.skipped).length > 0 && { skipped: result.skipped }), description };
}

/** "n2, n4 (not running), n3 (paused)": nodes sorted, those with the same reason named together. */
export function describeReasons(reasons: Deferred): string {
  const byReason = new Map<string, string[]>();
  for (const [node, why] of Object.entries(reasons).sort(([a], [b]) => a.localeCompare(b))) byReason.set(why, [...(byReason.get(why) ?? []), node]);
  return [...byReason].map(([why, nodes]) => `${nodes.join(', ')} (${why})`).join(', ');
}

/**
 * Starts the database again on every dead node, one at a time (a stop op of kill and restart). A
 * node the membership fault took out of the cluster is skipped, named: it comes back when that
 * fault adds it back, as a new member. When no node can say who the members are (all of them
 * dead), it asks again once the first node started (waiting a few seconds for it to answer) and
 * before each later one; a node started while none could say is started blind.
 */
export async function restartDeadNodes(ctx: NemesisContext, membersWaitMs = 8000): Promise<{ nodes: string[]; skipped?: Record<string, string>; description: string }> {
  const { db } = ctx;
  const dead = ctx.nodes.filter((n) => !ctx.runtime.isRunning(n));
  const askMembers = async (waitMs: number): Promise<string[] | undefined> => {
    if (!hasMembership(db)) return undefined;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const members = await db.members(ctx.dbCtx).catch(() => undefined);
      if (members !== undefined || Date.now() >= deadline) return members;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  let members = dead.length > 0 ? await askMembers(0) : undefined;
  let askedAgain = false;
  let started = 0;
  const value = nodeFaultValue({ verb: 'restart', past: 'restarted' }, await actOnNodesInTurn(dead, async (node) => {
    if (members === undefined && started > 0) {
      members = await askMembers(askedAgain ? 0 : membersWaitMs);
      askedAgain = true;
    }
    if (members && !members.includes(node)) return 'not a member';
    await db.start(node, ctx.dbCtx);
    started++;
    return 'done';
  }), false);
  // A view asked while most nodes were down may be one node's stale configuration: once the
  // others run, ask again for a while and start a skipped node the cluster now counts as a member.
  const skipped = Object.entries(value.skipped ?? {}).filter(([, why]) => why === 'not a member').map(([node]) => node);
  const deadline = Date.now() + Math.min(membersWaitMs, 3000);
  while (skipped.length > 0 && started > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await askMembers(0);
    for (const node of skipped.filter((n) => now?.includes(n) && !ctx.runtime.isRunning(n))) {
      await db.start(node, ctx.dbCtx);
      skipped.splice(skipped.indexOf(node), 1);
      value.nodes.push(node);
      delete value.skipped?.[node];
    }
  }
  if (value.skipped && Object.keys(value.skipped).length === 0) delete value.skipped;
  const description = [value.nodes.length ? `restarted ${value.nodes.join(' ')}` : 'nothing to restart', value.skipped ? `skipped ${describeReasons(value.skipped)}` : ''].filter(Boolean).join('; ');
  return { ...value, description };
}
