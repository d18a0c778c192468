// Node image values: the constructors accept what the convention allows and refuse the rest in
// one line that names the value and what was expected.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkNodeImage, contextFiles, isBuiltin, nodeImage, packagesOf, PACKAGES_DOCKERFILE, toNodeImage } from './node-image.js';
import { packageRoot } from './package-root.js';

const root = mkdtempSync(join(tmpdir(), 'faultline-node-image-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A directory under the temp root holding these files. */
function definition(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

const DOCKERFILE = 'ARG BASE\nFROM ${BASE}\nCOPY debs/ /tmp/faultline/debs/\n';

describe('nodeImage.fromDir', () => {
  it('takes a path, a file: URL or a file: URL string, named after the directory', () => {
    const dir = definition('nats', { Dockerfile: DOCKERFILE, 'packages.txt': '# the server\nnats-server\n\n' });
    expect(nodeImage.fromDir(dir)).toEqual({ name: 'nats', dir });
    expect(nodeImage.fromDir(pathToFileURL(`${dir}/`))).toEqual({ name: 'nats', dir });
    expect(nodeImage.fromDir(pathToFileURL(dir).href, 'nats-js')).toEqual({ name: 'nats-js', dir });
    expect(nodeImage.fromDir(relative(process.cwd(), dir))).toEqual({ name: 'nats', dir });
    expect(packagesOf(nodeImage.fromDir(dir))).toEqual(['nats-server']);
  });

  it('accepts FROM $BASE, FROM ${BASE} AS stage and lowercase from', () => {
    for (const [i, text] of ['ARG BASE\nFROM $BASE\n', 'ARG BASE\nFROM ${BASE} AS node\n', 'arg BASE\nfrom ${BASE}\n'].entries()) {
      expect(nodeImage.fromDir(definition(`from-${i}`, { Dockerfile: text })).name).toBe(`from-${i}`);
    }
  });

  it('refuses a missing directory, a file, a directory without a Dockerfile, or one not built on the base', () => {
    const file = join(definition('plain', { 'x.txt': 'x' }), 'x.txt');
    expect(() => nodeImage.fromDir(join(root, 'absent'))).toThrow(`node image "absent": ${join(root, 'absent')} is not a directory; expected a directory holding a Dockerfile`);
    expect(() => nodeImage.fromDir(file, 'x')).toThrow(/is not a directory/);
    expect(() => nodeImage.fromDir(join(root, 'plain'))).toThrow(`node image "plain": ${join(root, 'plain')} has no Dockerfile; expected a Dockerfile built on the faultline base`);
    const debian = definition('debian', { Dockerfile: 'FROM debian:bookworm\n' });
    expect(() => nodeImage.fromDir(debian)).toThrow(`node image "debian": ${join(debian, 'Dockerfile')} has no "FROM \${BASE}"`);
  });

  it('refuses a packages.txt line that is no Debian package name, naming the file and line', () => {
    const dir = definition('badlist', { Dockerfile: DOCKERFILE, 'packages.txt': 'nats-server\nNATS Server\n' });
    expect(() => nodeImage.fromDir(dir)).toThrow(`${join(dir, 'packages.txt')} line 2: Debian package "NATS Server" is not valid`);
  });

  it('refuses a directory name that is no image name, and says to pass one', () => {
    const dir = definition('My_DB', { Dockerfile: DOCKERFILE });
    expect(() => nodeImage.fromDir(dir)).toThrow(/^node image name "My_DB" is not valid; expected lowercase letters.*pass a name: nodeImage.fromDir\(dir, "my-db"\)$/);
    expect(nodeImage.fromDir(dir, 'my-db').name).toBe('my-db');
  });

  it('refuses a non-file URL', () => {
    expect(() => nodeImage.fromDir(new URL('https://example.com/nats/'))).toThrow('node image directory https://example.com/nats/ is not a file: URL');
  });

  it('allows a built-in name only for the built-in directory itself', () => {
    const etcd = nodeImage.fromDir(join(packageRoot(), 'docker', 'etcd'));
    expect(etcd.name).toBe('etcd');
    expect(isBuiltin(etcd)).toBe(true);
    const mine = definition('etcd', { Dockerfile: DOCKERFILE });
    expect(() => nodeImage.fromDir(mine)).toThrow(`node image "etcd" from ${mine} has the name of a built-in image`);
    expect(isBuiltin({ name: 'etcd', dir: mine })).toBe(false);
  });
});

describe('nodeImage.debian', () => {
  it('makes an image of the base plus packages, its Dockerfile written by faultline', () => {
    const image = nodeImage.debian('nats', ['nats-server', 'curl', 'nats-server']);
    expect(image).toEqual({ name: 'nats', packages: ['nats-server', 'curl', 'nats-server'] });
    expect(packagesOf(image)).toEqual(['curl', 'nats-server']);
    expect(contextFiles(image).map((f) => [f.path, f.content.toString()])).toEqual([
      ['Dockerfile', PACKAGES_DOCKERFILE],
      ['packages.txt', 'curl\nnats-server\n'],
    ]);
    expect(nodeImage.debian('pg', ['postgresql-15=15.6-0+deb12u1']).packages).toEqual(['postgresql-15=15.6-0+deb12u1']);
  });

  it('refuses bad names, built-in names, no packages and bad package names', () => {
    for (const name of ['Nats', '-nats', 'nats-', '', 'a_b', 'a'.repeat(65)]) {
      expect(() => nodeImage.debian(name, ['nats-server'])).toThrow(`node image name ${JSON.stringify(name)} is not valid`);
    }
    expect(() => nodeImage.debian('redis', ['redis-server'])).toThrow('node image "redis" has the name of a built-in image (docker/redis); expected another name');
    expect(() => nodeImage.debian('nats', [])).toThrow('node image "nats" has packages []; expected a non-empty array of Debian package names');
    expect(() => nodeImage.debian('nats', ['nats server'])).toThrow('node image "nats": Debian package "nats server" is not valid');
    expect(() => nodeImage.debian('nats', ['x'])).toThrow('Debian package "x" is not valid');
  });
});

describe('checkNodeImage and toNodeImage', () => {
  it('checks values written by hand', () => {
    const dir = definition('literal', { Dockerfile: DOCKERFILE });
    expect(checkNodeImage({ name: 'literal', dir })).toEqual({ name: 'literal', dir });
    expect(() => checkNodeImage('nats')).toThrow('node image "nats" is not valid; expected { name, dir } or { name, packages }');
    expect(() => checkNodeImage({ name: 'x1' })).toThrow('node image {"name":"x1"} has neither dir nor packages; expected exactly one of them');
    expect(() => checkNodeImage({ name: 'x1', dir, packages: ['curl'] })).toThrow(/has both dir and packages/);
    expect(() => checkNodeImage({ name: 'x1', dir: 'docker/x1' })).toThrow('node image "x1" has dir "docker/x1"; expected an absolute path');
    expect(() => checkNodeImage({ name: 'x1', packages: 'curl' })).toThrow('node image "x1" has packages "curl"; expected a non-empty array');
  });

  it('takes a built-in name, and names the built-ins when given another', () => {
    expect(toNodeImage('etcd')).toEqual({ name: 'etcd', dir: join(packageRoot(), 'docker', 'etcd') });
    expect(() => toNodeImage('nats')).toThrow('no node image "nats"; expected one of bundled, etcd, mariadb, postgres, redis, zookeeper (docker/<name>), or a NodeImage');
  });

  it('finds every built-in valid under its own rules', () => {
    for (const name of ['base', 'bundled', 'etcd', 'mariadb', 'postgres', 'redis', 'zookeeper'] as const) {
      expect(checkNodeImage(nodeImage.builtin(name))).toEqual(nodeImage.builtin(name));
    }
  });
});
