// The Docker engine as faultline uses it: one dockerode connection, the labels that mark
// everything faultline creates, and `exec` with argument arrays (never a shell string).
import { hostname } from 'node:os';
import Docker from 'dockerode';

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
} as const;

/** This controller's owner label. */
export function ownerLabel(): string {
  return `${hostname()}/${process.pid}`;
}

let shared: Promise<Docker> | undefined;

/** Connects to the engine once; throws one line saying how to get Docker when it is not there. */
export function connectDocker(): Promise<Docker> {
  shared ??= (async () => {
    const docker = new Docker({ socketPath: DOCKER_SOCKET });
    try {
      await docker.ping();
    } catch (err) {
      shared = undefined;
      const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      throw new Error(`cannot reach the Docker engine at ${DOCKER_SOCKET} (connect ${code}); install docker.io and start dockerd, see README "Testing a real database"`);
    }
    return docker;
  })();
  return shared;
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

/** Runs a command (an argument array) inside a running container and collects its output. */
export async function execIn(container: Docker.Container, cmd: readonly string[]): Promise<ExecResult> {
  const exec = await container.exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true, Tty: false });
  const stream = await exec.start({ hijack: true, stdin: false });
  const output = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(demux(Buffer.concat(chunks))));
    stream.on('error', reject);
  });
  const { ExitCode } = await exec.inspect();
  return { exitCode: ExitCode ?? -1, output };
}

/** Like execIn, but throws one line naming the container, the command and its output on failure. */
export async function execOk(container: Docker.Container, cmd: readonly string[]): Promise<string> {
  const { exitCode, output } = await execIn(container, cmd);
  if (exitCode !== 0) {
    throw new Error(`\`${cmd.join(' ')}\` failed in container ${container.id.slice(0, 12)} (exit ${exitCode}): ${output.trim().split('\n').slice(-2).join(' / ')}`);
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
