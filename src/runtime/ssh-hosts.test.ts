import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSshSpec, parseHostList, parseHostsFile, resolveSshSpec, sshCleanupCommand } from './ssh-hosts.js';

describe('ssh hosts', () => {
  it('reads --hosts lists and refuses bad or repeated names', () => {
    expect(parseHostList(' n1.example, 10.0.0.2 ,[fd00::1]')).toEqual(['n1.example', '10.0.0.2', '[fd00::1]']);
    expect(() => parseHostList('')).toThrow('--hosts names no host');
    expect(() => parseHostList('n1,n1')).toThrow('--hosts names n1 twice');
    expect(() => parseHostList('n1:2222')).toThrow('"n1:2222" is not a host name or address; expected e.g. n1.example or 10.0.0.5 (the port goes in --ssh-port)');
    expect(() => parseHostList('a;rm')).toThrow(/"a;rm" is not a host name/);
  });

  it('reads a hosts file, one a line, with comments', () => {
    expect(parseHostsFile('# db hosts\nn1\n\n  n2  # second\n', 'hosts.txt')).toEqual(['n1', 'n2']);
    expect(() => parseHostsFile('n1 n2\n', 'hosts.txt')).toThrow('--hosts-file hosts.txt line 1: "n1 n2" holds more than one word; expected one host a line');
  });

  it('fills in defaults: root, port 22, ssh\'s own key and known_hosts, strict, sudo unless root', () => {
    const home = mkdtempSync(join(tmpdir(), 'faultline-ssh-home-'));
    mkdirSync(join(home, '.ssh'));
    writeFileSync(join(home, '.ssh', 'id_rsa'), '');
    expect(resolveSshSpec({ hosts: ['n1'] }, home)).toEqual({ hosts: ['n1'], user: 'root', port: 22, privateKey: join(home, '.ssh', 'id_rsa'), knownHosts: join(home, '.ssh', 'known_hosts'), strictHostKeys: true, sudo: false });
    expect(resolveSshSpec({ hosts: ['n1'], user: 'admin', port: '2222' }, home)).toMatchObject({ user: 'admin', port: 2222, sudo: true });
    expect(() => resolveSshSpec({ hosts: ['n1'], port: '0' }, home)).toThrow('--ssh-port "0" is not a port');
    expect(() => resolveSshSpec({}, home)).toThrow('--runtime ssh needs its hosts');
  });

  it('checks a stored spec field by field', () => {
    const stored = { hosts: ['n1'], user: 'u', port: 22, privateKey: '/k', knownHosts: '/kh', strictHostKeys: true, sudo: true };
    expect(checkSshSpec(stored)).toEqual(stored);
    expect(() => checkSshSpec({ ...stored, sudo: 'yes' })).toThrow('"ssh.sudo" is "yes"; expected true or false');
    expect(() => checkSshSpec(undefined)).toThrow(/"ssh" is undefined/);
  });

  it('prints a cleanup command that reaches the hosts as the run did (the lost-host and teardown lines)', () => {
    const ssh = { hosts: ['h1', 'h2'], user: 'ops', port: 2222, privateKey: '/keys/id', knownHosts: '/keys/kh', strictHostKeys: false, sudo: true, debs: '/debs' };
    expect(sshCleanupCommand(ssh)).toBe('npx faultline cleanup --runtime ssh --hosts h1,h2 --ssh-user ops --ssh-port 2222 --ssh-private-key /keys/id --ssh-known-hosts /keys/kh --no-ssh-strict-host-keys --ssh-sudo');
    expect(sshCleanupCommand({ ...ssh, strictHostKeys: true, sudo: false }, ['h2'])).toBe('npx faultline cleanup --runtime ssh --hosts h2 --ssh-user ops --ssh-port 2222 --ssh-private-key /keys/id --ssh-known-hosts /keys/kh --no-ssh-sudo');
  });
});
