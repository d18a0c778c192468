// The cluster events a node's log records (lines with an `event` field: role changes, elections,
// failovers, rollbacks, repairs), parsed back for a timeline. The log is pino JSON, one object a
// line; lines without an event, or that are not JSON (a crash trace), are skipped.

/** One event: when (wall-clock ms, the node's own clock), which node, what, and the log's message. */
export interface NodeEvent {
  timeMs: number;
  node: string;
  event: string;
  message: string;
  /** The rest of the line's fields (term, epoch, leader, discarded, keys, peers, ...). */
  detail: Record<string, unknown>;
}

/** Every event in a node's log text, in the order logged. */
export function parseNodeEvents(logText: string): NodeEvent[] {
  const events: NodeEvent[] = [];
  for (const line of logText.split('\n')) {
    if (!line.includes('"event"')) continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const { time, node, event, msg, level: _level, pid: _pid, hostname: _hostname, ...detail } = parsed;
    if (typeof event !== 'string' || typeof time !== 'number') continue;
    events.push({ timeMs: time, node: typeof node === 'string' ? node : '?', event, message: typeof msg === 'string' ? msg : event, detail });
  }
  return events;
}
