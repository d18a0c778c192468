// The worked example outside the tree: examples/nats/ is its own npm project that depends on
// faultline by path and defines NATS JetStream's key-value store with the public API. Installed as
// a user would install it, its definition runs the register workload under partitions and kills and
// reaches a verdict with a report: on the Docker runtime (the example's own node image) and on the
// local one (nats-server from PATH). Each part skips with one line when what it needs is missing.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerEngine, natsServer, systemHas } from '../test-support/system-tests.js';

const example = join(import.meta.dirname, '..', 'examples', 'nats');
const store = mkdtempSync(join(tmpdir(), 'faultline-nats-example-'));
afterAll(() => rmSync(store, { recursive: true, force: true }));

const hasDocker = await systemHas(dockerEngine);
const hasNatsServer = await systemHas(natsServer);

beforeAll(async () => {
  if (!hasDocker && !hasNatsServer) return;
  // From the npm cache when it holds the lock file's versions; faultline itself is linked (file:../..).
  // --no-save: the test installs what the lock says and never rewrites the checkout's lock file.
  await execa('npm', ['install', '--no-save', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: example });
}, 180_000);

/** Runs the README's command, shortened, from the example's directory with its own faultline binary. */
async function runRegister(runtime: 'local' | 'docker') {
  const bin = join(example, 'node_modules', 'faultline', 'bin', 'faultline.js');
  const dir = join(store, runtime);
  const run = await execa(process.execPath, [
    bin, 'test', '--db', './nats.ts', '--workload', 'register', '--nemesis', 'partition,kill',
    '--nodes', '3', '--time-limit', '20', '--nemesis-interval', '3', '--runtime', runtime, '--seed', '5', '--store', dir,
  ], { cwd: example, reject: false });
  return { run, runDir: join(dir, 'latest') };
}

/** What a finished run must show, whatever NATS did: a verdict (not a crash), its report, and the definition's path. */
function expectVerdict({ run, runDir }: Awaited<ReturnType<typeof runRegister>>, runtime: string): void {
  const context = `exit ${run.exitCode}\n${run.stdout}\n${run.stderr}`;
  expect([0, 1, 2], context).toContain(run.exitCode);
  expect(run.stdout, context).toMatch(/^verdict: +(VALID|INVALID|UNKNOWN)$/m);
  expect(existsSync(join(runDir, 'report.html')), context).toBe(true);
  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as { results: Record<string, { valid: unknown }> };
  expect([true, false, 'unknown']).toContain(results.results['linearizable']?.valid);
  const spec = JSON.parse(readFileSync(join(runDir, 'test.json'), 'utf8')) as { runtime: string; db: { name: string; path?: string } };
  expect({ runtime: spec.runtime, db: spec.db.name, path: spec.db.path }).toEqual({ runtime, db: 'nats', path: join(example, 'nats.ts') });
}

describe.runIf(hasDocker)('the NATS example on the Docker runtime', () => {
  it('runs on its own node image and reaches a verdict with a report', async () => {
    const result = await runRegister('docker');
    expectVerdict(result, 'docker');
    // Progress goes to stderr.
    expect(result.run.stderr).toMatch(/^starting 3 nats nodes on the docker runtime$/m);
  }, 240_000);
});

describe.runIf(hasNatsServer)('the NATS example on the local runtime', () => {
  it('reaches a verdict with a report', async () => {
    expectVerdict(await runRegister('local'), 'local');
  }, 120_000);
});
