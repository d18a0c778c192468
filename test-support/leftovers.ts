// What a run can leave on the machine after it ends: mounts, cgroups, processes and containers of
// its own. Tests of "nothing outlives a run" read this after a run (ended, interrupted or killed);
// it only reads the machine, it never removes anything.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One thing still on the machine, in words: "mount /tmp/x/n1/data (fuse.faultfs)". */
export type Leftover = string;

/** Mounts whose mount point lies under `root` (FUSE data dirs, size-limited mounts). */
export function mountsUnder(root: string): Leftover[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields.length > 2 && (fields[1] ?? '').replace(/\\040/g, ' ').startsWith(root))
    .map((fields) => `mount ${fields[1]} (${fields[2]})`);
}

/** Processes other than `except` whose command line names `root` (node processes, FUSE daemons). */
export function processesNaming(root: string, except: readonly number[] = [process.pid]): Leftover[] {
  const found: Leftover[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || except.includes(Number(entry))) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(join('/proc', entry, 'cmdline'), 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue; // gone since the listing
    }
    if (cmdline.includes(root)) found.push(`process ${entry}: ${cmdline.slice(0, 160)}`);
  }
  return found;
}

/**
 * faultline's cgroups (directories named faultline* under the cgroup hierarchies, v1 and v2) and
 * what is inside them whose name contains `owner` (the controller's pid). Empty when none exist.
 */
export function cgroupsOf(owner: string, root = '/sys/fs/cgroup'): Leftover[] {
  const found: Leftover[] = [];
  const walk = (dir: string, depth: number, inFaultline: boolean): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      let isDir = false;
      try {
        isDir = statSync(path).isDirectory();
      } catch {
        continue;
      }
      if (!isDir) continue;
      const ours = inFaultline || name.startsWith('faultline');
      if (inFaultline && name.includes(owner)) found.push(`cgroup ${path}`);
      if (depth < 4) walk(path, depth + 1, ours);
    }
  };
  if (existsSync(root)) walk(root, 0, false);
  return found;
}

/** Everything above for one run: its store directory and the pid of its controller. */
export function leftoversOf(store: string, controllerPid: number): Leftover[] {
  return [...mountsUnder(store), ...processesNaming(store), ...cgroupsOf(String(controllerPid))];
}
