// A user's own definitions, given by path to the real CLI from a project that depends on faultline
// (node_modules/faultline links to this checkout, built): they run, they re-check, and every kind of
// wrong definition is one line naming the file and the problem, with no node started.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { userProject } from '../test-support/user-project.js';
import { builtins } from './builtins.js';
import { storedRunRegistry } from './cli-registry.js';
import { recheckRun } from './run.js';

const bin = join(import.meta.dirname, '..', 'bin', 'faultline.js');
const project = userProject({ 'node_modules/faultline': resolve(import.meta.dirname, '..') });
afterAll(() => project.remove());
const faultline = (...args: string[]) => execa('node', [bin, ...args], { cwd: project.dir, reject: false });

/** A fault of the user's: pauses one node (SIGSTOP) and resumes them all. */
const HICCUP = `import { defineFault, HEAL_RANK } from 'faultline';
import { pickOne } from './pick.ts';
export default defineFault({
  name: 'hiccup',
  description: 'pauses one node for a moment',
  healRank: HEAL_RANK.pause,
  create: (ctx) => ({
    fault: 'hiccup',
    async invoke(op) {
      if (op.f === 'start-hiccup') {
        const node = pickOne(ctx.random, ctx.nodes);
        return { node, outcome: await ctx.runtime.pause(node) };
      }
      return { resumed: await Promise.all(ctx.nodes.map((n) => ctx.runtime.resume(n))) };
    },
  }),
});
`;

project.write({
  'hiccup.ts': HICCUP,
  'pick.ts': `export const pickOne = (random: { pick<T>(xs: readonly T[]): T }, nodes: readonly string[]): string => random.pick(nodes);\n`,
  'no-create.ts': `import { defineDb } from 'faultline';\nexport default defineDb({ name: 'mydb', description: 'a db', runtimes: ['local'] } as never);\n`,
  'bad-default.ts': `import { defineWorkload, option } from 'faultline';
export default defineWorkload({
  name: 'mine', description: 'a workload', needs: ['register'],
  options: { keys: option.integer({ min: 1, max: 10, default: 0, help: 'keys' }) },
  create: () => { throw new Error('unused'); }, checkers: () => ({}),
});\n`,
  'needs-txn.ts': `import { defineWorkload } from 'faultline';
export default defineWorkload({ name: 'txn-thing', description: 'transactions', needs: ['txn'], create: () => { throw new Error('unused'); }, checkers: () => ({}) });\n`,
  'throws.ts': `import { defineDb } from 'faultline';\nif (process.env.NOPE === undefined) throw new Error('NOPE is not set: expected the port');\nexport default defineDb({ name: 'x', description: 'x', runtimes: ['local'], create: () => ({}) as never });\n`,
  'create-throws.ts': `import { defineDb } from 'faultline';\nexport default defineDb({ name: 'boom', description: 'throws when made', runtimes: ['local'], create: () => { throw new Error('no port given'); } });\n`,
  'no-start.ts': `import { defineDb } from 'faultline';\nexport default defineDb({ name: 'half', description: 'serves registers, starts nothing', runtimes: ['local'], create: () => ({ name: 'half', openRegister: async () => ({}) }) as never });\n`,
});

describe('a user definition given by path', () => {
  it('runs as a fault beside the built-ins, is stored by its path, and re-checks from another directory', async () => {
    const run = await faultline('test', '--nodes', '3', '--time-limit', '4', '--nemesis', './hiccup.ts,partition', '--nemesis-interval', '1', '--seed', '4');
    expect(run.stderr).not.toMatch(/faultline: /);
    expect(run.stdout).toMatch(/^faultline test bundled-raft-register-hiccup\+partition: /m);
    expect(run.stdout).toMatch(/^ {2}faults +VALID +applied hiccup \d+x, partition \d+x/m);
    expect(run.stdout).toMatch(/^rerun: +npx faultline test .*--nemesis \.\/hiccup\.ts,partition /m);
    const spec = JSON.parse(readFileSync(join(project.dir, 'store', 'latest', 'test.json'), 'utf8')) as { nemesis: { faults: unknown[] } };
    expect(spec.nemesis.faults).toEqual([{ name: 'hiccup', path: join(project.dir, 'hiccup.ts') }, { name: 'partition', targets: ['one', 'minority-third', 'halves', 'majorities-ring', 'bridge', 'primaries'] }]);
    const recheck = await execa('node', [bin, 'check', join(project.dir, 'store', 'latest')], { cwd: '/', reject: false });
    expect(recheck.exitCode).toBe(run.exitCode);
    expect(recheck.stdout).toMatch(/^ {2}faults +VALID +applied hiccup/m);
  }, 60_000);

  it('refuses each wrong definition in one line naming the file and the problem, before any node starts', async () => {
    const cases: [string[], string][] = [
      [['--db', './no-create.ts'], 'faultline: --db ./no-create.ts: importing it threw: db mydb: create is missing; expected a function (options) => adapter with start() and awaitReady() (at ./no-create.ts:2)'],
      [['--workload', './bad-default.ts'], 'faultline: --workload ./bad-default.ts: importing it threw: workload mine: the default of option "keys" on 1 node is refused by its own check: --keys "0" is not valid; expected a whole number from 1 to 10 (at ./bad-default.ts:2)'],
      [['--workload', './needs-txn.ts', '--store-mode', 'quorum'], 'faultline: --workload txn-thing needs list-append transactions, which --db bundled --store-mode quorum lacks; databases with them: bundled (--store-mode raft | primary), etcd, galera, mariadb, postgres'],
      [['--db', './missing.ts'], `faultline: --db ./missing.ts: no such file (looked at ${join(project.dir, 'missing.ts')})`],
      [['--db', './throws.ts'], 'faultline: --db ./throws.ts: importing it threw: NOPE is not set: expected the port (at ./throws.ts:2)'],
      [['--db', './needs-txn.ts'], 'faultline: --db ./needs-txn.ts exports workload "txn-thing", expected a database made with defineDb'],
      [['--db', './create-throws.ts'], 'faultline: db boom (' + join(project.dir, 'create-throws.ts') + '): create() threw: no port given'],
      [['--db', './no-start.ts'], 'faultline: db half (' + join(project.dir, 'no-start.ts') + '): create() returned an adapter without start and awaitReady; expected an object with start(node, ctx) and awaitReady(nodes, ctx, deadlineMs)'],
    ];
    const before = existsSync(join(project.dir, 'store')) ? readdirSync(join(project.dir, 'store')).length : 0;
    for (const [args, line] of cases) {
      const r = await faultline('test', '--time-limit', '2', '--store', 'store', ...args);
      expect(r.exitCode, args.join(' ')).toBe(254);
      expect(r.stderr.trim(), args.join(' ')).toBe(line);
      expect(r.stdout, args.join(' ')).toBe('');
    }
    // No run directory was made: nothing started.
    expect(existsSync(join(project.dir, 'store')) ? readdirSync(join(project.dir, 'store')).length : 0).toBe(before);
  }, 120_000);

  it('comes from faultline.config.ts too, and a stored run re-checks in a worker thread from those files', async () => {
    const configured = userProject({ 'node_modules/faultline': resolve(import.meta.dirname, '..') });
    try {
      configured.write({
        'hiccup.ts': HICCUP,
        'pick.ts': `export const pickOne = (random: { pick<T>(xs: readonly T[]): T }, nodes: readonly string[]): string => random.pick(nodes);\n`,
        'faultline.config.ts': `import { defineFault, HEAL_RANK, type FaultlineConfig } from 'faultline';
import hiccup from './hiccup.ts';
const nothing = defineFault({ name: 'nothing', description: 'does nothing, on a schedule', healRank: HEAL_RANK.partition, create: () => ({ fault: 'nothing', invoke: async () => 'nothing done' }) });
export default { faults: [nothing, hiccup] } satisfies FaultlineConfig;
`,
      });
      // The same definition named by the config and given by path is one definition, kept with its own file.
      const both = await execa('node', [bin, 'test', '--nodes', '3', '--time-limit', '1', '--nemesis', 'nothing,./hiccup.ts', '--seed', '2', '--store', 'both'], { cwd: configured.dir, reject: false });
      expect(both.stderr).not.toMatch(/faultline: /);
      // A definition written in the config is replayed by name, one from its own file by path.
      expect(both.stdout).toMatch(/^rerun: .* --nemesis nothing,\.\/hiccup\.ts /m);
      const run = await execa('node', [bin, 'test', '--nodes', '3', '--time-limit', '3', '--nemesis', 'nothing,hiccup', '--nemesis-interval', '1', '--seed', '2'], { cwd: configured.dir, reject: false });
      expect(run.stderr).not.toMatch(/faultline: /);
      expect(run.stdout).toMatch(/^ {2}faults +VALID +applied nothing \d+x, hiccup \d+x/m);
      const dir = join(configured.dir, 'store', 'latest');
      const spec = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8')) as { nemesis: { faults: unknown[] } };
      expect(spec.nemesis.faults).toEqual([{ name: 'nothing', path: join(configured.dir, 'faultline.config.ts') }, { name: 'hiccup', path: join(configured.dir, 'faultline.config.ts') }]);
      const registry = await storedRunRegistry(builtins, dir);
      const inWorker = await recheckRun(dir, registry, { worker: true });
      const inThread = await recheckRun(dir, registry, { worker: false });
      expect(inWorker.results.valid).toBe(inThread.results.valid);
      expect(JSON.stringify((inWorker.results.results as Record<string, unknown>)['faults'])).toContain('applied nothing');
    } finally {
      configured.remove();
    }
  }, 60_000);
});

