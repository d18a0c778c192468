import { describe, expect, it } from 'vitest';
import { installCommand, installFailure, missingPackages, packageQueryCommand } from './ssh-packages.js';

describe('packages on ssh hosts', () => {
  it('finds the packages dpkg does not show installed, versions and architectures aside', () => {
    const output = 'etcd-server\tii \nredis-server:amd64\tii \nredis-sentinel\trc \n';
    expect(missingPackages(['etcd-server', 'redis-server=5:7.0.15-1', 'redis-sentinel', 'nats-server'], output)).toEqual(['redis-sentinel', 'nats-server']);
    expect(missingPackages(['etcd-server'], '')).toEqual(['etcd-server']);
  });

  it('asks and installs with argument lists, never a shell string', () => {
    expect(packageQueryCommand(['etcd-server'])).toEqual(['dpkg-query', '-W', '-f', '${Package}\t${db:Status-Abbrev}\n', 'etcd-server']);
    expect(installCommand(['/tmp/x/a b.deb'])).toEqual(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', '--no-install-recommends', '/tmp/x/a b.deb']);
  });

  it("names apt-get's reason in one line", () => {
    expect(installFailure('W: something\nE: Unable to locate package nats-server\n', 'Reading package lists...')).toBe('E: Unable to locate package nats-server');
    expect(installFailure('', 'dpkg: error processing archive\n')).toBe('dpkg: error processing archive');
    expect(installFailure('', '')).toBe('no output');
  });
});
