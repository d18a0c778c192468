// The SSH runtime's command-line flags, shared by `faultline test` and `faultline cleanup`: added
// to a command (this module stays cheap: the command grammar loads it). cli-ssh-spec.ts reads
// them back into one resolved SshSpec.
import { Option, type Command } from 'commander';

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
    .option('--no-ssh-sudo', '--runtime ssh: never use sudo')
    .option('--ssh-debs <dir>', '--runtime ssh: .deb files to install on a host that lacks a package its database needs (default: the host\'s own apt-get install)');
}

/** The flags' names as commander keeps them. */
const SSH_KEYS = ['hosts', 'hostsFile', 'sshUser', 'sshPort', 'sshPrivateKey', 'sshKnownHosts', 'sshStrictHostKeys', 'sshSudo', 'sshDebs'] as const;

/** Whether the command line gave any SSH flag (commander's defaults aside). */
export function givesSshFlags(command: Command): boolean {
  return SSH_KEYS.some((key) => command.getOptionValueSource(key) === 'cli');
}
