// engineCall: a call that never answers ends at its deadline with an error naming it, and its
// request is aborted; refusals and unreachable engines are told apart. No Docker needed.
import { describe, expect, it } from 'vitest';
import { EngineError, engineCall, engineError, isWrongState } from './docker-call.js';

/** A call that never settles on its own, as a stalled engine's; it rejects when aborted, as dockerode does. */
function stalled(seen: AbortSignal[]): (signal: AbortSignal) => Promise<never> {
  return (signal) => {
    seen.push(signal);
    return new Promise((_, reject) => signal.addEventListener('abort', () => reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }))));
  };
}

describe('engineCall', () => {
  it('gives up on a call that never answers at its deadline, names the call, and aborts its request', async () => {
    const seen: AbortSignal[] = [];
    const started = performance.now();
    const err = await engineCall('`kill` of container faultline-x-n2', stalled(seen), { timeoutMs: 80 }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).message).toBe('the Docker engine did not answer `kill` of container faultline-x-n2 within 0.08 s');
    expect((err as EngineError).unanswered).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(75);
    expect(elapsed).toBeLessThan(1000);
    expect(seen[0]?.aborted).toBe(true);
  });

  it('returns what the call returns, and leaves its signal alone', async () => {
    const seen: AbortSignal[] = [];
    const value = await engineCall('`inspect` of container c', async (signal) => {
      seen.push(signal);
      return { Running: true };
    }, { timeoutMs: 1000 });
    expect(value).toEqual({ Running: true });
    expect(seen[0]?.aborted).toBe(false);
  });

  it('is abandoned at once when the runtime that made it closes', async () => {
    const seen: AbortSignal[] = [];
    const closing = new AbortController();
    const pending = engineCall('the exit of container c', stalled(seen), { timeoutMs: Infinity, signal: closing.signal });
    closing.abort('the docker runtime was torn down');
    await expect(pending).rejects.toThrow('the exit of container c was abandoned: the docker runtime was torn down');
    expect(seen[0]?.aborted).toBe(true);
  });

  it('tells an engine that refused a call (with its status) from one that cannot be reached', () => {
    const refused = engineError('`pause` of container c', Object.assign(new Error('(HTTP code 409) unexpected - Container c is not running '), { statusCode: 409, json: { message: 'Container c is not running' } }));
    expect(refused.message).toBe('the Docker engine refused `pause` of container c (HTTP 409: Container c is not running)');
    expect(refused.unanswered).toBe(false);
    expect(isWrongState(refused)).toBe(true);

    const gone = engineError('`kill` of container c', Object.assign(new Error('connect ECONNREFUSED /run/test.sock'), { code: 'ECONNREFUSED' }));
    expect(gone.message).toBe('the Docker engine did not answer `kill` of container c (ECONNREFUSED at /run/test.sock)');
    expect(gone.unanswered).toBe(true);
    expect(gone.code).toBe('ECONNREFUSED');

    const other = engineError('`logs` of container c', new Error('bad frame'));
    expect(other.message).toBe('`logs` of container c failed: bad frame');
    expect(other.unanswered).toBe(false);
  });
});
