// Node images: built from the definitions in docker/, once, and cached by a hash of each
// definition (its files, its parent's hash, and for `bundled` the Node binary it copies in).
//
// The base comes from one of two places. Without a registry (the default, and the case on
// faultline's own machines) it is a Debian rootfs made by debootstrap and imported; node images
// are then built on it with `docker build --network none` from .deb files downloaded beforehand
// with the rootfs's own apt, so the build itself needs no network. With `--base-from registry`
// the base is built from docker/base/Dockerfile (FROM debian:bookworm-slim) and node images
// install their packages from Debian's mirror inside the build.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { engineCall } from './docker-call.js';
import { connectDocker, LABELS } from './docker-engine.js';

/** Every image definition, parents before children. */
export const IMAGE_NAMES = ['base', 'bundled', 'etcd', 'redis', 'zookeeper'] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

export const BASE_SOURCES = ['debootstrap', 'registry'] as const;
export type BaseSource = (typeof BASE_SOURCES)[number];

export interface BuildOptions {
  /** Rebuild even when an image with the current hash exists. */
  force?: boolean;
  baseFrom?: BaseSource;
  /** Progress lines. */
  log?: (line: string) => void;
  /** An engine connection to use instead of the one at DOCKER_SOCKET. */
  docker?: Docker;
}

const REGISTRY_BASE = 'debian:bookworm-slim';
const DEBIAN_MIRROR = process.env.FAULTLINE_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

/** The faultline checkout this module belongs to (the directory holding its package.json). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'docker'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the faultline package (package.json and docker/) above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** Where faultline keeps its rootfs and build logs. */
export function cacheDir(): string {
  return process.env.FAULTLINE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'faultline');
}

function definitionDir(name: ImageName): string {
  return join(packageRoot(), 'docker', name);
}

/** The hash of an image's definition; it changes whenever the image must be rebuilt. */
export function imageHash(name: ImageName): string {
  const hash = createHash('sha256');
  const dir = definitionDir(name);
  for (const file of readdirSync(dir).sort()) {
    hash.update(`${file}\0`).update(readFileSync(join(dir, file))).update('\0');
  }
  if (name !== 'base') hash.update(`base:${imageHash('base')}\0`);
  if (name === 'bundled') hash.update(`node:${process.version}:${statSync(process.execPath).size}\0`);
  return hash.digest('hex');
}

/** The tag of an image's current definition, e.g. faultline/etcd:3f2a9c01b7d4. */
export function imageTag(name: ImageName): string {
  return `faultline/${name}:${imageHash(name).slice(0, 12)}`;
}

function parentOf(name: ImageName): ImageName | undefined {
  return name === 'base' ? undefined : 'base';
}

/** Asks the engine for an image by tag, within the call deadline (a list, because image inspect cannot be aborted). */
async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  const filters = JSON.stringify({ reference: [tag] });
  const found = await engineCall(`\`list\` of images tagged ${tag}`, (abortSignal) => docker.listImages({ filters, abortSignal } as unknown as Docker.ListImagesOptions));
  return found.some((image) => (image.RepoTags ?? []).includes(tag));
}

const building = new Map<string, Promise<string>>();

/** Returns the tag of an image's current definition, building it (and its base) if missing. */
export function ensureImage(name: ImageName, options: BuildOptions = {}): Promise<string> {
  const tag = imageTag(name);
  let pending = building.get(tag);
  if (!pending) {
    pending = (async () => {
      const docker = options.docker ?? (await connectDocker());
      if (!options.force && (await imageExists(docker, tag))) return tag;
      const parent = parentOf(name);
      if (parent) await ensureImage(parent, { ...options, force: false });
      await buildImage(docker, name, tag, options);
      return tag;
    })();
    building.set(tag, pending);
    pending.catch(() => building.delete(tag));
  }
  return pending;
}

async function buildImage(docker: Docker, name: ImageName, tag: string, options: BuildOptions): Promise<void> {
  const log = options.log ?? (() => undefined);
  const baseFrom = options.baseFrom ?? 'debootstrap';
  const started = Date.now();
  mkdirSync(cacheDir(), { recursive: true });
  log(`building image ${tag} (base from ${baseFrom}; cached afterwards)`);
  if (name === 'base' && baseFrom === 'debootstrap') {
    const rootfs = await ensureRootfs(log);
    await importRootfs(docker, rootfs, tag);
  } else {
    const context = mkdtempSync(join(cacheDir(), `context-${name}-`));
    try {
      prepareContext(name, context);
      if (name !== 'base' && baseFrom === 'debootstrap' && readPackages(name).length > 0) await downloadPackages(name, join(context, 'debs'), log);
      if (name === 'base') await pull(docker, REGISTRY_BASE, log);
      await dockerBuild(docker, name, tag, context, baseFrom === 'debootstrap', log);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  }
  log(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** A debootstrapped Debian rootfs with the base packages and faultline's scripts, cached by the base hash. */
async function ensureRootfs(log: (line: string) => void): Promise<string> {
  const rootfs = join(cacheDir(), `rootfs-${imageHash('base').slice(0, 12)}`);
  const complete = join(rootfs, '.faultline-complete');
  if (existsSync(complete)) return rootfs;
  if (process.getuid?.() !== 0) throw new Error(`building the base image needs root (debootstrap and chroot); running as uid ${process.getuid?.()}`);
  const partial = `${rootfs}.partial`;
  // A debootstrap that died may have left /proc mounted inside: unmount before removing.
  await execa('umount', [join(partial, 'proc')], { reject: false });
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(dirname(partial), { recursive: true });
  const packages = readPackages('base');
  log(`debootstrap bookworm with ${packages.join(', ')} into ${partial} (about a minute)`);
  await run('debootstrap', ['--variant=minbase', `--include=${packages.join(',')}`, 'bookworm', partial, DEBIAN_MIRROR]);
  for (const script of ['faultline-run', 'install-packages']) {
    const target = join(partial, 'usr/local/bin', script);
    copyFileSync(join(definitionDir('base'), script), target);
    chmodSync(target, 0o755);
  }
  writeFileSync(join(partial, '.faultline-complete'), `${imageHash('base')}\n`);
  rmSync(rootfs, { recursive: true, force: true });
  renameSync(partial, rootfs);
  return rootfs;
}

/** `tar -C rootfs -c . | docker import`, without the apt lists and caches. */
async function importRootfs(docker: Docker, rootfs: string, tag: string): Promise<void> {
  const tar = execa('tar', [
    '-C', rootfs,
    '--exclude=./var/lib/apt/lists/*', '--exclude=./var/cache/apt/*.bin', '--exclude=./var/cache/apt/archives/*.deb',
    '--exclude=./var/cache/faultline-debs', '--exclude=./.faultline-complete',
    '-c', '.',
  ], { stdout: 'pipe', buffer: false });
  const [repo, version] = tag.split(':') as [string, string];
  const stream = await docker.importImage(tar.stdout as unknown as NodeJS.ReadableStream, {
    repo,
    tag: version,
    changes: [`LABEL ${LABELS.image}=base`, `LABEL ${LABELS.hash}=${imageHash('base')}`, 'CMD ["/bin/bash"]'],
  } as unknown as Parameters<Docker['importImage']>[1]);
  const output = await followProgress(docker, stream, `importing ${tag}`);
  await tar;
  if (!(await imageExists(docker, tag))) throw new Error(`importing the base rootfs ${rootfs} as ${tag} failed: ${output.slice(-2).join(' / ')}`);
}

/** Downloads the .deb files an image needs (with all dependencies missing from the base) using the rootfs's apt. */
async function downloadPackages(name: ImageName, into: string, log: (line: string) => void): Promise<void> {
  const rootfs = await ensureRootfs(log);
  const packages = readPackages(name);
  const inside = `/var/cache/faultline-debs/${name}`;
  const archives = join(rootfs, inside);
  rmSync(archives, { recursive: true, force: true });
  mkdirSync(join(archives, 'partial'), { recursive: true });
  log(`downloading ${packages.join(', ')} and their dependencies`);
  await run('chroot', [rootfs, 'apt-get', 'update', '-q']);
  await run('chroot', [rootfs, 'apt-get', 'install', '-y', '-q', '--no-install-recommends', '--download-only', '-o', `Dir::Cache::archives=${inside}`, ...packages]);
  mkdirSync(into, { recursive: true });
  for (const deb of readdirSync(archives).filter((f) => f.endsWith('.deb'))) renameSync(join(archives, deb), join(into, deb));
  rmSync(archives, { recursive: true, force: true });
}

function prepareContext(name: ImageName, context: string): void {
  cpSync(definitionDir(name), context, { recursive: true });
  mkdirSync(join(context, 'debs'), { recursive: true });
  if (name === 'bundled') copyFileSync(process.execPath, join(context, 'node'));
}

async function dockerBuild(docker: Docker, name: ImageName, tag: string, context: string, offline: boolean, log: (line: string) => void): Promise<void> {
  const tar = execa('tar', ['-C', context, '-c', '.'], { stdout: 'pipe', buffer: false });
  const stream = await docker.buildImage(tar.stdout as unknown as NodeJS.ReadableStream, {
    t: tag,
    buildargs: name === 'base' ? {} : { BASE: imageTag('base') },
    labels: { [LABELS.image]: name, [LABELS.hash]: imageHash(name) },
    rm: true,
    forcerm: true,
    ...(offline && { networkmode: 'none' }),
  });
  const output = await followProgress(docker, stream, `building ${tag}`, (line) => {
    if (/^Step \d+\/\d+/.test(line)) log(`  ${name}: ${line}`);
  });
  await tar;
  const logPath = join(cacheDir(), `build-${name}.log`);
  writeFileSync(logPath, output.join('\n') + '\n');
  if (!(await imageExists(docker, tag))) {
    throw new Error(`building image ${tag} failed: ${output.slice(-3).join(' / ')} (full output in ${logPath})`);
  }
}

async function pull(docker: Docker, image: string, log: (line: string) => void): Promise<void> {
  log(`pulling ${image}`);
  const stream = await docker.pull(image);
  await followProgress(docker, stream, `pulling ${image}`);
}

/** How long a build, import or pull may go without a word from the engine before it is given up. */
const PROGRESS_STALL_MS = 300_000;

/** Follows a build, import or pull stream; resolves with its lines, rejects on an error entry or when the engine falls silent. */
function followProgress(docker: Docker, stream: NodeJS.ReadableStream, what: string, onLine?: (line: string) => void): Promise<string[]> {
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const quiet = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        reject(new Error(`the Docker engine sent nothing for ${PROGRESS_STALL_MS / 1000} s while ${what}; last lines: ${lines.slice(-2).join(' / ') || 'none'}`));
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      }, PROGRESS_STALL_MS);
    };
    quiet();
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(lines);
      },
      (event: { stream?: string; status?: string; error?: string }) => {
        quiet();
        const text = (event.error ?? event.stream ?? event.status ?? '').trimEnd();
        if (event.error) {
          lines.push(`ERROR: ${text}`);
          return;
        }
        for (const line of text.split('\n')) {
          if (line === '') continue;
          lines.push(line);
          onLine?.(line);
        }
      },
    );
  });
}

/** The Debian packages an image installs (none when it has no packages.txt). */
function readPackages(name: ImageName): string[] {
  const list = join(definitionDir(name), 'packages.txt');
  if (!existsSync(list)) return [];
  return readFileSync(list, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Runs a host tool (argument array); throws one line with the end of its output on failure. */
async function run(command: string, args: string[]): Promise<void> {
  const result = await execa(command, args, { all: true, reject: false, env: { DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.exitCode !== 0) {
    const tail = String(result.all ?? result.message).trim().split('\n').slice(-3).join(' / ');
    throw new Error(`\`${command} ${args.join(' ')}\` failed (exit ${result.exitCode ?? result.signal}): ${tail}`);
  }
}

export interface ImageInfo {
  name: string;
  tag: string;
  id: string;
  sizeMb: number;
  createdAt: string;
  /** True when its hash is that of the current definition. */
  current: boolean;
}

/** Every faultline image on the engine, current ones first. */
export async function listImages(): Promise<ImageInfo[]> {
  const docker = await connectDocker();
  const images = await docker.listImages({ filters: JSON.stringify({ label: [LABELS.image] }) } as unknown as Docker.ListImagesOptions);
  const current = new Set(IMAGE_NAMES.map((n) => imageTag(n)));
  return images
    .flatMap((image) => (image.RepoTags ?? ['<none>:<none>']).map((tag) => ({
      name: image.Labels?.[LABELS.image] ?? '?',
      tag,
      id: image.Id.replace(/^sha256:/, '').slice(0, 12),
      sizeMb: Math.round(image.Size / 1e6),
      createdAt: new Date(image.Created * 1000).toISOString(),
      current: current.has(tag),
    })))
    .sort((a, b) => Number(b.current) - Number(a.current) || a.name.localeCompare(b.name));
}

/** Removes faultline images: only stale ones (an older definition), or all of them. Returns the removed tags. */
export async function removeImages(which: 'stale' | 'all'): Promise<string[]> {
  const docker = await connectDocker();
  const removed: string[] = [];
  // Children before the base, so the base is no longer in use when its turn comes.
  const images = (await listImages()).filter((i) => which === 'all' || !i.current).sort((a, b) => Number(a.name === 'base') - Number(b.name === 'base'));
  for (const image of images) {
    await docker.getImage(image.tag === '<none>:<none>' ? image.id : image.tag).remove({ force: false });
    removed.push(image.tag);
  }
  if (which === 'all') rmSync(cacheDir(), { recursive: true, force: true });
  return removed;
}
