// The client library of the bundled store: one TCP connection, requests pipelined by id.
import { connect, type Socket } from 'node:net';
import { LineSplitter, toLine } from './ndjson.js';
import type { KvOp, KvResponse } from './protocol.js';

export type {
  Json,
  KvErrorCode,
  KvErrorResponse,
  KvOkResponse,
  KvOp,
  KvRequest,
  KvRequestId,
  KvResponse,
  KvStatus,
  KvStatusResponse,
  TxnCompare,
  TxnMicroOp,
  TxnResult,
} from './protocol.js';
export { KvSession } from './kv-session.js';
export { VERSION_SCOPE, type KvVersion, type VersionScope } from './version.js';

/**
 * A request that got no response. `definite: true` means it was never sent (connect failed, client
 * closed): it certainly did not take effect. `definite: false` means it was written and then timed
 * out or lost its connection: it may have taken effect.
 */
export class KvClientError extends Error {
  override name = 'KvClientError';

  constructor(
    message: string,
    readonly definite: boolean,
  ) {
    super(message);
  }
}

export interface KvConnectOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
}

interface Waiting {
  resolve: (response: KvResponse) => void;
  reject: (err: KvClientError) => void;
  timer: NodeJS.Timeout;
}

const MAX_RESPONSE_BYTES = 256 << 20;

export class KvClient {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private closedBecause: string | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
  ) {
    const splitter = new LineSplitter((line) => this.onLine(line), MAX_RESPONSE_BYTES);
    socket.on('data', (chunk: Buffer) => {
      if (!splitter.push(chunk)) socket.destroy(new Error(`response longer than ${MAX_RESPONSE_BYTES} bytes`));
    });
    socket.on('error', (err) => this.fail(`connection to ${address} failed: ${err.message}`));
    socket.on('close', () => this.fail(`connection to ${address} closed`));
  }

  /** Connects; throws a definite KvClientError when the connection cannot be made in time. */
  static connect(opts: KvConnectOptions): Promise<KvClient> {
    const address = `${opts.host}:${opts.port}`;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: opts.host, port: opts.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new KvClientError(`connect to ${address} timed out after ${opts.connectTimeoutMs} ms`, true));
      }, opts.connectTimeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(new KvClientError(`connect to ${address} failed: ${err.message}`, true));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new KvClient(socket, address));
      });
    });
  }

  /**
   * Sends one op and resolves with the server's response (which may itself be a failure, with its
   * own `definite`). Throws KvClientError when no response arrives within timeoutMs or the
   * connection is lost (definite: false), or when the client is already closed (definite: true).
   */
  request(req: KvOp & { version?: true }, timeoutMs: number): Promise<KvResponse> {
    if (this.closedBecause !== null) {
      return Promise.reject(new KvClientError(`not sent: ${this.closedBecause}`, true));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new KvClientError(`no response from ${this.address} to request ${id} (op ${req.op}) within ${timeoutMs} ms`, false));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      this.socket.write(toLine({ id, ...req }));
    });
  }

  /** True once the connection is gone (closed by either side or broken): a new request would not be sent. */
  get closed(): boolean {
    return this.closedBecause !== null;
  }

  /** Closes the connection; requests still waiting fail indefinitely (they were sent). */
  close(): void {
    this.fail(`client closed the connection to ${this.address}`);
    this.socket.destroy();
  }

  private onLine(line: string): void {
    let response: KvResponse;
    try {
      response = JSON.parse(line) as KvResponse;
    } catch {
      this.socket.destroy(new Error(`server sent a line that is not JSON: ${line.slice(0, 100)}`));
      return;
    }
    if (typeof response.id !== 'number') return;
    const waiting = this.waiting.get(response.id);
    if (!waiting) return;
    this.waiting.delete(response.id);
    clearTimeout(waiting.timer);
    waiting.resolve(response);
  }

  private fail(reason: string): void {
    if (this.closedBecause === null) this.closedBecause = reason;
    for (const [id, waiting] of this.waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(new KvClientError(`request ${id} lost: ${reason}`, false));
    }
    this.waiting.clear();
  }
}
