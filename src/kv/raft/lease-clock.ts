// Leader leases from heartbeat rounds. A follower that acknowledged round r refuses to vote for
// anyone else until a minimum election timeout has passed since it received r, so once a majority
// acknowledged r the leader may serve reads alone until (r sent at, by its own wall clock) + leaseMs,
// with leaseMs below that timeout. A wall clock that jumps or runs fast breaks this: that is the point
// of testing lease reads under clock faults.

export class LeaseClock {
  private rounds: { seq: number; sentAtMs: number }[] = [];

  constructor(readonly leaseMs: number) {}

  /** Records that round `seq` goes out no earlier than `nowMs` (call before sending its messages). */
  noteRound(seq: number, nowMs: number): void {
    const last = this.rounds[this.rounds.length - 1];
    if (last && seq <= last.seq) return;
    this.rounds.push({ seq, sentAtMs: nowMs });
    if (this.rounds.length > 4096) this.rounds.splice(0, this.rounds.length - 4096);
  }

  /** When the lease from rounds acknowledged up to `ackedSeq` ends (0: no lease). */
  expiresAtMs(ackedSeq: number): number {
    let found = -1;
    for (let i = 0; i < this.rounds.length && this.rounds[i]!.seq <= ackedSeq; i++) found = i;
    if (found < 0) return 0;
    const round = this.rounds[found]!;
    if (found > 0) this.rounds.splice(0, found);
    return round.sentAtMs + this.leaseMs;
  }

  /** Forgets every round (leadership changed). */
  reset(): void {
    this.rounds = [];
  }
}
