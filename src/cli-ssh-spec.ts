// The SSH runtime's flags read back into one resolved SshSpec (loaded by the actions that use it).
import { readFileSync } from 'node:fs';
import { parseHostList, parseHostsFile, resolveSshSpec, type SshSpec } from './runtime/ssh-hosts.js';

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
    ...(typeof opts['sshDebs'] === 'string' && { debs: opts['sshDebs'] }),
  });
}
