// The part of faultline a host needs to run the bundled store: its built code (dist/src/kv), the
// package.json that makes it ESM, and the npm packages it imports with theirs, packed once per
// controller into a tarball that the SSH runtime uploads to each host that starts the store.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

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

let packed: Promise<string> | undefined;

/** Packs the store's files (paths relative to `root`) into a gzipped tarball, once; returns its path. */
export function storeTarball(root: string): Promise<string> {
  packed ??= (async () => {
    const kv = join('dist', 'src', 'kv');
    if (!existsSync(join(root, kv, 'main.js'))) throw new Error(`the bundled store is not built: ${join(root, kv, 'main.js')} is missing; run npm run build`);
    const modules = dependencyClosure(root, bareImports(join(root, kv))).map((name) => join('node_modules', name));
    const out = join(mkdtempSync(join(tmpdir(), 'faultline-store-')), 'store.tgz');
    await execa('tar', ['-czf', out, '-C', root, 'package.json', kv, ...modules]);
    return out;
  })();
  packed.catch(() => (packed = undefined));
  return packed;
}
