// The part of faultline a host needs to run the bundled store: its built code (dist/src/kv), the
// package.json that makes it ESM, and the npm packages it imports with theirs, packed once per
// controller into a tarball that the SSH runtime uploads to each host that starts the store.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { execa as Execa } from 'execa';

/** The npm packages a directory of built JavaScript imports by bare name (`from 'pino'`). */
export function bareImports(dir: string): string[] {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const [, spec] of text.matchAll(/\bfrom\s+['"]([^'".][^'"]*)['"]/g)) {
      if (spec === undefined || spec.startsWith('node:')) continue;
      names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
    }
  }
  return [...names].sort();
}

/** Those packages and every package they depend on, as found in `root`/node_modules. */
export function dependencyClosure(root: string, names: readonly string[]): string[] {
  const found = new Set<string>();
  const pending = [...names];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (found.has(name)) continue;
    const manifest = join(root, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) throw new Error(`the bundled store imports ${name}, which is not in ${join(root, 'node_modules')}; run npm install`);
    found.add(name);
    const deps = (JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
    pending.push(...Object.keys(deps));
  }
  return [...found].sort();
}

/** The store's files (relative to the package root), and a hash of them and of the Node binary: the hosts' cache key. */
export interface StoreFiles {
  root: string;
  paths: string[];
  sha256: string;
  /** The Node binary's name in the package. */
  node: string;
}

/** Lists the store's files and hashes them (Node by version and size, as docker-images.ts does), without packing. */
export function storeFiles(root: string): StoreFiles {
  const kv = join('dist', 'src', 'kv');
  if (!existsSync(join(root, kv, 'main.js'))) throw new Error(`the bundled store is not built: ${join(root, kv, 'main.js')} is missing; run npm run build`);
  const modules = dependencyClosure(root, bareImports(join(root, kv))).map((name) => join('node_modules', name));
  const paths = ['package.json', kv, ...modules];
  const hash = createHash('sha256').update(`node:${process.version}:${statSync(process.execPath).size}\0`);
  for (const path of paths) {
    const full = join(root, path);
    const files = statSync(full).isDirectory() ? readdirSync(full, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort() : [full];
    for (const file of files) hash.update(`${file.slice(root.length)}\0`).update(readFileSync(file)).update('\0');
  }
  return { root, paths, sha256: hash.digest('hex'), node: basename(process.execPath) };
}

let packed: Promise<string> | undefined;

/**
 * Packs the store's files and this controller's Node binary (as docker/bundled copies it in: the
 * store needs Node 20.15 or later, newer than Debian 12's) into a gzipped tarball, once per
 * controller; returns its path.
 */
export function storeTarball(files: StoreFiles): Promise<string> {
  packed ??= (async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'faultline-store-')), 'store.tgz');
    // gzip -1: the Node binary is most of it, and a fast pack matters more than a small one.
    const { execa }: { execa: typeof Execa } = await import('execa');
    await execa('tar', ['--use-compress-program=gzip -1', '-cf', out, '-C', files.root, ...files.paths, '-C', dirname(process.execPath), files.node]);
    return out;
  })();
  packed.catch(() => (packed = undefined));
  return packed;
}
