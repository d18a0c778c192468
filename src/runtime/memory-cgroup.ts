// Memory cgroups of the local runtime. With a memory fault in the run, each node's process starts
// in a cgroup of its own, <memory hierarchy>/faultline/<controller pid>-<its start time>/<node>,
// where the fault sets and lifts a limit and the kernel counts OOM kills. The run's teardown
// removes them; those of a controller that died are removed by its reaper, by the next run with a
// memory fault, or by `faultline cleanup` (sweepLeftoverCgroups).
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemoryLimit } from './runtime.js';

/** Where the memory controller is: a cgroup v1 hierarchy of its own, or the unified v2 one. */
export interface CgroupLayout {
  version: 1 | 2;
  /** The mount point of the hierarchy holding the memory controller. */
  root: string;
}

export const CGROUP_MOUNT = '/sys/fs/cgroup';
/** The directory under the memory hierarchy that holds every run's cgroups. */
export const FAULTLINE_CGROUP = 'faultline';
const PAGE = 4096;
const MIB = 1024 * 1024;

/** The memory hierarchy on this machine if faultline can make cgroups there, else why not (one line). */
export function findMemoryCgroups(mount = CGROUP_MOUNT, euid = process.geteuid?.() ?? -1): CgroupLayout | string {
  let layout: CgroupLayout | undefined;
  if (existsSync(join(mount, 'memory', 'memory.limit_in_bytes'))) layout = { version: 1, root: join(mount, 'memory') };
  else if (readText(join(mount, 'cgroup.controllers'))?.split(/\s+/).includes('memory')) layout = { version: 2, root: mount };
  if (!layout) return `no cgroup memory controller under ${mount} (neither v1 ${join(mount, 'memory')} nor v2 cgroup.controllers with memory); use --runtime docker`;
  if (euid !== 0) return `memory limits need root to make cgroups under ${layout.root} (faultline runs as uid ${euid}); run as root or use --runtime docker`;
  try {
    accessSync(layout.root, constants.W_OK);
  } catch (err) {
    return `cannot write to ${layout.root} (${(err as NodeJS.ErrnoException).code ?? String(err)}), so nodes cannot get cgroups of their own; use --runtime docker`;
  }
  return layout;
}

/** The bytes a cgroup holds that pressure cannot simply drop: its usage less the inactive file cache (as `docker stats` counts). */
export function bytesInUse(usageBytes: number, statText: string, version: 1 | 2): number {
  const inactive = statValue(statText, version === 1 ? 'total_inactive_file' : 'inactive_file') ?? 0;
  return Math.max(0, usageBytes - inactive);
}

/** The `oom_kill N` count of memory.oom_control (v1) or memory.events (v2); 0 when the kernel does not count them. */
export function parseOomKills(text: string): number {
  return statValue(text, 'oom_kill') ?? 0;
}

function statValue(text: string, key: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${key} `));
  const value = line === undefined ? undefined : Number(line.slice(key.length + 1).trim());
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** The cgroups of one run: one per node, made when the node first starts. */
export class MemoryCgroups {
  /** This run's directory: <root>/faultline/<name>. */
  readonly dir: string;

  constructor(private readonly layout: CgroupLayout, name: string) {
    this.dir = join(layout.root, FAULTLINE_CGROUP, name);
  }

  /** Makes the node's cgroup (if not there yet); returns its cgroup.procs file, where a process puts itself. */
  create(node: string): string {
    const dir = this.nodeDir(node);
    if (!existsSync(dir)) {
      // Another run's teardown may remove faultline/ between our two mkdirs: try again once.
      for (let attempt = 0; ; attempt++) {
        try {
          this.enableMemory(join(this.layout.root, FAULTLINE_CGROUP));
          this.enableMemory(this.dir);
          makeDir(dir);
          break;
        } catch (err) {
          if (attempt > 0 || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot make the memory cgroup ${dir}: ${messageOf(err)}`);
        }
      }
    }
    return join(dir, 'cgroup.procs');
  }

  /** The bytes the node's cgroup holds now (see bytesInUse). */
  usage(node: string): number {
    const dir = this.nodeDir(node);
    const usage = Number(readFileSync(join(dir, this.layout.version === 1 ? 'memory.usage_in_bytes' : 'memory.current'), 'utf8').trim());
    return bytesInUse(usage, readFileSync(join(dir, 'memory.stat'), 'utf8'), this.layout.version);
  }

  /**
   * Sets the node's limit. cgroup v2 reclaims and, failing that, OOM-kills at once. cgroup v1
   * refuses (EBUSY) a limit below what it cannot reclaim: the limit is then set at what the node
   * holds now, so that it cannot grow, and the result says so.
   */
  setLimit(node: string, bytes: number): MemoryLimit {
    const dir = this.nodeDir(node);
    const asked = Math.max(PAGE, Math.ceil(bytes / PAGE) * PAGE);
    if (this.layout.version === 2) {
      writeFileSync(join(dir, 'memory.max'), String(asked));
      if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
      return { limitBytes: asked };
    }
    if (this.tryLimitV1(dir, asked)) return { limitBytes: asked };
    for (let attempt = 0; attempt < 5; attempt++) {
      const held = Number(readFileSync(join(dir, 'memory.usage_in_bytes'), 'utf8').trim());
      const at = Math.ceil(held / PAGE) * PAGE + attempt * MIB;
      if (this.tryLimitV1(dir, at)) return { limitBytes: at, raised: `cgroup v1 could not reclaim below the ${formatBytes(held)} the node held, so the limit is set there, where it cannot grow` };
    }
    throw new Error(`cannot limit the memory of ${node}: cgroup v1 refused ${asked} bytes and the node's own usage (EBUSY: the kernel could not reclaim)`);
  }

  /** Lifts the node's limit (the kernel's own "no limit"); a node without a cgroup is left alone. */
  unlimit(node: string): void {
    const dir = this.nodeDir(node);
    if (!existsSync(dir)) return;
    if (this.layout.version === 2) {
      writeFileSync(join(dir, 'memory.max'), 'max');
      if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), 'max');
      return;
    }
    // memsw (memory + swap) may never be below the memory limit: lift it first.
    if (existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), '-1');
    writeFileSync(join(dir, 'memory.limit_in_bytes'), '-1');
  }

  /** The limit in force now, in bytes (undefined: none). */
  limit(node: string): number | undefined {
    const text = readText(join(this.nodeDir(node), this.layout.version === 1 ? 'memory.limit_in_bytes' : 'memory.max'))?.trim();
    if (text === undefined || text === 'max') return undefined;
    const bytes = Number(text);
    return bytes >= 2 ** 62 ? undefined : bytes;
  }

  /** How many times the kernel OOM-killed a process of the node's cgroup. */
  oomKills(node: string): number {
    return parseOomKills(readText(join(this.nodeDir(node), this.layout.version === 1 ? 'memory.oom_control' : 'memory.events')) ?? '');
  }

  /** Removes the run's cgroups once their processes are gone (waiting up to `waitMs`); throws naming what is left. */
  async remove(waitMs = 5_000): Promise<void> {
    const left = await removeCgroupTree(this.dir, waitMs);
    if (left.length > 0) throw new Error(`could not remove the memory cgroups ${left.join(', ')}: processes are still in them`);
  }

  private nodeDir(node: string): string {
    return join(this.dir, node);
  }

  private tryLimitV1(dir: string, bytes: number): boolean {
    try {
      writeFileSync(join(dir, 'memory.limit_in_bytes'), String(bytes));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EBUSY') return false;
      throw err;
    }
    // No swapping around the limit: memory + swap gets the same one (never below the memory limit).
    if (existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), String(bytes));
    return true;
  }

  /** Makes a directory whose children get the memory controller (v2 enables it per subtree). */
  private enableMemory(dir: string): void {
    makeDir(dir);
    if (this.layout.version === 2 && !readText(join(dir, 'cgroup.subtree_control'))?.includes('memory')) writeFileSync(join(dir, 'cgroup.subtree_control'), '+memory');
  }
}

/**
 * Removes a run's cgroup directory and its nodes' ones, each once its processes are gone (waiting
 * up to `waitMs` for processes just killed); returns the directories it could not remove.
 */
export async function removeCgroupTree(dir: string, waitMs: number): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const deadline = Date.now() + waitMs;
  const dirs = [...subdirs(dir).map((d) => join(dir, d)), dir];
  const left: string[] = [];
  for (const d of dirs) {
    for (;;) {
      try {
        rmdirSync(d);
        break;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || Date.now() > deadline) {
          left.push(d);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
  // faultline/ itself goes when no run has cgroups any more (another run may be making one now: then it stays).
  const parent = join(dir, '..');
  try {
    if (subdirs(parent).length === 0) rmdirSync(parent);
  } catch {
    // in use by another run
  }
  return left;
}

/**
 * Removes the cgroups of runs whose controller is gone (`ownerAlive` says, from the directory's
 * name), ending any process still in them first: only nodes of those runs were put there.
 */
export async function sweepLeftoverCgroups(layout: CgroupLayout, ownerAlive: (name: string) => boolean): Promise<{ removed: string[]; left: string[] }> {
  const top = join(layout.root, FAULTLINE_CGROUP);
  const removed: string[] = [];
  const left: string[] = [];
  for (const name of existsSync(top) ? subdirs(top) : []) {
    if (ownerAlive(name)) continue;
    const dir = join(top, name);
    for (const node of subdirs(dir)) {
      for (const pid of (readText(join(dir, node, 'cgroup.procs')) ?? '').split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 1)) {
        for (const signal of ['SIGCONT', 'SIGKILL'] as const) {
          try {
            process.kill(pid, signal);
          } catch {
            // gone in between
          }
        }
      }
    }
    const notRemoved = await removeCgroupTree(dir, 5_000);
    if (notRemoved.length === 0) removed.push(dir);
    else left.push(...notRemoved);
  }
  return { removed, left };
}

/** "61.5 MB". */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** mkdir that takes an existing directory as made (another run may make faultline/ at the same time). */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
