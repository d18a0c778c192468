// Shared by the adapters of real databases (etcd, redis, zookeeper): the node's address and log,
// and the readiness wait with a deadline that names the node, what it last said, and its log.
import { join } from 'node:path';
import { lastLoggedError, tailLines } from '../log-tail.js';
import { hasNodeAddresses } from '../runtime/runtime.js';
import type { DbContext } from './db.js';

/** A node's own address; real databases listen on their usual ports, so each node needs one. */
export function hostOf(ctx: DbContext, node: string, db: string): string {
  const { runtime } = ctx;
  if (!hasNodeAddresses(runtime)) {
    throw new Error(`db "${db}" needs nodes with addresses of their own; runtime "${runtime.name}" has none (use --runtime docker)`);
  }
  return runtime.nodeHost(node);
}

/** Where a node's database process writes its output. */
export function nodeLog(ctx: DbContext, node: string): string {
  return join(ctx.nodeDir(node), 'node.log');
}

/**
 * Polls `probe` for each node until it returns true. Throws, naming the node, its last answer and
 * its last log lines, when the node's process exits or the deadline passes.
 */
export async function awaitNodes(
  nodes: readonly string[],
  ctx: DbContext,
  deadlineMs: number,
  probe: (node: string) => Promise<true | string>,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (const node of nodes) {
    for (;;) {
      const answer = await probe(node).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
      if (answer === true) break;
      if (!ctx.runtime.isRunning(node)) {
        throw new Error(`node ${node} exited before it was ready (${lastLoggedError(nodeLog(ctx, node)) ?? answer}); last log lines:\n${tailLines(nodeLog(ctx, node))}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`node ${node} was not ready within ${deadlineMs / 1000} s (${answer}); last log lines:\n${tailLines(nodeLog(ctx, node))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
