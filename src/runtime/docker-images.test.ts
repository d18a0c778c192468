// Image hashes without Docker: a user's definition directory is hashed like a built-in, so its
// tag changes with any of its files and with the base it is built on. The package root is a
// temp copy of docker/, so the base can be changed without touching the checkout.
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

const fakeRoot = mkdtempSync(join(tmpdir(), 'faultline-images-root-'));
cpSync(resolve(import.meta.dirname, '../../docker'), join(fakeRoot, 'docker'), { recursive: true });
vi.mock('./package-root.js', () => ({ packageRoot: () => fakeRoot }));

const { imageFromLabels, imageHash, imageTag, sourceLabel } = await import('./docker-images.js');
const { LABELS } = await import('./docker-engine.js');
const { nodeImage } = await import('./node-image.js');

const root = mkdtempSync(join(tmpdir(), 'faultline-images-'));
const basePackages = join(fakeRoot, 'docker', 'base', 'packages.txt');
const basePackagesText = readFileSync(basePackages, 'utf8');
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(fakeRoot, { recursive: true, force: true });
});
beforeEach(() => writeFileSync(basePackages, basePackagesText));

let count = 0;
/** A fresh definition directory holding these files. */
function definition(files: Record<string, string>): string {
  const dir = join(root, `def${count++}`);
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const DOCKERFILE = 'ARG BASE\nFROM ${BASE}\nCOPY packages.txt debs/ /tmp/faultline/\n';

describe('image hashes', () => {
  it('change when a file of the definition changes, is added, renamed or removed, and come back when it is restored', () => {
    const dir = definition({ Dockerfile: DOCKERFILE, 'packages.txt': 'nats-server\n', 'conf/nats.conf': 'port: 4222\n' });
    const image = nodeImage.fromDir(dir, 'nats');
    const before = imageHash(image);
    expect(imageHash(image)).toBe(before);

    appendFileSync(join(dir, 'conf/nats.conf'), 'debug: true\n');
    const edited = imageHash(image);
    expect(edited).not.toBe(before);
    writeFileSync(join(dir, 'conf/nats.conf'), 'port: 4222\n');
    expect(imageHash(image)).toBe(before);

    writeFileSync(join(dir, 'README'), 'notes\n');
    expect(imageHash(image)).not.toBe(before);
    rmSync(join(dir, 'README'));
    renameSync(join(dir, 'conf/nats.conf'), join(dir, 'conf/server.conf'));
    expect(imageHash(image)).not.toBe(before);
    renameSync(join(dir, 'conf/server.conf'), join(dir, 'conf/nats.conf'));
    expect(imageHash(image)).toBe(before);
  });

  it('include the base: a change to docker/base changes every other image, not only the base', () => {
    const image = nodeImage.fromDir(definition({ Dockerfile: DOCKERFILE }), 'mine');
    const debian = nodeImage.debian('nats', ['nats-server']);
    const before = { base: imageHash('base'), mine: imageHash(image), debian: imageHash(debian), etcd: imageHash('etcd') };
    appendFileSync(basePackages, 'strace\n');
    const after = { base: imageHash('base'), mine: imageHash(image), debian: imageHash(debian), etcd: imageHash('etcd') };
    for (const key of Object.keys(before) as (keyof typeof before)[]) expect(after[key], key).not.toBe(before[key]);
  });

  it('are equal for equal definitions wherever they are, and depend on every byte (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.string({ maxLength: 20 }), { minKeys: 1, maxKeys: 4 }),
        fc.nat(),
        (files, pick) => {
          const all = { Dockerfile: DOCKERFILE, ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`f-${k}`, v])) };
          const a = nodeImage.fromDir(definition(all), 'prop');
          const b = nodeImage.fromDir(definition(all), 'prop');
          expect(imageHash(a)).toBe(imageHash(b));
          const names = Object.keys(all);
          const changed = names[pick % names.length] as string;
          appendFileSync(join(b.dir, changed), 'x');
          expect(imageHash(a)).not.toBe(imageHash(b));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('of a package list do not depend on its order or repeats', () => {
    expect(imageHash(nodeImage.debian('nats', ['nats-server', 'curl']))).toBe(imageHash(nodeImage.debian('nats', ['curl', 'nats-server', 'curl'])));
    expect(imageHash(nodeImage.debian('nats', ['nats-server']))).not.toBe(imageHash(nodeImage.debian('nats', ['nats-server', 'curl'])));
  });

  it('make the tag faultline/<name>:<first 12 of the hash>', () => {
    const image = nodeImage.debian('nats', ['nats-server']);
    expect(imageTag(image)).toBe(`faultline/nats:${imageHash(image).slice(0, 12)}`);
    expect(imageTag('etcd')).toMatch(/^faultline\/etcd:[0-9a-f]{12}$/);
    expect(imageTag(nodeImage.builtin('etcd'))).toBe(imageTag('etcd'));
  });
});

describe('source labels', () => {
  it('let a listing find a user image definition again, or know it is gone', () => {
    const dir = definition({ Dockerfile: DOCKERFILE });
    const fromDir = nodeImage.fromDir(dir, 'mine');
    const debian = nodeImage.debian('nats', ['nats-server', 'curl']);
    for (const image of [fromDir, debian]) {
      const labels = { [LABELS.image]: image.name, [LABELS.source]: sourceLabel(image) as string };
      expect(imageTag(imageFromLabels(labels))).toBe(imageTag(image));
    }
    expect(sourceLabel(fromDir)).toBe(`dir:${dir}`);
    expect(sourceLabel(debian)).toBe('packages:curl,nats-server');
    expect(sourceLabel(nodeImage.builtin('etcd'))).toBeUndefined();
    expect(imageTag(imageFromLabels({ [LABELS.image]: 'etcd' }))).toBe(imageTag('etcd'));
    rmSync(dir, { recursive: true });
    expect(() => imageFromLabels({ [LABELS.image]: 'mine', [LABELS.source]: `dir:${dir}` })).toThrow(/is not a directory/);
  });
});
