// An OOM kill as a node event: one JSON line appended to the node's log, in the shape the report
// reads node events from (src/kv/node-events.ts), written by the controller when it notices the
// kill. Its time is the controller's clock (`clock: "controller"`), which no clock fault moves.
import { appendFileSync } from 'node:fs';
import { formatBytes } from './memory-cgroup.js';

export const OOM_EVENT = 'oom-killed';

/** The log line of one OOM kill of `node`'s process under a limit of `limitBytes` (if known). */
export function oomEventLine(node: string, atMs: number, limitBytes: number | undefined): string {
  const limit = limitBytes === undefined ? '' : ` under its memory limit of ${formatBytes(limitBytes)}`;
  return `${JSON.stringify({
    level: 50,
    time: atMs,
    node,
    event: OOM_EVENT,
    msg: `the kernel's OOM killer killed ${node}'s process${limit}`,
    ...(limitBytes !== undefined && { limitBytes }),
    clock: 'controller',
  })}\n`;
}

/** Appends the event to the node's log; a log that cannot be written only loses the annotation. */
export function recordOomKill(logPath: string, node: string, limitBytes: number | undefined): void {
  try {
    appendFileSync(logPath, oomEventLine(node, Date.now(), limitBytes));
  } catch {
    // the op values still count the kill
  }
}
