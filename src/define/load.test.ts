import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { userProject } from '../../test-support/user-project.js';
import { loadDefinition, loadDefinitions } from './load.js';

// Fixtures import defineFault through `define/`, a link to this directory, as a user's file would
// import it from 'faultline' (src/index.test.ts loads through a real node_modules/faultline).
const project = userProject({ define: import.meta.dirname });
afterAll(() => project.remove());

/** A fault definition's source, for fixtures. */
function faultSource(name: string, healRank = '45'): string {
  return `defineFault({ name: '${name}', description: 'test fault ${name}', healRank: ${healRank}, create: () => ({ fault: '${name}', invoke: async () => 'done' }) })`;
}

const header = `import { defineFault } from './define/fault.js';\n`;

/** Load with the project as the working directory and return the one-line error, or fail. */
async function refusal(load: () => Promise<unknown>): Promise<string> {
  const err = await load().then(() => undefined, (e: unknown) => e);
  if (!(err instanceof Error)) throw new Error(`expected a refusal, got ${JSON.stringify(err)}`);
  expect(err.message.split('\n'), 'the refusal is one line').toHaveLength(1);
  return err.message;
}

describe('loadDefinitions', () => {
  it('loads a TypeScript definition that imports a sibling TypeScript module', async () => {
    const cwd = project.write({
      'good/window.ts': `export interface Spread { rank: number }\nexport const spread: Spread = { rank: 37 };\nexport function label(n: number): string { return 'lag-' + n; }\n`,
      'good/lag.ts': `import { defineFault } from '../define/fault.js';\nimport { spread, label } from './window.js';\nenum Mode { Soft = 'soft' }\nexport default defineFault({ name: 'lag', description: 'adds lag', healRank: spread.rank, create: () => ({ fault: 'lag', invoke: async () => label(3) + Mode.Soft }) });\n`,
    });
    const [loaded, ...rest] = await loadDefinitions('./good/lag.ts', { cwd });
    expect(rest).toEqual([]);
    expect(loaded?.path).toBe(join(cwd, 'good', 'lag.ts'));
    expect(loaded?.exportName).toBe('default');
    expect(loaded?.definition).toMatchObject({ kind: 'fault', name: 'lag', healRank: 37 });
    const nemesis = (loaded?.definition as unknown as { create(ctx: unknown): { invoke(op: unknown): Promise<unknown> } }).create({});
    expect(await nemesis.invoke({})).toBe('lag-3soft');
  });

  it('returns named definitions beside the default once each, and ignores exports that are not definitions', async () => {
    const cwd = project.write({
      'named.mts': `${header}export const slow = ${faultSource('slow')};\nexport const fast = ${faultSource('fast')};\nexport default slow;\nexport const settings = { name: 'not a definition', port: 4222 };\nexport function helper() { return 1; }\n`,
    });
    const loaded = await loadDefinitions('named.mts', { cwd });
    expect(loaded.map((d) => [d.definition.name, d.exportName])).toEqual([['slow', 'default'], ['fast', 'fast']]);
  });

  it('loads the definitions of a default export that is an array or an object of them, as a config has', async () => {
    const cwd = project.write({
      'list.ts': `${header}export default [${faultSource('a')}, ${faultSource('b')}];\n`,
      'groups.mjs': `${header}export default { faults: [${faultSource('c')}], extra: ${faultSource('d')} };\n`,
    });
    expect((await loadDefinitions('list.ts', { cwd })).map((d) => `${d.exportName}=${d.definition.name}`)).toEqual(['default[0]=a', 'default[1]=b']);
    expect((await loadDefinitions('groups.mjs', { cwd })).map((d) => `${d.exportName}=${d.definition.name}`)).toEqual(['default.faults[0]=c', 'default.extra=d']);
  });

  it('refuses a path that does not exist, naming where it looked', async () => {
    const cwd = project.dir;
    expect(await refusal(() => loadDefinitions('./x.ts', { cwd, flag: '--db' }))).toBe(`--db ./x.ts: no such file (looked at ${join(cwd, 'x.ts')})`);
    expect(await refusal(() => loadDefinitions('nope/x.ts', { cwd }))).toBe(`nope/x.ts: no such file (looked at ${join(cwd, 'nope', 'x.ts')})`);
  });

  it('refuses a directory and a file it cannot load', async () => {
    const cwd = project.write({ 'dir/a.ts': 'export {};\n', 'db.json': '{}\n' });
    expect(await refusal(() => loadDefinitions('dir', { cwd, flag: '--db' }))).toMatch(/^--db dir: is a directory \(looked at .*dir\); expected a \.ts, \.mts, \.js, \.mjs file$/);
    expect(await refusal(() => loadDefinitions('db.json', { cwd, flag: '--db' }))).toBe('--db db.json: cannot load a .json file; expected .ts, .mts, .js, .mjs');
  });

  it('names the file, the first line of what it threw, and the line that threw', async () => {
    const cwd = project.write({ 'throws.ts': `const port: number = 4222;\nif (port > 0) throw new Error('no server on ' + port + '\\nsecond line of the message');\nexport default port;\n` });
    expect(await refusal(() => loadDefinitions('./throws.ts', { cwd, flag: '--db' }))).toBe('--db ./throws.ts: importing it threw: no server on 4222 (at ./throws.ts:2)');
  });

  it('passes on the refusal of a define function, at the line of the user file that called it', async () => {
    const cwd = project.write({ 'bad-rank.ts': `${header}\nexport default ${faultSource('bad-rank', "'high' as unknown as number")};\n` });
    const message = await refusal(() => loadDefinitions('bad-rank.ts', { cwd, flag: '--nemesis' }));
    expect(message).toMatch(/^--nemesis bad-rank\.ts: importing it threw: fault bad-rank: healRank "high" is not valid; expected a number .* \(at \.\/bad-rank\.ts:3\)$/);
  });

  it('names line and column of a syntax error, in the file that has it', async () => {
    const bad = `import { defineFault } from './define/fault.js';\n\nconst rank: number = ;\nexport default rank;\n`;
    const cwd = project.write({ 'syntax.ts': bad, 'imports-syntax.ts': `import rank from './syntax.js';\nexport default rank;\n` });
    const column = (bad.split('\n')[2]?.indexOf(';') ?? -1) + 1;
    expect(await refusal(() => loadDefinitions('syntax.ts', { cwd, flag: '--db' }))).toBe(`--db syntax.ts: syntax error at ./syntax.ts:3:${column}: Unexpected token`);
    expect(await refusal(() => loadDefinitions('imports-syntax.ts', { cwd, flag: '--db' }))).toBe(`--db imports-syntax.ts: syntax error at ./syntax.ts:3:${column}: Unexpected token`);
  });

  it('names a module the file imports that cannot be found, and who imports it', async () => {
    const cwd = project.write({ 'missing-import.ts': `import { x } from './not-here.js';\nexport default x;\n` });
    expect(await refusal(() => loadDefinitions('missing-import.ts', { cwd, flag: '--db' }))).toBe("--db missing-import.ts: cannot import: Cannot find module './not-here.js' (imported by ./missing-import.ts)");
  });

  it('refuses a file that exports no definition, saying what its default export is', async () => {
    const cwd = project.write({ 'none.ts': 'export const port = 4222;\n', 'number.ts': 'export default 3;\n' });
    expect(await refusal(() => loadDefinitions('none.ts', { cwd, flag: '--db' }))).toBe('--db none.ts: exports no definition (it has no default export); expected a default export made with defineDb(...), defineWorkload(...) or defineFault(...)');
    expect(await refusal(() => loadDefinition('number.ts', 'db', '--db', { cwd }))).toBe('--db number.ts: exports no definition (it has a default export that is a number (3)); expected a default export made with defineDb(...)');
  });

  it('refuses an object that looks like a definition but was not made by a define function, naming the field', async () => {
    const cwd = project.write({
      'no-kind.ts': `export default { name: 'lag', description: 'd', healRank: 3, create: () => ({}) };\n`,
      'no-create.ts': `export default { kind: 'fault', name: 'lag', description: 'd', options: {}, healRank: 3, canRunOn: () => true, fakeClock: false };\n`,
      'bad-type.ts': `export const lag = { kind: 'fault', name: 'lag', description: 'd', options: {}, healRank: '3', canRunOn: () => true, fakeClock: false, create: () => ({}) };\n`,
      'bad-kind.ts': `export default { kind: 'database', name: 'nats', description: 'd', options: {} };\n`,
    });
    expect(await refusal(() => loadDefinition('no-kind.ts', 'fault', '--nemesis', { cwd }))).toBe('--nemesis no-kind.ts: the default export has no field "kind"; expected an object made with defineFault(...)');
    expect(await refusal(() => loadDefinitions('no-create.ts', { cwd }))).toBe('no-create.ts: fault "lag" (the default export) has no field "create"; expected a function, as defineFault(...) sets it');
    expect(await refusal(() => loadDefinitions('bad-type.ts', { cwd }))).toBe('bad-type.ts: fault "lag" (export "lag"): field "healRank" is a string ("3"); expected a number, as defineFault(...) sets it');
    expect(await refusal(() => loadDefinitions('bad-kind.ts', { cwd }))).toBe('bad-kind.ts: the default export has kind "database"; expected db, workload or fault, as the define functions set it');
  });

  it('refuses an entry of a default array that is not a definition', async () => {
    const cwd = project.write({ 'mixed.ts': `${header}export default { faults: [${faultSource('a')}, './b.ts'] };\n` });
    expect(await refusal(() => loadDefinitions('mixed.ts', { cwd }))).toBe('mixed.ts: default.faults[1] is a string ("./b.ts"); expected a definition made with defineDb(...), defineWorkload(...) or defineFault(...)');
  });
});

describe('loadDefinition', () => {
  it('gives the flag the one definition of its kind: the default export, else the only named one', async () => {
    const cwd = project.write({
      'default.ts': `${header}export const other = ${faultSource('other')};\nexport default ${faultSource('main')};\n`,
      'only-named.ts': `${header}export const lag = ${faultSource('lag')};\n`,
    });
    expect((await loadDefinition('default.ts', 'fault', '--nemesis', { cwd })).definition.name).toBe('main');
    const named = await loadDefinition('only-named.ts', 'fault', '--nemesis', { cwd });
    expect([named.definition.name, named.exportName, named.path]).toEqual(['lag', 'lag', join(cwd, 'only-named.ts')]);
  });

  it('refuses a definition of another kind, naming what the file exports and what the flag wanted', async () => {
    const cwd = project.write({
      'w.ts': `import { defineWorkload } from './define/workload.js';\nexport default defineWorkload({ name: 'bank', description: 'transfers', needs: ['bank'], create: () => { throw new Error('unused'); }, checkers: () => ({}) });\n`,
      'f.ts': `${header}export default ${faultSource('lag')};\n`,
    });
    expect(await refusal(() => loadDefinition('./w.ts', 'db', '--db', { cwd }))).toBe('--db ./w.ts exports workload "bank", expected a database made with defineDb');
    expect(await refusal(() => loadDefinition('./f.ts', 'workload', '--workload', { cwd }))).toBe('--workload ./f.ts exports fault "lag", expected a workload made with defineWorkload');
  });

  it('refuses a file with several definitions of the kind and none as default', async () => {
    const cwd = project.write({ 'two.ts': `${header}export const a = ${faultSource('a')};\nexport const b = ${faultSource('b')};\n` });
    expect(await refusal(() => loadDefinition('two.ts', 'fault', '--nemesis', { cwd }))).toBe('--nemesis two.ts exports 2 faults (a, b) and none as its default; expected one default export made with defineFault(...)');
    expect(await loadDefinitions('two.ts', { cwd })).toHaveLength(2);
  });
});
