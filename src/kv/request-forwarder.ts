// Forwards client ops from a non-leader to the leader over the peer links and relays the reply.
// A forward that gets no reply in time is indefinite for writes (the leader may have applied it).
import type { PeerTransport } from './peer-transport.js';
import { failure, isReadOnly, type KvOp, type KvReply } from './protocol.js';

/** Peer messages that carry forwarded ops and their replies. */
export type ForwardMessage = { k: 'fwd'; fid: number; op: KvOp } | { k: 'fwdResp'; fid: number; reply: KvReply };

interface Waiting {
  resolve: (reply: KvReply) => void;
  timer: NodeJS.Timeout;
}

export class RequestForwarder {
  private nextFid = 1;
  private readonly waiting = new Map<number, Waiting>();

  constructor(
    private readonly transport: PeerTransport,
    private readonly timeoutMs: number,
  ) {}

  /** Sends `op` to `leader` and resolves with its reply, or a failure when none arrives in time. */
  forward(leader: string, op: KvOp): Promise<KvReply> {
    const fid = this.nextFid++;
    return new Promise((resolve) => {
      // Never queue a forward while the link is down: it could then run much later, on a node that
      // is leader again, after we answered. Not sent at all is a definite failure.
      if (!this.transport.send(leader, { k: 'fwd', fid, op } satisfies ForwardMessage, { connectedOnly: true })) {
        resolve(failure('unreachable', true, `not connected to leader ${leader} (or its link buffer is full); op not sent`));
        return;
      }
      const timer = setTimeout(() => {
        this.waiting.delete(fid);
        // Reads change nothing, so a lost read is a definite failure; a lost write may have happened.
        resolve(failure('timeout', isReadOnly(op), `no reply from leader ${leader} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiting.set(fid, { resolve, timer });
    });
  }

  /** Delivers a reply that came back from the leader. */
  complete(fid: number, reply: KvReply): void {
    const waiting = this.waiting.get(fid);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.waiting.delete(fid);
    waiting.resolve(reply);
  }

  /** Answers every waiting op (at shutdown); the leader may still apply forwarded writes. */
  abandonAll(): void {
    for (const [fid, waiting] of this.waiting) {
      clearTimeout(waiting.timer);
      waiting.resolve(failure('shutting-down', false, `node stopped while op ${fid} was forwarded`));
    }
    this.waiting.clear();
  }
}
