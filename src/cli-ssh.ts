// The SSH runtime's command-line flags, shared by `faultline test` and `faultline cleanup`: added
// to a command, and read back into one resolved SshSpec.
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { parseHostList, parseHostsFile, resolveSshSpec, type SshSpec } from './runtime/ssh-hosts.js';

/** Adds --hosts, --hosts-file and the --ssh-* flags to a command. */
export function addSshOptions(command: Command): Command {
  return command
    .option('--hosts <list>', '--runtime ssh: the hosts, comma separated; node i runs on the i-th')
    .option('--hosts-file <file>', '--runtime ssh: a file naming the hosts, one a line (# comments)')
    .option('--ssh-user <name>', '--runtime ssh: the user to log in as (default root)')
    .option('--ssh-port <n>', '--runtime ssh: sshd\'s port on every host (default 22)')
    .option('--ssh-private-key <file>', '--runtime ssh: the private key (default ~/.ssh/id_ed25519, id_ecdsa or id_rsa)')
    .option('--ssh-known-hosts <file>', '--runtime ssh: the known_hosts file host keys must be in (default ~/.ssh/known_hosts)')
    .addOption(new Option('--no-ssh-strict-host-keys', '--runtime ssh: accept any host key (each is logged); by default a host whose key is not in known_hosts is refused'))
    .option('--ssh-sudo', '--runtime ssh: run iptables and cleanup through sudo -n (the default for a user other than root)')
    .option('--no-ssh-sudo', '--runtime ssh: never use sudo');
}

/** The flags' names as commander keeps them. */
const SSH_KEYS = ['hosts', 'hostsFile', 'sshUser', 'sshPort', 'sshPrivateKey', 'sshKnownHosts', 'sshStrictHostKeys', 'sshSudo'] as const;

/** Whether the command line gave any SSH flag (commander's defaults aside). */
export function givesSshFlags(command: Command): boolean {
  return SSH_KEYS.some((key) => command.getOptionValueSource(key) === 'cli');
}

/** The SshSpec the flags give; throws one line on a bad or missing value. */
export function sshSpecOf(opts: Record<string, unknown>): SshSpec {
  if (opts['hosts'] !== undefined && opts['hostsFile'] !== undefined) throw new Error('--hosts and --hosts-file both name hosts; expected one of them');
  let hosts: string[] | undefined;
  if (typeof opts['hosts'] === 'string') hosts = parseHostList(opts['hosts']);
  if (typeof opts['hostsFile'] === 'string') {
    const path = opts['hostsFile'];
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`--hosts-file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}); expected a file naming one host a line`);
    }
    hosts = parseHostsFile(text, path);
  }
  return resolveSshSpec({
    ...(hosts && { hosts }),
    ...(typeof opts['sshUser'] === 'string' && { user: opts['sshUser'] }),
    ...(typeof opts['sshPort'] === 'string' && { port: opts['sshPort'] }),
    ...(typeof opts['sshPrivateKey'] === 'string' && { privateKey: opts['sshPrivateKey'] }),
    ...(typeof opts['sshKnownHosts'] === 'string' && { knownHosts: opts['sshKnownHosts'] }),
    strictHostKeys: opts['sshStrictHostKeys'] !== false,
    ...(typeof opts['sshSudo'] === 'boolean' && { sudo: opts['sshSudo'] }),
  });
}
