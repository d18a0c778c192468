// One SSH connection to one host (ssh2: pure JavaScript, well kept, no `ssh` binary to shell out
// to). Commands are argument vectors, quoted here (shell-quote.ts); every one has a deadline. A
// connection that drops is noted once, and from then on every call fails with that one line.
import { readFileSync } from 'node:fs';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import { checkHostKey, describeHostKey, hostPattern, parseKnownHosts, type HostKeyVerdict } from './known-hosts.js';
import { commandLine } from './shell-quote.js';
import type { SshSpec } from './ssh-hosts.js';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Why a host could not be reached or used, as one line naming the host and what to do. */
export class SshError extends Error {
  constructor(message: string, readonly lost = false) {
    super(message);
    this.name = 'SshError';
  }
}

/** What went wrong in the handshake, if the host key was the trouble. */
interface HostKeyTrouble {
  verdict: Exclude<HostKeyVerdict, 'known'>;
  key: string;
}

/**
 * The one line for a connection that failed: a refused key, an unknown or changed host key, or a
 * host that cannot be reached, each with what to do about it.
 */
export function connectFailure(spec: Pick<SshSpec, 'user' | 'port' | 'privateKey' | 'knownHosts'>, host: string, err: Error & { code?: string; level?: string }, hostKey?: HostKeyTrouble): string {
  const where = `${spec.user}@${host}:${spec.port}`;
  if (hostKey?.verdict === 'unknown') {
    return `ssh ${where}: its host key (${hostKey.key}) is not in ${spec.knownHosts}; after checking it, add it with \`ssh-keyscan -p ${spec.port} ${host} >> ${spec.knownHosts}\`, or pass --no-ssh-strict-host-keys to trust any key`;
  }
  if (hostKey?.verdict === 'changed') {
    return `ssh ${where}: its host key (${hostKey.key}) differs from the one ${spec.knownHosts} holds for ${hostPattern(host, spec.port)}; the host was reinstalled or someone is in the middle: check, then replace its line in ${spec.knownHosts}`;
  }
  if (hostKey?.verdict === 'revoked') return `ssh ${where}: its host key (${hostKey.key}) is marked @revoked in ${spec.knownHosts}; refusing it`;
  if (err.level === 'client-authentication' || /authentication methods failed/i.test(err.message)) {
    return `ssh ${where}: the host refused the key ${spec.privateKey}; add its public key to ~${spec.user}/.ssh/authorized_keys on ${host}, or pass --ssh-private-key / --ssh-user`;
  }
  const code = err.code ?? (/timed out/i.test(err.message) ? 'no answer within the connect deadline' : err.message);
  return `ssh ${where}: cannot reach the host (${code}); check that it is up and that sshd listens on port ${spec.port} (--ssh-port)`;
}

export interface SessionOptions {
  /** Deadline of the handshake. */
  connectTimeoutMs?: number;
  /** A keepalive every this often; after 3 unanswered, the connection is lost. */
  keepaliveMs?: number;
  /** Called once when an established connection drops, with the one line saying so. */
  onLost?: (why: string) => void;
  /** Told when strictHostKeys is off and a key was taken without being known. */
  log?: (line: string) => void;
}

export class SshSession {
  private client: Client | undefined;
  private sftpChannel: Promise<SFTPWrapper> | undefined;
  /** Set once the connection dropped, or was closed by us. */
  private lostWhy: string | undefined;
  private closing = false;
  private writes = 0;

  constructor(readonly host: string, private readonly spec: SshSpec, private readonly options: SessionOptions = {}) {}

  get where(): string {
    return `${this.spec.user}@${this.host}:${this.spec.port}`;
  }

  /** Connects with the key; throws SshError with one line on a refused key, a host key not trusted, or a host not reached. */
  async connect(): Promise<void> {
    let privateKey: Buffer;
    try {
      privateKey = readFileSync(this.spec.privateKey);
    } catch (err) {
      throw new SshError(`ssh ${this.where}: cannot read the private key ${this.spec.privateKey} (${(err as NodeJS.ErrnoException).code ?? String(err)}); pass --ssh-private-key FILE`);
    }
    const known = this.spec.strictHostKeys ? parseKnownHosts(readKnownHosts(this.spec.knownHosts)) : [];
    let trouble: HostKeyTrouble | undefined;
    // ssh2 loads on the first connection (docs/DESIGN.md, "Heavy modules load on use").
    const { Client } = await import('ssh2');
    const client = new Client();
    // ssh2 may emit several errors for one failed handshake (a timeout, then the lost socket): every one is caught.
    const failed = new Promise<never>((_, reject) => client.on('error', (err) => reject(new SshError(connectFailure(this.spec, this.host, err, trouble)))));
    failed.catch(() => client.destroy());
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      failed.catch(reject);
      client.connect({
        host: this.host.replace(/^\[|\]$/g, ''),
        port: this.spec.port,
        username: this.spec.user,
        privateKey,
        readyTimeout: this.options.connectTimeoutMs ?? 15_000,
        keepaliveInterval: this.options.keepaliveMs ?? 2_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          if (!this.spec.strictHostKeys) {
            this.options.log?.(`ssh ${this.where}: host key ${describeHostKey(key)} taken unchecked (--no-ssh-strict-host-keys)`);
            return true;
          }
          const verdict = checkHostKey(known, this.host, this.spec.port, key);
          if (verdict === 'known') return true;
          trouble = { verdict, key: describeHostKey(key) };
          return false;
        },
      });
    });
    this.client = client;
    client.on('error', (err) => this.noteLost(`ssh ${this.where}: connection lost (${(err as Error & { code?: string }).code ?? err.message})`));
    client.on('close', () => this.noteLost(`ssh ${this.where}: connection closed by the host`));
  }

  /** Why the connection is gone, if it is. */
  get lost(): string | undefined {
    return this.lostWhy;
  }

  private noteLost(why: string): void {
    if (this.lostWhy !== undefined) return;
    this.lostWhy = why;
    if (!this.closing) this.options.onLost?.(why);
  }

  private live(): Client {
    if (this.lostWhy !== undefined) throw new SshError(this.lostWhy, true);
    if (!this.client) throw new SshError(`ssh ${this.where}: not connected; call connect() first`);
    return this.client;
  }

  /**
   * Opens a channel running `argv` (through `sudo -n` when asked) and hands it to `attach` at once:
   * its exit status, output and close can all arrive in the packet that confirms it.
   */
  private channel(argv: readonly string[], sudo: boolean, attach: (stream: ClientChannel) => void): Promise<void> {
    const client = this.live();
    const line = commandLine(sudo && this.spec.sudo ? ['sudo', '-n', '--', ...argv] : argv);
    return new Promise((resolve, reject) => {
      client.exec(line, (err, stream) => {
        if (err) return reject(new SshError(`ssh ${this.where}: cannot run \`${argv[0]}\` (${err.message})`, this.lostWhy !== undefined));
        attach(stream);
        resolve();
      });
    });
  }

  /** Runs a command to its end within `timeoutMs`; returns its exit code (null if killed by a signal) and output. */
  async run(argv: readonly string[], options: { sudo?: boolean; timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    let settle: (result: CommandResult | SshError) => void = () => {};
    const settled = new Promise<CommandResult | SshError>((resolve) => (settle = resolve));
    await this.channel(argv, options.sudo ?? false, (stream) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let code: number | null = null;
      const timer = setTimeout(() => {
        stream.close();
        settle(new SshError(`ssh ${this.where}: \`${argv.join(' ')}\` did not finish within ${timeoutMs / 1000} s`, this.lostWhy !== undefined));
      }, timeoutMs);
      stream.on('data', (chunk: Buffer) => out.push(chunk));
      stream.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      stream.on('exit', (exitCode: number | null) => (code = exitCode));
      stream.on('close', () => {
        clearTimeout(timer);
        if (this.lostWhy !== undefined && code === null) return settle(new SshError(this.lostWhy, true));
        settle({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
      if (options.input !== undefined) stream.end(options.input);
      else stream.end();
    });
    const result = await settled;
    if (result instanceof SshError) throw result;
    return result;
  }

  /** Runs a command; throws one line with its stderr unless it exits 0. */
  async runOk(argv: readonly string[], options: { sudo?: boolean; timeoutMs?: number; input?: string } = {}): Promise<string> {
    const result = await this.run(argv, options);
    if (result.code !== 0) {
      const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' / ');
      throw new SshError(`ssh ${this.where}: \`${argv.join(' ')}\` exited ${result.code ?? 'by a signal'}${said ? `: ${said}` : ''}`);
    }
    return result.stdout;
  }

  /**
   * Starts a command that runs until something on the host ends (e.g. `tail --pid`); `ended` settles
   * with its exit code once it does, or with `lost` when the connection went first.
   */
  async watch(argv: readonly string[]): Promise<{ ended: Promise<number | 'lost'> }> {
    let ended: Promise<number | 'lost'> = Promise.resolve('lost');
    await this.channel(argv, false, (stream) => {
      ended = new Promise((resolve) => {
        let code: number | null = null;
        stream.on('exit', (exitCode: number | null) => (code = exitCode));
        stream.on('data', () => {});
        stream.stderr.on('data', () => {});
        stream.on('close', () => resolve(code === null ? 'lost' : code));
      });
      stream.end();
    });
    return { ended };
  }

  private sftp(): Promise<SFTPWrapper> {
    const client = this.live();
    this.sftpChannel ??= new Promise((resolve, reject) => client.sftp((err, sftp) => (err ? reject(new SshError(`ssh ${this.where}: no SFTP (${err.message}); the host's sshd needs its sftp subsystem`)) : resolve(sftp))));
    this.sftpChannel.catch(() => (this.sftpChannel = undefined));
    return this.sftpChannel;
  }

  /** Copies a local file to the host. */
  async upload(localPath: string, remotePath: string): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) => sftp.fastPut(localPath, remotePath, (err) => (err ? reject(this.transferError('upload', remotePath, err)) : resolve())));
  }

  /** Writes `content` to a file on the host, whole: written beside it, then renamed over it. */
  async writeFile(remotePath: string, content: string | Buffer): Promise<void> {
    const sftp = await this.sftp();
    // A temporary name of this write's own: two writes of one file at once (a clock strobe's flip
    // and a stop) must not rename each other's half-written content or each other's file away.
    const temp = `${remotePath}.${++this.writes}.tmp`;
    await new Promise<void>((resolve, reject) => sftp.writeFile(temp, content, (err) => (err ? reject(this.transferError('write', temp, err)) : resolve())));
    await new Promise<void>((resolve, reject) => sftp.ext_openssh_rename(temp, remotePath, (err) => (err ? reject(this.transferError('rename', remotePath, err)) : resolve())));
  }

  /** Copies a file of the host to this machine. */
  async download(remotePath: string, localPath: string): Promise<void> {
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) => sftp.fastGet(remotePath, localPath, (err) => (err ? reject(this.transferError('download', remotePath, err)) : resolve())));
  }

  private transferError(what: string, path: string, err: Error): SshError {
    return new SshError(this.lostWhy ?? `ssh ${this.where}: ${what} of ${path} failed (${err.message})`, this.lostWhy !== undefined);
  }

  /** Closes the connection; what still runs on the host keeps running. */
  close(): void {
    this.closing = true;
    this.lostWhy ??= `ssh ${this.where}: closed`;
    this.client?.end();
  }
}

function readKnownHosts(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // no file: every host is unknown, and the refusal names the file
  }
}
