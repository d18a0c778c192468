// A lock shared by every faultline process on this machine: a file created with O_EXCL that names
// its holder's pid. Used where processes share one directory that a tool writes in place (the
// debootstrap rootfs whose apt downloads every image's packages): several processes building images
// at once broke apt's cache there. A lock whose holder is gone (a killed process) is taken over.
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { processExists as processAlive } from '../kv/parent-watch.js';

export interface FileLockOptions {
  /** How long to wait for the holder, in ms (default 20 minutes: a debootstrap takes about one). */
  timeoutMs?: number;
  /** Polling interval in ms (default 250). */
  pollMs?: number;
  /** Told once when the lock is held by another process, with its pid. */
  onWait?: (holder: number) => void;
}

/** Runs `fn` holding the lock at `path` (created, and removed after), waiting for any other holder. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20 * 60_000;
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    const taken = tryTake(path);
    if (taken === 'taken') break;
    if (taken !== undefined && !told) {
      options.onWait?.(taken);
      told = true;
    }
    if (Date.now() > deadline) throw new Error(`${path} is still held by pid ${taken ?? '?'} after ${Math.round(timeoutMs / 1000)} s; if no faultline process runs, remove it`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

/** 'taken', or the pid that holds the lock (undefined while its file is being written). */
function tryTake(path: string): 'taken' | number | undefined {
  try {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return 'taken';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let holder: number;
  try {
    holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch {
    return undefined; // removed meanwhile: try again
  }
  if (!Number.isInteger(holder)) {
    // Its holder is writing its pid, or died before it could: an empty file older than 5 s is taken over.
    try {
      if (statSync(path).mtimeMs < Date.now() - 5_000) rmSync(path, { force: true });
    } catch {
      // removed meanwhile
    }
    return undefined;
  }
  if (!processAlive(holder)) rmSync(path, { force: true }); // a holder that died: the next try takes it
  return holder;
}
