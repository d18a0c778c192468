// Node images as values: what a container node runs on. Either a directory holding a Dockerfile
// built on the faultline base (`ARG BASE` then `FROM ${BASE}`, optionally with a packages.txt of
// Debian packages, as in faultline's own docker/<name>), or a list of Debian packages from which
// faultline writes that Dockerfile itself. The built-ins are directories of docker/.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from './package-root.js';

/** A node image defined by a directory: a Dockerfile built FROM the faultline base, and optionally packages.txt. */
export interface NodeImageDir {
  name: string;
  /** Absolute path of the directory. */
  dir: string;
}

/** A node image that is the faultline base plus these Debian packages (faultline writes its Dockerfile). */
export interface NodeImagePackages {
  name: string;
  packages: readonly string[];
}

export type NodeImage = NodeImageDir | NodeImagePackages;

/** The images faultline ships (docker/<name>), parents before children. */
export const BUILTIN_IMAGE_NAMES = ['base', 'bundled', 'etcd', 'mariadb', 'postgres', 'redis', 'zookeeper'] as const;
export type BuiltinImageName = (typeof BUILTIN_IMAGE_NAMES)[number];

/** A file of an image's build context. */
export interface ContextFile {
  /** Relative to the context, with `/` between directories. */
  path: string;
  content: Buffer;
}

// Docker's own rule for a repository name part forbids a trailing dash, so this does too.
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
// Debian policy 5.6.1 (lowercase letters, digits, + - .; two characters or more), optionally `=version`.
const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]+(?:=[A-Za-z0-9.+~:-]+)?$/;
const FROM_BASE = /^\s*FROM\s+\$\{?BASE\}?(\s|$)/im;

/** The Dockerfile of a package list image: the same steps as the built-ins that install packages. */
export const PACKAGES_DOCKERFILE = [
  '# The faultline base plus the Debian packages in packages.txt (written by faultline).',
  'ARG BASE',
  'FROM ${BASE}',
  'COPY packages.txt /tmp/faultline/',
  'COPY debs/ /tmp/faultline/debs/',
  'RUN install-packages /tmp/faultline/packages.txt /tmp/faultline/debs',
  '',
].join('\n');

/** Small constructors for the node images a definition ships. Each checks its value and throws one line. */
export const nodeImage = {
  /**
   * An image defined by a directory (a path, or a file: URL such as `new URL('./docker/nats/', import.meta.url)`);
   * its name defaults to the directory's name.
   */
  fromDir(dir: string | URL, name?: string): NodeImageDir {
    const path = directoryPath(dir);
    return checkNodeImage({ name: name ?? basename(path), dir: path }, name === undefined ? `; pass a name: nodeImage.fromDir(dir, "my-db")` : '') as NodeImageDir;
  },
  /** The faultline base plus these Debian packages, e.g. `nodeImage.debian('nats', ['nats-server'])`. */
  debian(name: string, packages: readonly string[]): NodeImagePackages {
    return checkNodeImage({ name, packages }) as NodeImagePackages;
  },
  /** One of faultline's own images (docker/<name>). */
  builtin(name: BuiltinImageName): NodeImageDir {
    if (!isBuiltinName(name)) throw new Error(`node image "${String(name)}" is not a built-in; expected one of ${BUILTIN_IMAGE_NAMES.join(', ')}`);
    return { name, dir: builtinDir(name) };
  },
};

/** A built-in image name or a NodeImage, as a runtime's spawn takes it, checked and made a NodeImage. */
export function toNodeImage(ref: string | NodeImage): NodeImage {
  if (typeof ref !== 'string') return checkNodeImage(ref);
  if (isBuiltinName(ref)) return nodeImage.builtin(ref);
  const choices = BUILTIN_IMAGE_NAMES.filter((n) => n !== 'base').join(', ');
  throw new Error(`no node image "${ref}"; expected one of ${choices} (docker/<name>), or a NodeImage ({ name, dir } or { name, packages })`);
}

/** True for faultline's own images: a built-in name with the built-in directory. */
export function isBuiltin(image: NodeImage): image is NodeImageDir & { name: BuiltinImageName } {
  return isBuiltinName(image.name) && 'dir' in image && sameDir(image.dir, builtinDir(image.name));
}

export function isBuiltinName(name: string): name is BuiltinImageName {
  return (BUILTIN_IMAGE_NAMES as readonly string[]).includes(name);
}

/**
 * Checks a value meant as a NodeImage (from a constructor or written by hand) and returns it
 * with its directory resolved; throws one line naming the value and what was expected.
 */
export function checkNodeImage(value: unknown, nameHint = ''): NodeImage {
  const shown = show(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`node image ${shown} is not valid; expected { name, dir } or { name, packages }`);
  }
  const { name, dir, packages } = value as { name?: unknown; dir?: unknown; packages?: unknown };
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new Error(`node image name ${show(name)} is not valid; expected lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 64 characters${nameHint}`);
  }
  if ((dir === undefined) === (packages === undefined)) {
    throw new Error(`node image ${shown} has ${dir === undefined ? 'neither dir nor packages' : 'both dir and packages'}; expected exactly one of them`);
  }
  if (packages !== undefined) {
    if (isBuiltinName(name)) throw new Error(`node image "${name}" has the name of a built-in image (docker/${name}); expected another name`);
    if (!Array.isArray(packages) || packages.length === 0) throw new Error(`node image "${name}" has packages ${show(packages)}; expected a non-empty array of Debian package names`);
    for (const p of packages) checkPackageName(p, `node image "${name}"`);
    return { name, packages: [...packages] };
  }
  if (typeof dir !== 'string' || !isAbsolute(dir)) throw new Error(`node image "${name}" has dir ${show(dir)}; expected an absolute path (nodeImage.fromDir resolves relative ones)`);
  const path = resolve(dir);
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new Error(`node image "${name}": ${path} is not a directory; expected a directory holding a Dockerfile`);
  const dockerfile = join(path, 'Dockerfile');
  if (!existsSync(dockerfile) || !statSync(dockerfile).isFile()) throw new Error(`node image "${name}": ${path} has no Dockerfile; expected a Dockerfile built on the faultline base (ARG BASE, then FROM \${BASE})`);
  if (isBuiltinName(name) && !sameDir(path, builtinDir(name))) {
    throw new Error(`node image "${name}" from ${path} has the name of a built-in image (${builtinDir(name)}); expected another name`);
  }
  if (!(isBuiltinName(name) && name === 'base') && !FROM_BASE.test(readFileSync(dockerfile, 'utf8'))) {
    throw new Error(`node image "${name}": ${dockerfile} has no "FROM \${BASE}"; expected a Dockerfile built on the faultline base (ARG BASE, then FROM \${BASE}): nodes need its faultline-run, iptables and tc`);
  }
  packagesOf({ name, dir: path });
  return { name, dir: path };
}

/** The Debian packages an image installs: its package list, or its packages.txt (none when it has none). */
export function packagesOf(image: NodeImage): string[] {
  if ('packages' in image) return [...new Set(image.packages)].sort();
  const list = join(image.dir, 'packages.txt');
  if (!existsSync(list)) return [];
  const lines = readFileSync(list, 'utf8').split('\n');
  const packages: string[] = [];
  lines.forEach((line, i) => {
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return;
    checkPackageName(text, `${list} line ${i + 1}`);
    packages.push(text);
  });
  return packages;
}

/** The files of an image's definition, sorted by path: its directory's, or the Dockerfile and packages.txt faultline writes. */
export function contextFiles(image: NodeImage): ContextFile[] {
  if ('packages' in image) {
    return [
      { path: 'Dockerfile', content: Buffer.from(PACKAGES_DOCKERFILE) },
      { path: 'packages.txt', content: Buffer.from(packagesOf(image).join('\n') + '\n') },
    ];
  }
  return filesUnder(image.dir)
    .map((file) => ({ path: relative(image.dir, file).split(sep).join('/'), file }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map(({ path, file }) => ({ path, content: readFileSync(file) }));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function checkPackageName(value: unknown, where: string): void {
  if (typeof value !== 'string' || !DEBIAN_PACKAGE.test(value)) {
    throw new Error(`${where}: Debian package ${show(value)} is not valid; expected a package name such as "nats-server" (lowercase letters, digits, + - .), optionally =version`);
  }
}

function builtinDir(name: BuiltinImageName): string {
  return join(packageRoot(), 'docker', name);
}

function directoryPath(dir: string | URL): string {
  if (dir instanceof URL || dir.startsWith('file:')) {
    const url = dir instanceof URL ? dir : new URL(dir);
    if (url.protocol !== 'file:') throw new Error(`node image directory ${url.href} is not a file: URL; expected a path or a file: URL`);
    return fileURLToPath(url).replace(/[\\/]+$/, '') || '/';
  }
  if (typeof dir !== 'string' || dir === '') throw new Error(`node image directory ${show(dir)} is not valid; expected a path or a file: URL`);
  return resolve(dir);
}

function sameDir(a: string, b: string): boolean {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));
  return real(a) === real(b);
}

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
