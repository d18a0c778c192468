// The live progress line: elapsed / limit, ops per second, ok/fail/info counts, active faults.
// On a terminal it rewrites one line each second; elsewhere (CI logs) it prints a line every 10 s.
import type { Op } from './op.js';

export class Progress {
  private ok = 0;
  private fail = 0;
  private info = 0;
  private completedAtLastTick = 0;
  private lastTickNs = 0;
  private readonly activeFaults = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private phase = 'starting';

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly timeLimitS: number,
    private readonly nowNs: () => number,
  ) {}

  /** Counts an op of the history. */
  record(op: Op): void {
    if (op.process === 'nemesis') {
      if (op.type === 'invoke' || op.error !== undefined) return;
      const [edge, fault] = op.f.split(/-(.*)/) as [string, string];
      const description = (op.value as { description?: string } | null)?.description;
      if (edge === 'start') this.activeFaults.set(fault, description ? `${fault} ${description}` : fault);
      else if (edge === 'stop') this.activeFaults.delete(fault);
      return;
    }
    if (op.type === 'ok') this.ok++;
    else if (op.type === 'fail') this.fail++;
    else if (op.type === 'info') this.info++;
  }

  setPhase(phase: string): void {
    this.phase = phase;
  }

  start(): void {
    const interactive = Boolean(this.out.isTTY);
    let ticks = 0;
    this.timer = setInterval(() => {
      ticks++;
      if (interactive) this.out.write(`\r${this.line()}\x1b[K`);
      else if (ticks % 10 === 0) this.out.write(`${this.line()}\n`);
    }, 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.out.isTTY) this.out.write(`\r${this.line()}\x1b[K\n`);
  }

  line(): string {
    const now = this.nowNs();
    const completed = this.ok + this.fail + this.info;
    const rate = now > this.lastTickNs ? ((completed - this.completedAtLastTick) * 1e9) / (now - this.lastTickNs) : 0;
    this.completedAtLastTick = completed;
    this.lastTickNs = now;
    const faults = this.activeFaults.size ? [...this.activeFaults.values()].join('; ') : 'none';
    const elapsed = (now / 1e9).toFixed(0);
    return `[${this.phase} ${elapsed}s/${this.timeLimitS}s] ${rate.toFixed(0)} ops/s | ok ${this.ok} fail ${this.fail} info ${this.info} | faults: ${faults}`;
  }
}
