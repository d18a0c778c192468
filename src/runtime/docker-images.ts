// Node images: built from their definitions (node-image.ts: faultline's own in docker/, or those a
// user's definition ships), once, and cached by a hash of each definition (its files, its
// parent's hash, and for `bundled` the Node binary it copies in).
//
// The base comes from one of two places. Without a registry (the default, and the case on
// faultline's own machines) it is a Debian rootfs made by debootstrap and imported; node images
// are then built on it with `docker build --network none` from .deb files downloaded beforehand
// with the rootfs's own apt, so the build itself needs no network. With `--base-from registry`
// the base is built from docker/base/Dockerfile (FROM debian:bookworm-slim) and node images
// install their packages from Debian's mirror inside the build.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { engineCall } from './docker-call.js';
import { withFileLock } from './file-lock.js';
import { connectDocker, LABELS } from './docker-engine.js';
import { BUILTIN_IMAGE_NAMES, contextFiles, isBuiltin, nodeImage, packagesOf, toNodeImage, type BuiltinImageName, type NodeImage, type NodeImageDir } from './node-image.js';

/** faultline's own image definitions (docker/<name>), parents before children. */
export const IMAGE_NAMES = BUILTIN_IMAGE_NAMES;
export type ImageName = BuiltinImageName;
/** An image as callers name it: a built-in's name, or a NodeImage. */
export type ImageRef = ImageName | NodeImage;

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

/** Where faultline keeps its rootfs and build logs. */
export function cacheDir(): string {
  return process.env.FAULTLINE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'faultline');
}

/** The built-in base (docker/base). */
function base(): NodeImageDir {
  return nodeImage.builtin('base');
}

/** The built-in base, which has no parent; every other image is built FROM it. */
function isBase(image: NodeImage): boolean {
  return image.name === 'base' && isBuiltin(image);
}

/** The hash of an image's definition; it changes whenever the image must be rebuilt. */
export function imageHash(ref: ImageRef): string {
  const image = toNodeImage(ref);
  const hash = createHash('sha256');
  // The same bytes as when only docker/'s flat directories existed, so their built images stay current.
  for (const file of contextFiles(image)) hash.update(`${file.path}\0`).update(file.content).update('\0');
  if (!isBase(image)) hash.update(`base:${imageHash(base())}\0`);
  if (bundlesNode(image)) hash.update(`node:${process.version}:${statSync(process.execPath).size}\0`);
  return hash.digest('hex');
}

/** The tag of an image's current definition, e.g. faultline/etcd:3f2a9c01b7d4. */
export function imageTag(ref: ImageRef): string {
  return `faultline/${toNodeImage(ref).name}:${imageHash(ref).slice(0, 12)}`;
}

/** The built-in bundled image copies in this machine's Node binary. */
function bundlesNode(image: NodeImage): boolean {
  return image.name === 'bundled' && isBuiltin(image);
}

/**
 * Where a user image's definition is, as its `faultline.source` label says: `dir:<path>` or
 * `packages:<a,b>`. Built-ins carry none: their definition is in this package.
 */
export function sourceLabel(image: NodeImage): string | undefined {
  if (isBuiltin(image)) return undefined;
  return 'packages' in image ? `packages:${packagesOf(image).join(',')}` : `dir:${image.dir}`;
}

/** The image a label set describes, so its current tag can be computed again; throws when its definition is gone. */
export function imageFromLabels(labels: Record<string, string>): NodeImage {
  const name = labels[LABELS.image] ?? '';
  const source = labels[LABELS.source];
  if (source === undefined) return toNodeImage(name);
  if (source.startsWith('dir:')) return toNodeImage({ name, dir: source.slice('dir:'.length) });
  if (source.startsWith('packages:')) return toNodeImage({ name, packages: source.slice('packages:'.length).split(',') });
  throw new Error(`label ${LABELS.source}="${source}" is not known; expected dir:<path> or packages:<list>`);
}

/** Asks the engine for an image by tag, within the call deadline (a list, because image inspect cannot be aborted). */
async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  const filters = JSON.stringify({ reference: [tag] });
  const found = await engineCall(`\`list\` of images tagged ${tag}`, (abortSignal) => docker.listImages({ filters, abortSignal } as unknown as Docker.ListImagesOptions));
  return found.some((image) => (image.RepoTags ?? []).includes(tag));
}

const building = new Map<string, Promise<string>>();

/** Returns the tag of an image's current definition, building it (and its base) if missing. */
export function ensureImage(ref: ImageRef, options: BuildOptions = {}): Promise<string> {
  const image = toNodeImage(ref);
  const tag = imageTag(image);
  let pending = building.get(tag);
  if (!pending) {
    pending = (async () => {
      const docker = options.docker ?? (await connectDocker());
      if (!options.force && (await imageExists(docker, tag))) return tag;
      if (!isBase(image)) await ensureImage(base(), { ...options, force: false });
      await buildImage(docker, image, tag, options);
      return tag;
    })();
    building.set(tag, pending);
    pending.catch(() => building.delete(tag));
  }
  return pending;
}

async function buildImage(docker: Docker, image: NodeImage, tag: string, options: BuildOptions): Promise<void> {
  const log = options.log ?? (() => undefined);
  const baseFrom = options.baseFrom ?? 'debootstrap';
  const started = Date.now();
  mkdirSync(cacheDir(), { recursive: true });
  log(`building image ${tag} (base from ${baseFrom}; cached afterwards)`);
  if (isBase(image) && baseFrom === 'debootstrap') {
    const rootfs = await ensureRootfs(log);
    await withRootfsLock(log, () => importRootfs(docker, rootfs, tag));
  } else {
    const context = mkdtempSync(join(cacheDir(), `context-${image.name}-`));
    try {
      prepareContext(image, context);
      if (!isBase(image) && baseFrom === 'debootstrap' && packagesOf(image).length > 0) await downloadPackages(image, join(context, 'debs'), log);
      if (isBase(image)) await pull(docker, REGISTRY_BASE, log);
      await dockerBuild(docker, image, tag, context, baseFrom === 'debootstrap', log);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  }
  log(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Holds the lock on the rootfs (file-lock.ts) while `fn` runs: every faultline process on this
 * machine makes it and runs apt in it in turn (two at once broke apt's package cache there).
 */
function withRootfsLock<T>(log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  mkdirSync(cacheDir(), { recursive: true });
  return withFileLock(join(cacheDir(), 'rootfs.lock'), fn, { onWait: (pid) => log(`waiting for the image build of another faultline process (pid ${pid}) to finish with the rootfs`) });
}

/** A debootstrapped Debian rootfs with the base packages and faultline's scripts, cached by the base hash. */
async function ensureRootfs(log: (line: string) => void): Promise<string> {
  const rootfs = join(cacheDir(), `rootfs-${imageHash(base()).slice(0, 12)}`);
  const complete = join(rootfs, '.faultline-complete');
  if (existsSync(complete)) return rootfs;
  if (process.getuid?.() !== 0) throw new Error(`building the base image needs root (debootstrap and chroot); running as uid ${process.getuid?.()}`);
  return withRootfsLock(log, async () => (existsSync(complete) ? rootfs : makeRootfs(rootfs, log)));
}

async function makeRootfs(rootfs: string, log: (line: string) => void): Promise<string> {
  const partial = `${rootfs}.partial`;
  // A debootstrap that died may have left /proc mounted inside: unmount before removing.
  const { execa } = await import('execa');
  await execa('umount', [join(partial, 'proc')], { reject: false });
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(dirname(partial), { recursive: true });
  const packages = packagesOf(base());
  log(`debootstrap bookworm with ${packages.join(', ')} into ${partial} (about a minute)`);
  await run('debootstrap', ['--variant=minbase', `--include=${packages.join(',')}`, 'bookworm', partial, DEBIAN_MIRROR]);
  for (const script of ['faultline-run', 'install-packages']) {
    const target = join(partial, 'usr/local/bin', script);
    copyFileSync(join(base().dir, script), target);
    chmodSync(target, 0o755);
  }
  writeFileSync(join(partial, '.faultline-complete'), `${imageHash(base())}\n`);
  rmSync(rootfs, { recursive: true, force: true });
  renameSync(partial, rootfs);
  return rootfs;
}

/** `tar -C rootfs -c . | docker import`, without the apt lists and caches. */
async function importRootfs(docker: Docker, rootfs: string, tag: string): Promise<void> {
  const { execa } = await import('execa');
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
    changes: [`LABEL ${LABELS.image}=base`, `LABEL ${LABELS.hash}=${imageHash(base())}`, 'CMD ["/bin/bash"]'],
  } as unknown as Parameters<Docker['importImage']>[1]);
  const output = await followProgress(docker, stream, `importing ${tag}`);
  await tar;
  if (!(await imageExists(docker, tag))) throw new Error(`importing the base rootfs ${rootfs} as ${tag} failed: ${output.slice(-2).join(' / ')}`);
}

/** Downloads the .deb files an image needs (with all dependencies missing from the base) using the rootfs's apt. */
async function downloadPackages(image: NodeImage, into: string, log: (line: string) => void): Promise<void> {
  const rootfs = await ensureRootfs(log);
  const packages = packagesOf(image);
  // Per definition, so two images of one name (two versions of a user's image) never share it.
  const inside = `/var/cache/faultline-debs/${image.name}-${imageHash(image).slice(0, 12)}`;
  const archives = join(rootfs, inside);
  await withRootfsLock(log, async () => {
    rmSync(archives, { recursive: true, force: true });
    mkdirSync(join(archives, 'partial'), { recursive: true });
    log(`downloading ${packages.join(', ')} and their dependencies`);
    await run('chroot', [rootfs, 'apt-get', 'update', '-q']);
    await run('chroot', [rootfs, 'apt-get', 'install', '-y', '-q', '--no-install-recommends', '--download-only', '-o', `Dir::Cache::archives=${inside}`, ...packages]);
    mkdirSync(into, { recursive: true });
    for (const deb of readdirSync(archives).filter((f) => f.endsWith('.deb'))) renameSync(join(archives, deb), join(into, deb));
    rmSync(archives, { recursive: true, force: true });
  });
}

/** Writes an image's definition into a build context, with an empty debs/ for the packages to come. */
function prepareContext(image: NodeImage, context: string): void {
  for (const file of contextFiles(image)) {
    const target = join(context, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    if ('dir' in image) chmodSync(target, statSync(join(image.dir, file.path)).mode & 0o7777);
  }
  mkdirSync(join(context, 'debs'), { recursive: true });
  if (bundlesNode(image)) copyFileSync(process.execPath, join(context, 'node'));
}

async function dockerBuild(docker: Docker, image: NodeImage, tag: string, context: string, offline: boolean, log: (line: string) => void): Promise<void> {
  const name = image.name;
  const source = sourceLabel(image);
  const { execa } = await import('execa');
  const tar = execa('tar', ['-C', context, '-c', '.'], { stdout: 'pipe', buffer: false });
  const stream = await docker.buildImage(tar.stdout as unknown as NodeJS.ReadableStream, {
    t: tag,
    buildargs: isBase(image) ? {} : { BASE: imageTag(base()) },
    labels: { [LABELS.image]: name, [LABELS.hash]: imageHash(image), ...(source !== undefined && { [LABELS.source]: source }) },
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

/** Runs a host tool (argument array); throws one line with the end of its output on failure. */
async function run(command: string, args: string[]): Promise<void> {
  const { execa } = await import('execa');
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
  /** Where a user image's definition is (`dir:<path>` or `packages:<list>`); none for built-ins. */
  source?: string;
  /** True when its tag is that of its definition as it is now (false when that definition is gone). */
  current: boolean;
}

/** Every faultline image on the engine (built-ins and users' images, found by label), current ones first. */
export async function listImages(options: { docker?: Docker } = {}): Promise<ImageInfo[]> {
  const docker = options.docker ?? (await connectDocker());
  const images = await engineCall('`list` of faultline images', (abortSignal) => docker.listImages({ filters: JSON.stringify({ label: [LABELS.image] }), abortSignal } as unknown as Docker.ListImagesOptions));
  const tags = new Map<string, string | undefined>();
  // The tag its definition has now: undefined when the definition is gone or no longer valid.
  const currentTag = (labels: Record<string, string>): string | undefined => {
    const key = `${labels[LABELS.image]}\0${labels[LABELS.source] ?? ''}`;
    if (!tags.has(key)) {
      let tag: string | undefined;
      try {
        tag = imageTag(imageFromLabels(labels));
      } catch {
        tag = undefined;
      }
      tags.set(key, tag);
    }
    return tags.get(key);
  };
  return images
    .flatMap((image) => (image.RepoTags ?? ['<none>:<none>']).map((tag) => ({
      name: image.Labels?.[LABELS.image] ?? '?',
      tag,
      id: image.Id.replace(/^sha256:/, '').slice(0, 12),
      sizeMb: Math.round(image.Size / 1e6),
      createdAt: new Date(image.Created * 1000).toISOString(),
      ...(image.Labels?.[LABELS.source] !== undefined && { source: image.Labels[LABELS.source] }),
      current: currentTag(image.Labels ?? {}) === tag,
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
