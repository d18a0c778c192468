// Whether a process exists, by signal 0 (which signals nothing): EPERM means it exists as another user's.

/** True while `pid` names a live process (of any user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
