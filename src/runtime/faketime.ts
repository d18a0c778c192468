// Clock faults through libfaketime: a node's database process runs with libfaketime preloaded and
// reads its clock from a control file that the controller rewrites; with FAKETIME_NO_CACHE it
// re-reads the file on every clock call, so offsets and rates change while the process runs.
// Only that process is affected: never the machine's clock, never other processes.
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeClock } from './runtime.js';

/** The control file of a node, beside its log in the node's directory of the run. */
export const CLOCK_FILE = 'clock.faketime';

/**
 * The libfaketime spec for a wanted clock. libfaketime measures a rate from the moment the
 * process loaded it: faked(t) = t + offset + (t - start) * (rate - 1). So to be `offsetS` ahead
 * at `nowMs` and run at `rate` from then on, the spec's offset must cancel the drift the rate
 * would have accumulated since `startMs`.
 */
export function faketimeSpec(clock: NodeClock, nowMs: number, startMs: number): string {
  const offsetS = clock.offsetS - ((nowMs - startMs) / 1000) * (clock.rate - 1);
  const sign = offsetS < 0 ? '-' : '+';
  return `${sign}${Math.abs(offsetS).toFixed(3)} x${clock.rate}`;
}

/** One node's faked clock: what it was set to, and since when its process has been running. */
export class FaketimeClock {
  private clock: NodeClock = { offsetS: 0, rate: 1 };
  private setAtMs = Date.now();
  private processStartMs = Date.now();

  constructor(readonly path: string) {}

  /** Writes the current clock for a process that starts now (its rate is measured from here). */
  processStarting(nowMs = Date.now()): void {
    const offsetS = this.offsetS(nowMs);
    this.processStartMs = nowMs;
    this.set({ offsetS, rate: this.clock.rate }, nowMs);
  }

  /** Corrects when the process really started (libfaketime's origin for rates), keeping its clock. */
  processStartedAt(startMs: number, nowMs = Date.now()): void {
    this.processStartMs = startMs;
    this.set({ offsetS: this.offsetS(nowMs), rate: this.clock.rate }, nowMs);
  }

  set(clock: NodeClock, nowMs = Date.now()): void {
    this.clock = { ...clock };
    this.setAtMs = nowMs;
    // Write, then rename: a process reading the file never sees half a spec.
    const temp = `${this.path}.tmp`;
    writeFileSync(temp, faketimeSpec(clock, nowMs, this.processStartMs) + '\n');
    renameSync(temp, this.path);
  }

  /** Seconds the process's clock is ahead of the real clock at `nowMs`. */
  offsetS(nowMs = Date.now()): number {
    return this.clock.offsetS + ((nowMs - this.setAtMs) / 1000) * (this.clock.rate - 1);
  }
}

/**
 * When the first child of `parentPid` started, in ms since the epoch, from this machine's /proc
 * (10 ms resolution), or undefined if it cannot be read. Its start is libfaketime's origin: a
 * process's estimate taken when it was asked to start can be a second early on a loaded machine,
 * and a rate turns that error into a jump.
 */
export function childStartMs(parentPid: number, nowMs = Date.now()): number | undefined {
  try {
    const child = readFileSync(`/proc/${parentPid}/task/${parentPid}/children`, 'utf8').trim().split(/\s+/)[0];
    if (!child) return undefined;
    const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]); // field 22: starttime, in clock ticks (100/s)
    const uptimeS = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Number.isFinite(startTicks) && Number.isFinite(uptimeS) ? nowMs - (uptimeS - startTicks / 100) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** The machine's libfaketime, if installed (Debian's libfaketime package). */
export function hostLibfaketime(): string | undefined {
  const libs = existsSync('/usr/lib') ? readdirSync('/usr/lib') : [];
  for (const dir of libs) {
    const lib = join('/usr/lib', dir, 'faketime', 'libfaketime.so.1');
    if (existsSync(lib)) return lib;
  }
  return undefined;
}

/** The environment that makes a process read its clock from `controlFile`. */
export function faketimeEnv(library: string, controlFile: string): Record<string, string> {
  return {
    LD_PRELOAD: library,
    FAKETIME_TIMESTAMP_FILE: controlFile,
    FAKETIME_NO_CACHE: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
    NO_FAKE_STAT: '1',
  };
}
