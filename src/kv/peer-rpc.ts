// Request/response between nodes over the peer transport, for the modes that ask replicas things
// (quorum reads and writes, anti-entropy, primary elections). A call that gets no answer in time
// resolves to undefined: the caller decides whether that is definite (nothing sent) or not.
import type { PeerTransport } from './peer-transport.js';

/** Peer messages that carry calls and their answers. */
export type RpcMessage = { k: 'rpc'; id: number; body: unknown } | { k: 'rpcReply'; id: number; body: unknown };

/** Answers a call from a peer; a rejection sends no answer (the caller times out). */
export type RpcHandler = (from: string, body: unknown) => Promise<unknown> | unknown;

interface Waiting {
  resolve: (outcome: CallOutcome) => void;
  timer: NodeJS.Timeout;
}

/** What a call came to: an answer, no answer in time, or not sent at all (not connected, buffer full). */
export type CallOutcome = { answered: true; body: unknown } | { answered: false; sent: boolean };

export class PeerRpc {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private stopped = false;

  constructor(
    private readonly transport: PeerTransport,
    private readonly handler: RpcHandler,
  ) {}

  /** Calls `peer`; only sends on an established connection (a queued call could run much later). */
  call(peer: string, body: unknown, timeoutMs: number): Promise<CallOutcome> {
    const id = this.nextId++;
    if (this.stopped || !this.transport.send(peer, { k: 'rpc', id, body } satisfies RpcMessage, { connectedOnly: true })) {
      return Promise.resolve({ answered: false, sent: false });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ answered: false, sent: true });
      }, timeoutMs);
      this.waiting.set(id, { resolve, timer });
    });
  }

  /** Handles an rpc or rpcReply message; false when the message is neither. */
  deliver(from: string, message: { k?: unknown }): boolean {
    if (message.k === 'rpcReply') {
      const m = message as Extract<RpcMessage, { k: 'rpcReply' }>;
      const waiting = this.waiting.get(m.id);
      if (waiting) {
        this.waiting.delete(m.id);
        clearTimeout(waiting.timer);
        waiting.resolve({ answered: true, body: m.body });
      }
      return true;
    }
    if (message.k !== 'rpc') return false;
    const m = message as Extract<RpcMessage, { k: 'rpc' }>;
    void Promise.resolve()
      .then(() => this.handler(from, m.body))
      .then(
        (answer) => {
          if (!this.stopped && answer !== undefined) this.transport.send(from, { k: 'rpcReply', id: m.id, body: answer } satisfies RpcMessage);
        },
        () => {},
      );
    return true;
  }

  /** Answers every waiting call with "no answer". */
  stop(): void {
    this.stopped = true;
    for (const [id, waiting] of this.waiting) {
      clearTimeout(waiting.timer);
      this.waiting.delete(id);
      waiting.resolve({ answered: false, sent: true });
    }
  }
}

/** Starts `calls` at once and resolves as soon as `needed` of them answered, or when all have settled. */
export function firstAnswers<T>(calls: Promise<T | undefined>[], needed: number): Promise<T[]> {
  return new Promise((resolve) => {
    const answers: T[] = [];
    let settled = 0;
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        resolve(answers.slice());
      }
    };
    if (calls.length === 0 || needed <= 0) finish();
    for (const call of calls) {
      void call.then((answer) => {
        settled++;
        if (answer !== undefined) answers.push(answer);
        if (answers.length >= needed || settled === calls.length) finish();
      });
    }
  });
}
