// Every call faultline makes to the Docker engine goes through engineCall: it has a deadline, it
// is aborted (its HTTP request closed) when the deadline passes, and its error says which call,
// on which container or network, and whether the engine refused it or did not answer at all.
// A call left hanging would hold the controller open after its verdict; none is.

/** How long each kind of engine call may take, in ms. */
export type EngineDeadlines = Record<'call' | 'start' | 'exec' | 'exit' | 'remove', number>;

export const ENGINE_DEADLINES_MS: Readonly<EngineDeadlines> = {
  /** inspect, kill, pause, unpause, logs, network and image look-ups, ping. */
  call: 10_000,
  /** container create and start (mounts, network namespace, the init process). */
  start: 30_000,
  /** a command run through exec (iptables, tc): create, run to its exit code, inspect. */
  exec: 15_000,
  /** a killed container's exit, as the engine reports it. */
  exit: 10_000,
  /** removing a container or a network. */
  remove: 15_000,
};

/** Socket errors that mean nothing answers at the engine's address. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EACCES']);

/**
 * An engine call that did not succeed. `unanswered` is true when the engine did not answer (a
 * deadline passed, or its socket refused or dropped the connection); otherwise it refused the
 * call with an HTTP status, kept as `statusCode` (404: no such container, 409: wrong state).
 */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly unanswered: boolean,
    readonly statusCode?: number,
    /** The socket error code (ECONNREFUSED, ...) when the engine could not be reached. */
    readonly code?: string,
    /** What happened, without naming the call: "did not answer within 15 s", "did not answer (ENOENT)". */
    readonly reason: string = message,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface EngineCallOptions {
  timeoutMs?: number;
  /** Aborts the call early (a runtime that is closing aborts what it still waits for). */
  signal?: AbortSignal;
}

/**
 * Runs one engine call with a deadline. `what` names it in errors ("`kill` of container
 * faultline-x-n2"); `call` receives the signal to pass to dockerode as `abortSignal`, and must
 * stop (close its request or stream) when it fires.
 */
export function engineCall<T>(what: string, call: (signal: AbortSignal) => Promise<T>, options: EngineCallOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? ENGINE_DEADLINES_MS.call;
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    // An infinite deadline is for watchers (a container's exit), which only the signal ends.
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => {
          settle(() => reject(new EngineError(`the Docker engine did not answer ${what} within ${timeoutMs / 1000} s`, true, undefined, undefined, `did not answer within ${timeoutMs / 1000} s`)));
          controller.abort();
        }, timeoutMs)
      : undefined;
    const onAbort = () => {
      settle(() => reject(new EngineError(`${what} was abandoned: ${String(options.signal?.reason ?? 'the runtime is closing')}`, true)));
      controller.abort();
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = call(controller.signal);
    } catch (err) {
      return settle(() => reject(engineError(what, err)));
    }
    pending.then(
      (value) => settle(() => resolve(value)),
      (err: unknown) => settle(() => reject(engineError(what, err))),
    );
  });
}

/** Describes a failed engine call in one line: refused (with its status), unreachable, or other. */
export function engineError(what: string, err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string; json?: { message?: string } };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (typeof e?.statusCode === 'number') {
    const reason = (e.json?.message ?? message.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '')).trim();
    return new EngineError(`the Docker engine refused ${what} (HTTP ${e.statusCode}: ${reason})`, false, e.statusCode, undefined, `refused it (HTTP ${e.statusCode}: ${reason})`);
  }
  if ((e?.code && UNREACHABLE.has(e.code)) || /socket hang up/i.test(message)) {
    const code = e?.code ?? 'socket hang up';
    return new EngineError(`the Docker engine did not answer ${what} (${code}${e?.code === undefined ? '' : ` at ${socketOf(message)}`})`, true, undefined, code, `did not answer (${code})`);
  }
  return new EngineError(`${what} failed: ${message}`, false);
}

/** The socket path in a connect error's message, or the configured one. */
function socketOf(message: string): string {
  return /\s(\/\S+)$/.exec(message)?.[1] ?? process.env.FAULTLINE_DOCKER_SOCKET ?? '/var/run/docker.sock';
}

/** True when the engine refused because the container was not in the state asked of it (304, 409). */
export function isWrongState(err: unknown): boolean {
  const status = (err as { statusCode?: number }).statusCode;
  return status === 304 || status === 409;
}

/** True when the engine refused a removal because one is already under way (it finishes on its own). */
export function isBeingRemoved(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 409 && /already in progress/i.test(err instanceof Error ? err.message : String(err));
}
