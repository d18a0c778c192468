import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtins } from './builtins.js';
import { sshSpecOf } from './cli-ssh-spec.js';
import { replayCommand, resolveNestedSpec, resolveSpec } from './spec.js';

const registry = builtins;
const ssh = { hosts: ['10.0.0.2', '10.0.0.3', '10.0.0.4'], user: 'admin', port: 22, privateKey: '/k', knownHosts: '/kh', strictHostKeys: true, sudo: true };

describe('--runtime ssh in the spec', () => {
  it('takes one node per host, stores the hosts, and replays with every SSH flag', () => {
    const spec = resolveSpec({ runtime: 'ssh', ssh, seed: 1 }, registry);
    expect(spec.nodes).toEqual(['n1', 'n2', 'n3']);
    expect(spec.ssh).toEqual(ssh);
    expect(resolveNestedSpec(JSON.parse(JSON.stringify(spec)), registry)).toEqual(spec);
    expect(replayCommand(spec, registry)).toContain('--runtime ssh --hosts 10.0.0.2,10.0.0.3,10.0.0.4 --ssh-user admin --ssh-port 22 --ssh-private-key /k --ssh-known-hosts /kh --ssh-sudo');
  });

  it('refuses hosts without --runtime ssh, --runtime ssh without hosts, and a node count that is not the hosts\'', () => {
    expect(() => resolveSpec({ runtime: 'docker', ssh, seed: 1 }, registry)).toThrow('--hosts and the --ssh-* flags are for --runtime ssh; this run\'s runtime is docker');
    expect(() => resolveSpec({ runtime: 'ssh', seed: 1 }, registry)).toThrow('--runtime ssh needs its hosts');
    expect(() => resolveSpec({ runtime: 'ssh', ssh, nodes: 5, seed: 1 }, registry)).toThrow('--nodes 5 does not match the 3 hosts given (10.0.0.2, 10.0.0.3, 10.0.0.4); expected one node per host (leave out --nodes)');
  });

  it('reads the command line\'s flags into one spec', () => {
    expect(sshSpecOf({ hosts: 'a,b', sshUser: 'u', sshPort: '2222', sshPrivateKey: '/k', sshKnownHosts: '/kh', sshStrictHostKeys: false })).toEqual({ hosts: ['a', 'b'], user: 'u', port: 2222, privateKey: '/k', knownHosts: '/kh', strictHostKeys: false, sudo: true });
    expect(sshSpecOf({ hosts: 'a', sshUser: 'u', sshSudo: false, sshPrivateKey: '/k' }).sudo).toBe(false);
    expect(() => sshSpecOf({ hosts: 'a', hostsFile: '/f' })).toThrow('--hosts and --hosts-file both name hosts; expected one of them');
    expect(() => sshSpecOf({ hostsFile: '/no/such/file' })).toThrow('--hosts-file /no/such/file cannot be read (ENOENT); expected a file naming one host a line');
  });

  it('keeps --ssh-debs in the spec and the rerun line, and refuses a directory without .deb files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-debs-'));
    expect(() => sshSpecOf({ hosts: 'a', sshPrivateKey: '/k', sshDebs: dir })).toThrow(`--ssh-debs ${dir} holds no .deb file; expected the Debian packages the hosts lack (apt-get download PACKAGE)`);
    expect(() => sshSpecOf({ hosts: 'a', sshPrivateKey: '/k', sshDebs: join(dir, 'none') })).toThrow(`--ssh-debs ${join(dir, 'none')} cannot be read (ENOENT); expected a directory of .deb files`);
    writeFileSync(join(dir, 'etcd-server_3.4_amd64.deb'), '');
    const withDebs = { ...ssh, debs: dir };
    expect(sshSpecOf({ hosts: '10.0.0.2,10.0.0.3,10.0.0.4', sshUser: 'admin', sshPrivateKey: '/k', sshKnownHosts: '/kh', sshDebs: dir })).toEqual(withDebs);
    const spec = resolveSpec({ runtime: 'ssh', ssh: withDebs, seed: 1 }, registry);
    expect(resolveNestedSpec(JSON.parse(JSON.stringify(spec)), registry).ssh).toEqual(withDebs);
    expect(replayCommand(spec, registry)).toContain(`--ssh-sudo --ssh-debs ${dir}`);
  });
});
