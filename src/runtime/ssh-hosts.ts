// The SSH runtime's options: which hosts, as whom, with which key, trusting which host keys. They
// are resolved once at the command line into a plain, JSON-stored SshSpec (a key's path, never the key).
import { homedir } from 'node:os';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** How the controller reaches the hosts, as test.json stores it. Node i of the run is hosts[i]. */
export interface SshSpec {
  hosts: string[];
  user: string;
  port: number;
  /** Path of the private key (OpenSSH or PEM format, unencrypted). */
  privateKey: string;
  /** Path of the known_hosts file host keys are checked against. */
  knownHosts: string;
  /** Refuse a host whose key is not in knownHosts (the default); off accepts any key and says so. */
  strictHostKeys: boolean;
  /** Run root's commands (iptables, tc, cleanup) through `sudo -n`. */
  sudo: boolean;
  /**
   * A directory of .deb files on the controller: a host missing a package its database needs gets
   * them uploaded and installed from there (without it, through the host's own apt-get).
   */
  debs?: string;
}

/** The SSH flags that reach the same hosts the same way (every one, so the line does not depend on ~/.ssh). */
export function sshFlags(ssh: SshSpec, hosts: readonly string[] = ssh.hosts): string[] {
  return [
    `--hosts ${hosts.join(',')}`,
    `--ssh-user ${ssh.user}`,
    `--ssh-port ${ssh.port}`,
    `--ssh-private-key ${ssh.privateKey}`,
    `--ssh-known-hosts ${ssh.knownHosts}`,
    ...(ssh.strictHostKeys ? [] : ['--no-ssh-strict-host-keys']),
    ssh.sudo ? '--ssh-sudo' : '--no-ssh-sudo',
    ...(ssh.debs === undefined ? [] : [`--ssh-debs ${ssh.debs}`]),
  ];
}

/** The cleanup command for some of the run's hosts, with every flag that reaches them as the run did. */
export function sshCleanupCommand(ssh: SshSpec, hosts: readonly string[] = ssh.hosts): string {
  return ['npx faultline cleanup --runtime ssh', ...sshFlags(ssh, hosts).filter((flag) => !flag.startsWith('--ssh-debs'))].join(' ');
}

// A host name (RFC 1123 labels), an IPv4 address, or a bracketed IPv6 address.
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;

/** The hosts of `--hosts a,b,c`: trimmed, each a host name or address, no repeats. */
export function parseHostList(list: string, where = '--hosts'): string[] {
  const hosts = list.split(',').map((h) => h.trim()).filter((h) => h !== '');
  return checkHosts(hosts, where);
}

/** The hosts of a `--hosts-file`: one a line; blank lines and `#` comments are skipped. */
export function parseHostsFile(text: string, path: string): string[] {
  const hosts: string[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    if (/\s/.test(line)) throw new Error(`--hosts-file ${path} line ${i + 1}: "${line}" holds more than one word; expected one host a line`);
    hosts.push(line);
  }
  return checkHosts(hosts, `--hosts-file ${path}`);
}

function checkHosts(hosts: string[], where: string): string[] {
  if (hosts.length === 0) throw new Error(`${where} names no host; expected one or more host names or addresses`);
  if (hosts.length > 15) throw new Error(`${where} names ${hosts.length} hosts; expected at most 15`);
  for (const host of hosts) {
    if (!HOST.test(host)) throw new Error(`${where}: "${host}" is not a host name or address; expected e.g. n1.example or 10.0.0.5 (the port goes in --ssh-port)`);
  }
  const repeated = hosts.find((host, i) => hosts.indexOf(host) !== i);
  if (repeated !== undefined) throw new Error(`${where} names ${repeated} twice; expected each host once`);
  return hosts;
}

/** The command line's SSH flags, as given (any may be missing). */
export interface SshFlags {
  hosts?: string[];
  user?: string;
  port?: string | number;
  privateKey?: string;
  knownHosts?: string;
  strictHostKeys?: boolean;
  sudo?: boolean;
  debs?: string;
}

/** The first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa that exists (ssh's own order), else id_ed25519. */
export function defaultPrivateKey(home = homedir()): string {
  const keys = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(home, '.ssh', name));
  return keys.find((key) => existsSync(key)) ?? (keys[0] as string);
}

/** Fills in every default: user root, port 22, ssh's own key and known_hosts, strict host keys, sudo unless root. */
export function resolveSshSpec(flags: SshFlags, home = homedir()): SshSpec {
  if (!flags.hosts || flags.hosts.length === 0) throw new Error('--runtime ssh needs its hosts: --hosts n1.example,n2.example or --hosts-file FILE');
  const port = Number(flags.port ?? 22);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`--ssh-port "${String(flags.port)}" is not a port; expected an integer from 1 to 65535`);
  const user = flags.user ?? 'root';
  if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(user)) throw new Error(`--ssh-user "${user}" is not a user name; expected e.g. admin`);
  return {
    hosts: [...flags.hosts],
    user,
    port,
    privateKey: flags.privateKey ?? defaultPrivateKey(home),
    knownHosts: flags.knownHosts ?? join(home, '.ssh', 'known_hosts'),
    strictHostKeys: flags.strictHostKeys ?? true,
    sudo: flags.sudo ?? user !== 'root',
    ...(flags.debs !== undefined && { debs: checkDebsDir(flags.debs) }),
  };
}

/** A --ssh-debs directory: it must exist and hold .deb files; throws one line otherwise. */
function checkDebsDir(dir: string): string {
  let debs: string[];
  try {
    debs = readdirSync(dir).filter((name) => name.endsWith('.deb'));
  } catch (err) {
    throw new Error(`--ssh-debs ${dir} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); expected a directory of .deb files`);
  }
  if (debs.length === 0) throw new Error(`--ssh-debs ${dir} holds no .deb file; expected the Debian packages the hosts lack (apt-get download PACKAGE)`);
  return resolve(dir);
}

/** Checks a stored SshSpec (test.json) field by field; throws one line naming the field. */
export function checkSshSpec(value: unknown): SshSpec {
  const spec = value as Partial<SshSpec> | undefined;
  if (typeof spec !== 'object' || spec === null) throw new Error(`"ssh" is ${JSON.stringify(value)}; expected { "hosts": [...], "user", "port", "privateKey", "knownHosts", "strictHostKeys", "sudo" }`);
  const hosts = Array.isArray(spec.hosts) && spec.hosts.every((h) => typeof h === 'string') ? checkHosts(spec.hosts, '"ssh.hosts"') : undefined;
  if (!hosts) throw new Error(`"ssh.hosts" is ${JSON.stringify(spec.hosts)}; expected a list of host names`);
  for (const key of ['user', 'privateKey', 'knownHosts'] as const) {
    if (typeof spec[key] !== 'string') throw new Error(`"ssh.${key}" is ${JSON.stringify(spec[key])}; expected a string`);
  }
  for (const key of ['strictHostKeys', 'sudo'] as const) {
    if (typeof spec[key] !== 'boolean') throw new Error(`"ssh.${key}" is ${JSON.stringify(spec[key])}; expected true or false`);
  }
  if (spec.debs !== undefined && typeof spec.debs !== 'string') throw new Error(`"ssh.debs" is ${JSON.stringify(spec.debs)}; expected a directory path`);
  // A stored debs directory is taken as it is: a run read back for checking needs no packages.
  const { debs, ...rest } = spec;
  return { ...resolveSshSpec({ ...rest, hosts }), privateKey: spec.privateKey as string, knownHosts: spec.knownHosts as string, ...(debs !== undefined && { debs }) };
}
