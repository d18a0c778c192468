// The local runtime's reaper: a small process, started with the first node, that outlives a
// controller killed with SIGKILL. When the controller is gone it ends the node processes the
// controller recorded in its pid file, SIGCONT first (a node paused with SIGSTOP cannot notice
// anything by itself) and then SIGKILL. A pid is signalled only while its start time still
// matches the recorded one, so a reused pid is never touched. Lines "mount <dir>" name faultfs
// mounts (disk faults): faultfs unmounts itself when the controller dies, and the reaper unmounts
// lazily what one killed with SIGKILL left behind. With a memory fault in the run it then removes
// the run's memory cgroups, once their processes are gone.
//   node local-reaper.js <controller pid> <pid file> [<cgroup dir>]     (lines: "<pid> <start time>" or "mount <dir>")
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findMemoryCgroups, removeCgroupTree, sweepLeftoverCgroups } from './memory-cgroup.js';
import { processExists as processAlive } from '../kv/parent-watch.js';

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or undefined if it is gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Ends every recorded process that is still the one recorded; returns the pids it signalled. */
export function reapRecorded(pidFile: string): number[] {
  if (!existsSync(pidFile)) return [];
  const reaped: number[] = [];
  for (const line of readFileSync(pidFile, 'utf8').split('\n')) {
    if (line.startsWith('mount ')) continue;
    const [pidText, startTime] = line.trim().split(' ');
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid < 2 || startTime === undefined || processStartTime(pid) !== startTime) continue;
    for (const signal of ['SIGCONT', 'SIGKILL'] as const) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone in between
      }
    }
    reaped.push(pid);
  }
  return reaped;
}

/** Unmounts (lazily) every recorded faultfs mount still mounted; returns their paths. */
export function unmountRecorded(pidFile: string, mounts = () => readFileSync('/proc/mounts', 'utf8')): string[] {
  if (!existsSync(pidFile)) return [];
  const recorded = readFileSync(pidFile, 'utf8').split('\n').filter((l) => l.startsWith('mount ')).map((l) => l.slice('mount '.length));
  if (recorded.length === 0) return [];
  // /proc/mounts writes a space in a path as \040.
  const mounted = new Set(mounts().split('\n').filter((l) => l.split(' ')[2] === 'fuse.faultfs').map((l) => (l.split(' ')[1] ?? '').replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))));
  const unmounted: string[] = [];
  for (const dir of recorded) {
    if (!mounted.has(dir)) continue;
    try {
      execFileSync('fusermount3', ['-u', '-z', dir], { stdio: 'ignore' });
      unmounted.push(dir);
    } catch {
      // not ours to fix further: `faultline cleanup` names what is left
    }
  }
  return unmounted;
}

/** The name of a run's cgroup directory: its controller's pid and start time, so a reused pid is never taken for it. */
export function runCgroupName(pid = process.pid): string {
  return `${pid}-${processStartTime(pid) ?? 0}`;
}

/** Removes the memory cgroups of local runs whose controller is gone; none where this machine has no cgroups of ours. */
export async function sweepDeadRunsCgroups(): Promise<{ removed: string[]; left: string[] }> {
  const layout = findMemoryCgroups();
  if (typeof layout === 'string') return { removed: [], left: [] };
  return sweepLeftoverCgroups(layout, (name) => {
    const [pid, startTime] = name.split('-');
    return pid !== undefined && /^\d+$/.test(pid) && processStartTime(Number(pid)) === startTime;
  });
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const controller = Number(process.argv[2]);
  const pidFile = process.argv[3] ?? '';
  const cgroupDir = process.argv[4];
  if (!Number.isInteger(controller) || controller < 2 || pidFile === '') {
    process.stderr.write(`local-reaper: expected <controller pid> <pid file>, got ${JSON.stringify(process.argv.slice(2))}\n`);
    process.exit(2);
  }
  const timer = setInterval(() => {
    if (processAlive(controller)) return;
    clearInterval(timer);
    reapRecorded(pidFile);
    // faultfs unmounts itself as its parent dies; give it a moment before forcing what is left.
    setTimeout(() => {
      unmountRecorded(pidFile);
      rmSync(pidFile, { force: true });
    }, 1000);
    if (cgroupDir !== undefined) void removeCgroupTree(cgroupDir, 10_000);
  }, 500);
}
