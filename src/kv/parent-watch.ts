// Exits with the controller: when FAULTLINE_PARENT_PID is set, the node checks every second that
// this process still exists, so a controller killed with SIGKILL leaves no orphan nodes behind.
// processExists is also the runtime's one test of a pid (file locks, cleanup, the local reaper):
// the store imports nothing outside src/kv, so the one copy lives here.

/** Parses FAULTLINE_PARENT_PID; undefined when unset, an error naming the value when it is not a pid. */
export function parseParentPid(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new Error(`FAULTLINE_PARENT_PID ${JSON.stringify(text)}: expected a process id (a positive integer)`);
  return Number(text);
}

/** True while a process with `pid` exists (EPERM: it exists but is not ours to signal). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Calls `onGone` once when `pid` no longer exists, polling every `intervalMs`; returns a stop function. */
export function watchParent(pid: number, onGone: () => void, intervalMs = 1000): () => void {
  const timer = setInterval(() => {
    if (processExists(pid)) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
