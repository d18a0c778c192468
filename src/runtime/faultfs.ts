// faultfs (native/faultfs/faultfs.c), faultline's FUSE layer over a node's data directory: it holds
// what the database wrote but did not fsync in memory, so a fault can lose it as a power failure
// would, and it can report the disk full. This module builds it with gcc (cached by the hash of its
// source), mounts it over a directory, speaks its stdin/stdout control protocol, and unmounts it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { cacheDir } from './docker-images.js';
import { packageRoot } from './package-root.js';
import type { FaultyDisks, LostWrites } from './runtime.js';

/** What faultfs holds now. */
export interface FaultfsStatus {
  unsyncedFiles: number;
  unsyncedBytes: number;
  full: boolean;
  /** Bytes a full disk still takes; -1 when it is not full. */
  roomBytes: number;
}

const TOOLS = { fusermount3: 'fuse3', gcc: 'gcc', 'pkg-config': 'pkg-config' } as const;
const INSTALL = 'apt-get install fuse3 libfuse3-dev gcc pkg-config';

let missing: string | undefined | null = null;

/** Why faultfs cannot be built and mounted on this machine (one line), or undefined when it can. */
export function faultfsMissing(): string | undefined {
  if (missing !== null) return missing;
  missing = findMissing();
  return missing;
}

function findMissing(): string | undefined {
  if (process.platform !== 'linux') return `faultfs is a Linux FUSE filesystem; this is ${process.platform}`;
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch {
    return existsSync('/dev/fuse') ? 'cannot open /dev/fuse for reading and writing (run as root)' : 'no /dev/fuse on this machine (the kernel has no FUSE, or this container was started without --device /dev/fuse)';
  }
  for (const [tool, pkg] of Object.entries(TOOLS)) {
    if (!onPath(tool)) return `${tool} is not installed (apt-get install ${pkg}; faultfs needs ${INSTALL})`;
  }
  if (spawnSync('pkg-config', ['--exists', 'fuse3'], { stdio: 'ignore' }).status !== 0) return `the fuse3 headers are not installed (apt-get install libfuse3-dev; faultfs needs ${INSTALL})`;
  return undefined;
}

function onPath(tool: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, tool)));
}

let built: Promise<string> | undefined;

/** The faultfs binary, compiled once per source version into faultline's cache (~/.cache/faultline/faultfs-<hash>/). */
export function buildFaultfs(): Promise<string> {
  built ??= compile().catch((err: unknown) => {
    built = undefined;
    throw err;
  });
  return built;
}

async function compile(): Promise<string> {
  const why = faultfsMissing();
  if (why !== undefined) throw new Error(`cannot build faultfs: ${why}`);
  const source = join(packageRoot(), 'native', 'faultfs', 'faultfs.c');
  if (!existsSync(source)) throw new Error(`cannot build faultfs: its source ${source} is missing from the faultline package`);
  const { execa } = await import('execa');
  const flags = (await execa('pkg-config', ['fuse3', '--cflags', '--libs'])).stdout.split(/\s+/).filter(Boolean);
  const hash = createHash('sha256').update(readFileSync(source)).update(flags.join(' ')).digest('hex').slice(0, 16);
  const dir = join(cacheDir(), `faultfs-${hash}`);
  const binary = join(dir, 'faultfs');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const partial = `${binary}.${process.pid}.partial`;
  const result = await execa('gcc', ['-O2', '-Wall', '-o', partial, source, ...flags, '-lpthread'], { reject: false, all: true });
  if (result.exitCode !== 0) {
    rmSync(partial, { force: true });
    const first = (result.all ?? '').split('\n').find((line) => /error/.test(line)) ?? (result.all ?? '').split('\n')[0];
    throw new Error(`cannot build faultfs: gcc exited with ${result.exitCode}: ${first}`);
  }
  renameSync(partial, binary);
  return binary;
}

/** A faultfs mounted over one directory, and its control channel. */
export class FaultfsMount {
  private readonly waiting: Array<{ resolve: (reply: Record<string, unknown>) => void; reject: (err: Error) => void }> = [];
  private stderr = '';
  private exited: string | undefined;
  private readonly exit: Promise<void>;

  private constructor(readonly dir: string, private readonly child: ChildProcess) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-2000);
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let reply: Record<string, unknown>;
      try {
        reply = JSON.parse(line) as Record<string, unknown>;
      } catch {
        reply = { ok: false, error: `faultfs answered ${JSON.stringify(line)}; expected one JSON line` };
      }
      this.waiting.shift()?.resolve(reply);
    });
    this.exit = new Promise((done) => {
      child.on('exit', (code, signal) => {
        this.exited = `faultfs on ${dir} exited (${signal ?? `status ${code}`})${this.stderr.trim() ? `: ${this.stderr.trim().split('\n').pop()}` : ''}`;
        for (const w of this.waiting.splice(0)) w.reject(new Error(this.exited));
        done();
      });
      child.on('error', (err) => {
        this.exited = `faultfs on ${dir} could not start: ${err.message}`;
        for (const w of this.waiting.splice(0)) w.reject(new Error(this.exited));
        done();
      });
    });
  }

  /**
   * Mounts faultfs over `dir` (made if missing); its files stay and are served through it. With
   * `allowOther`, processes of other users (a container's) may use it; that needs root, or
   * user_allow_other in /etc/fuse.conf.
   */
  static async mount(binary: string, dir: string, options: { allowOther?: boolean } = {}): Promise<FaultfsMount> {
    const path = resolve(dir);
    mkdirSync(path, { recursive: true });
    if (mountedFaultfs().includes(path)) throw new Error(`cannot mount faultfs on ${path}: a faultfs is already mounted there`);
    // Its own process group: a terminal's Ctrl-C reaches the controller, which unmounts in order.
    const child = spawn(binary, [...(options.allowOther ? ['--allow-other'] : []), path], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const mount = new FaultfsMount(path, child);
    const ready = await Promise.race([mount.reply(), mount.exit.then(() => undefined), sleep(10_000).then(() => 'timeout' as const)]);
    if (ready === 'timeout' || ready === undefined || ready['ready'] !== true) {
      child.kill('SIGKILL');
      await unmountLazily(path);
      throw new Error(ready === 'timeout' ? `faultfs did not mount on ${path} within 10 s` : mount.exited ?? `faultfs on ${path} answered ${JSON.stringify(ready)}; expected {"ok":true,"ready":true}`);
    }
    return mount;
  }

  /** The faultfs process's id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private reply(): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      if (this.exited) reject(new Error(this.exited));
      else this.waiting.push({ resolve, reject });
    });
  }

  /** Sends one control command and returns faultfs's answer; throws its error in one line. */
  async command(line: string): Promise<Record<string, unknown>> {
    if (this.exited) throw new Error(this.exited);
    const answer = this.reply();
    this.child.stdin!.write(`${line}\n`);
    const reply = await answer;
    if (reply['ok'] !== true) throw new Error(`faultfs on ${this.dir}: ${line}: ${String(reply['error'] ?? JSON.stringify(reply))}`);
    return reply;
  }

  /** Drops every write not fsynced yet, as a power failure would. Call it while nothing writes (the node is dead). */
  async loseUnsynced(): Promise<LostWrites> {
    const r = await this.command('lose-unsynced');
    return { files: Number(r['lostFiles']), bytes: Number(r['lostBytes']), truncations: Number(r['lostTruncations']), paths: (r['paths'] as string[] | undefined) ?? [] };
  }

  /** Makes the disk full but `roomBytes`: growing files beyond fails with ENOSPC, and statfs shows the space gone. */
  async fill(roomBytes: number): Promise<void> {
    if (!Number.isInteger(roomBytes) || roomBytes < 0) throw new Error(`fill: room ${roomBytes} is not valid; expected a whole number of bytes >= 0`);
    await this.command(`fill ${roomBytes}`);
  }

  async free(): Promise<void> {
    await this.command('free');
  }

  async status(): Promise<FaultfsStatus> {
    const r = await this.command('status');
    return { unsyncedFiles: Number(r['unsyncedFiles']), unsyncedBytes: Number(r['unsyncedBytes']), full: r['full'] === true, roomBytes: Number(r['roomBytes']) };
  }

  /** Writes back what is unsynced, unmounts and waits for faultfs to exit; forces both after 10 s. */
  async unmount(): Promise<void> {
    if (!this.exited) {
      this.child.stdin!.end('unmount\n');
      const done = await Promise.race([this.exit.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) this.child.kill('SIGKILL');
    }
    if (mountedFaultfs().includes(this.dir)) await unmountLazily(this.dir);
  }

  /** Ends faultfs at once (SIGTERM: it unmounts itself), for a controller exiting without teardown. */
  signalExit(): void {
    if (!this.exited && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
}

/** Mount points of faultfs filesystems on this machine, from /proc/mounts. */
export function mountedFaultfs(mounts = readMounts()): string[] {
  return mounts.split('\n').flatMap((line) => {
    const [, point, type] = line.split(' ');
    return type === 'fuse.faultfs' && point !== undefined ? [point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))] : [];
  });
}

function readMounts(): string {
  try {
    return readFileSync('/proc/mounts', 'utf8');
  } catch {
    return '';
  }
}

/** Detaches a mount now (its daemon may be gone): fusermount3 -u -z, else umount -l. */
export async function unmountLazily(dir: string): Promise<void> {
  const { execa } = await import('execa');
  const fuse = await execa('fusermount3', ['-u', '-z', dir], { reject: false });
  if (fuse.exitCode === 0 || !mountedFaultfs().includes(dir)) return;
  const plain = await execa('umount', ['-l', dir], { reject: false });
  if (plain.exitCode !== 0 && mountedFaultfs().includes(dir)) throw new Error(`cannot unmount faultfs from ${dir}: ${fuse.stderr.trim() || plain.stderr.trim()}`);
}

/** faultfs mounts whose faultfs is gone (killed with SIGKILL): the kernel answers ENOTCONN there. */
export function staleFaultfs(points = mountedFaultfs()): string[] {
  return points.filter((point) => {
    try {
      statSync(point);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOTCONN';
    }
  });
}

/** Unmounts every faultfs under `root` (a run's directory), or every faultfs there is; returns the mount points. */
export async function unmountFaultfsUnder(root?: string): Promise<string[]> {
  const prefix = root === undefined ? undefined : `${resolve(root)}/`;
  const points = mountedFaultfs().filter((p) => prefix === undefined || p.startsWith(prefix));
  for (const point of points) await unmountLazily(point);
  return points;
}

/**
 * The faulty disks of one run's nodes: faultfs mounted over each node's data directory before its
 * database first starts, kept across restarts (so what a killed node did not fsync can be lost),
 * and unmounted at teardown.
 */
export class FaultyDiskMounts {
  private readonly mounts = new Map<string, FaultfsMount>();

  constructor(private readonly options: { allowOther: boolean }) {}

  /** Builds faultfs (or finds it built). */
  async prepare(): Promise<void> {
    await buildFaultfs();
  }

  /** Mounts faultfs over the node's data directory unless it already is. */
  async mountFor(node: string, dataDir: string | undefined, dbName = 'the database'): Promise<void> {
    if (dataDir === undefined) throw new Error(`disk faults need ${dbName}'s data directory on ${node}, and its process names none (ProcessSpec.dataDir)`);
    const current = this.mounts.get(node);
    if (current?.dir === resolve(dataDir)) return;
    if (current) {
      this.mounts.delete(node);
      await current.unmount();
    }
    this.mounts.set(node, await FaultfsMount.mount(await buildFaultfs(), dataDir, this.options));
  }

  /** The node's faultfs; throws one line when it has none. */
  of(node: string): FaultfsMount {
    const mount = this.mounts.get(node);
    if (!mount) throw new Error(`${node} has no faulty disk: its database has not started with a data directory faultfs could mount over`);
    return mount;
  }

  /** Mount points, for the reaper. */
  points(): string[] {
    return [...this.mounts.values()].map((m) => m.dir);
  }

  /** Unmounts every node's faultfs (their processes should be dead: their files are then closed). */
  async unmountAll(): Promise<void> {
    const all = [...this.mounts.values()];
    this.mounts.clear();
    const failed = (await Promise.allSettled(all.map((m) => m.unmount()))).flatMap((r) => (r.status === 'rejected' ? [String(r.reason instanceof Error ? r.reason.message : r.reason)] : []));
    if (failed.length > 0) throw new Error(failed.join('; '));
  }

  /** Tells every faultfs to unmount itself now, for a controller exiting without teardown. */
  signalExit(): void {
    for (const mount of this.mounts.values()) mount.signalExit();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * The FaultyDisks capability of a runtime over its run's mounts (`undefined` when no fault of the
 * run asked for faulty disks): both runtimes expose it alike, since faultfs always runs on the host.
 */
export function faultyDisksOver(disks: FaultyDiskMounts | undefined, isRunning: (node: string) => boolean): FaultyDisks {
  const disk = (node: string): FaultfsMount => {
    if (!disks) throw new Error(`${node} has no faulty disk: no fault of this run asked for one when it started`);
    return disks.of(node);
  };
  return {
    faultyDiskSupport: () => faultfsMissing() ?? true,
    async loseUnsynced(node) {
      if (isRunning(node)) throw new Error(`cannot lose the unsynced writes of ${node} while it runs; expected it killed first`);
      return disk(node).loseUnsynced();
    },
    async fillDisk(node, roomBytes) {
      await disk(node).fill(roomBytes);
    },
    async freeDisk(node) {
      await disk(node).free();
    },
  };
}
