// The Docker engine as faultline uses it: one dockerode connection, the labels that mark
// everything faultline creates, and `exec` with argument arrays (never a shell string), each
// call with a deadline (docker-call.ts).
import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { engineCall, ENGINE_DEADLINES_MS, type EngineCallOptions } from './docker-call.js';

export const DOCKER_SOCKET = process.env.FAULTLINE_DOCKER_SOCKET ?? '/var/run/docker.sock';

/** Labels on every container and network faultline creates; `faultline cleanup` finds them by these. */
export const LABELS = {
  /** Present on everything faultline made. */
  managed: 'faultline',
  /** The run a container or network belongs to. */
  run: 'faultline.run',
  /** `<hostname>/<pid>` of the controller that owns it: cleanup spares runs whose controller lives. */
  owner: 'faultline.owner',
  node: 'faultline.node',
  /** On images: which definition (base, etcd, ...) and the hash of that definition. */
  image: 'faultline.image',
  hash: 'faultline.hash',
  /** On images a user's definition ships: where that definition is (`dir:<path>` or `packages:<list>`). */
  source: 'faultline.source',
} as const;

/** This controller's owner label. */
export function ownerLabel(): string {
  return `${hostname()}/${process.pid}`;
}

let shared: Promise<Docker> | undefined;

/** Connects to the engine once; throws one line saying how to get Docker when it is not there. */
export function connectDocker(): Promise<Docker> {
  shared ??= (async () => {
    const { default: Docker } = await import('dockerode');
    const docker = new Docker({ socketPath: DOCKER_SOCKET });
    try {
      await pingEngine(docker);
    } catch (err) {
      shared = undefined;
      const why = (err as { code?: string }).code ? `connect ${(err as { code?: string }).code}` : err instanceof Error ? err.message : String(err);
      throw new Error(`cannot reach the Docker engine at ${DOCKER_SOCKET} (${why}); install docker.io and start dockerd, see README "Testing a real database"`);
    }
    return docker;
  })();
  return shared;
}

/** Asks the engine whether it is there, within the call deadline; throws an EngineError if not. */
export function pingEngine(docker: Docker, options: EngineCallOptions = {}): Promise<unknown> {
  // dockerode takes an abort signal on ping, though its types do not say so.
  const ping = docker.ping.bind(docker) as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
  return engineCall(`\`ping\` at ${DOCKER_SOCKET}`, (abortSignal) => ping({ abortSignal }), options);
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

/** A container's name for messages: the name it was looked up by, or its short id. */
export function containerLabel(container: Docker.Container): string {
  return /^[0-9a-f]{64}$/.test(container.id) ? container.id.slice(0, 12) : container.id;
}

/**
 * Runs a command (an argument array) inside a running container and collects its output and exit
 * code, all within one deadline (ENGINE_DEADLINES_MS.exec): a frozen container or a stalled
 * engine ends in an EngineError naming the command and the container, never a hang.
 */
export function execIn(container: Docker.Container, cmd: readonly string[], options: EngineCallOptions & { name?: string } = {}): Promise<ExecResult> {
  const what = `exec \`${cmd.join(' ')}\` in container ${options.name ?? containerLabel(container)}`;
  return engineCall(what, async (abortSignal) => {
    const exec = await container.exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true, Tty: false, abortSignal } as Docker.ExecCreateOptions);
    const stream = await exec.start({ hijack: true, stdin: false, abortSignal } as Docker.ExecStartOptions);
    // The upgraded socket outlives the request's signal: close it ourselves on abort.
    const close = () => stream.destroy();
    abortSignal.addEventListener('abort', close, { once: true });
    const output = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve(demux(Buffer.concat(chunks))));
      stream.on('close', () => resolve(demux(Buffer.concat(chunks))));
      stream.on('error', reject);
    }).finally(() => abortSignal.removeEventListener('abort', close));
    const { ExitCode } = await exec.inspect({ abortSignal } as Parameters<Docker.Exec['inspect']>[0]);
    return { exitCode: ExitCode ?? -1, output };
  }, { timeoutMs: options.timeoutMs ?? ENGINE_DEADLINES_MS.exec, ...(options.signal && { signal: options.signal }) });
}

/** Like execIn, but throws one line naming the container, the command and its output unless it exits 0. */
export async function execOk(container: Docker.Container, cmd: readonly string[], options: EngineCallOptions & { name?: string } = {}): Promise<string> {
  const { exitCode, output } = await execIn(container, cmd, options);
  if (exitCode !== 0) {
    const said = output.trim().split('\n').slice(-2).join(' / ');
    throw new Error(`\`${cmd.join(' ')}\` failed in container ${options.name ?? containerLabel(container)} (exit ${exitCode === -1 ? 'unknown: it did not finish' : exitCode})${said ? `: ${said}` : ''}`);
  }
  return output;
}

/**
 * Docker multiplexes stdout and stderr of a non-TTY stream into frames: an 8-byte header (stream
 * type, three zero bytes, big-endian length) then the payload. Returns the payloads in order.
 */
export function demux(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    if (type !== 0 && type !== 1 && type !== 2) return buffer.toString('utf8'); // not multiplexed
    const length = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** True when a dockerode error is the engine's 404 (no such container, network or image). */
export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}
