// What ships is what users run: the packed package (npm pack, from the dist/ that pretest built) and
// the published build's inputs (tsconfig.build.json) hold the product only, never test support,
// benches, tests or fixtures, and they hold what `npx faultline` needs to start.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** Fixture and helper modules known to have lived beside the product code before test-support/ held them. */
const knownFixtures = [
  'kv-test-cluster', 'sim-cluster', 'sim-chaos', 'sample-run', 'render-sample', 'browser-harness', 'screenshot',
  'screenshot-pages', 'fake-night', 'fixture-store', 'zip-reader', 'elle-corpus', 'history-builder',
  'list-append-builder', 'brute-force-cycles', 'compare-with-brute-force', 'random-small-history',
  'reference-search', 'simulate-register-history',
];

/** Module names that must never ship: every module in test-support/ and bench/, and the known fixtures. */
function testOnlyModuleNames(): Set<string> {
  const names = new Set(knownFixtures);
  for (const dir of ['test-support', 'bench']) {
    for (const file of readdirSync(join(root, dir))) if (file.endsWith('.ts')) names.add(file.replace(/\.ts$/, ''));
  }
  return names;
}

/** Why `path` (relative to the package root) must not ship, or undefined when it may. */
function whyNotShipped(path: string, testOnly: Set<string>): string | undefined {
  if (/(^|\/)(test-support|bench|test-data)\//.test(path)) return 'comes from test support, benches or test data';
  if (/\.(test|bench)\.[cm]?[jt]s(\.map)?$/.test(path) || /\.test\./.test(path)) return 'is a test';
  const module = basename(path).replace(/\.(js|js\.map|ts|d\.ts)$/, '');
  if (testOnly.has(module)) return `is the test-only module ${module}`;
  if (!/^(bin\/|tools\/|dist\/(src|workloads|nemesis|checkers|reports)\/|docker\/|native\/)/.test(path) && !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(path)) {
    return 'is outside bin/, tools/, the product dist/ dirs, docker/, native/ and the package documents';
  }
  return undefined;
}

/** Every path `npm pack` would put in the tarball, without running lifecycle scripts (no rebuild). */
async function packedPaths(): Promise<string[]> {
  const { stdout } = await execa('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
  const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
  if (pack === undefined) throw new Error(`npm pack --dry-run --json printed no package: ${stdout.slice(0, 200)}`);
  return pack.files.map((f) => f.path);
}

describe('the published package', () => {
  it('rejects what a fixture put back into the product would look like', () => {
    const testOnly = testOnlyModuleNames();
    expect(whyNotShipped('dist/src/kv/kv-test-cluster.js', testOnly)).toMatch(/test-only module/);
    expect(whyNotShipped('dist/test-support/fuzz-run.js', testOnly)).toMatch(/test support/);
    expect(whyNotShipped('dist/src/cli.test.js', testOnly)).toMatch(/is a test/);
    expect(whyNotShipped('examples/nightly-matrix.json', testOnly)).toMatch(/outside/);
    expect(whyNotShipped('dist/src/cli.js', testOnly)).toBeUndefined();
  });

  it('packs the CLI, the bundled store and the node images, and nothing that only tests use', async () => {
    const paths = await packedPaths();
    for (const needed of ['bin/faultline.js', 'dist/src/cli.js', 'dist/src/kv/main.js', 'docker/base/Dockerfile', 'native/faultfs/faultfs.c', 'tools/replay-linearization.mjs', 'package.json']) {
      expect(paths, `${needed} is missing from npm pack (is dist/ built?)`).toContain(needed);
    }
    const testOnly = testOnlyModuleNames();
    const refused = paths.flatMap((p) => {
      const why = whyNotShipped(p, testOnly);
      return why === undefined ? [] : [`${p} ${why}`];
    });
    expect(refused).toEqual([]);
  }, 60_000);

  it('compiles, in the published build, no module that only tests use', async () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const { stdout } = await execa(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--listFilesOnly'], { cwd: root });
    const inputs = stdout.split('\n').filter((line) => line.startsWith(root) && !line.includes('/node_modules/')).map((line) => line.slice(root.length + 1));
    expect(inputs).toContain('src/cli.ts');
    const testOnly = testOnlyModuleNames();
    const refused = inputs.flatMap((p) => {
      const why = whyNotShipped(`dist/${p}`, testOnly);
      return why === undefined ? [] : [`${p} ${why}`];
    });
    expect(refused).toEqual([]);
  }, 60_000);
});
