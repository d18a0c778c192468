import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { userProject, type UserProject } from '../../test-support/user-project.js';
import { findConfig, loadConfig } from './config.js';

const projects: UserProject[] = [];
/** A fresh project (each config test needs its own working directory), with `define/` linked to this directory. */
function newProject(files: Record<string, string>): string {
  const project = userProject({ define: import.meta.dirname });
  projects.push(project);
  return project.write(files);
}
afterAll(() => projects.forEach((p) => p.remove()));

function fault(name: string): string {
  return `defineFault({ name: '${name}', description: 'test fault ${name}', healRank: 45, create: () => ({ fault: '${name}', invoke: async () => 'done' }) })`;
}

const header = `import { defineFault } from './define/fault.js';\n`;

async function refusal(load: () => Promise<unknown>): Promise<string> {
  const err = await load().then(() => undefined, (e: unknown) => e);
  if (!(err instanceof Error)) throw new Error(`expected a refusal, got ${JSON.stringify(err)}`);
  expect(err.message.split('\n'), 'the refusal is one line').toHaveLength(1);
  return err.message;
}

describe('findConfig', () => {
  it('finds the config of the working directory by its names, and none when there is none', () => {
    expect(findConfig(newProject({ 'other.ts': 'export {};\n' }))).toBeUndefined();
    const cwd = newProject({ 'faultline.config.mts': 'export default {};\n' });
    expect(findConfig(cwd)).toBe(join(cwd, 'faultline.config.mts'));
  });

  it('refuses two config files', () => {
    const cwd = newProject({ 'faultline.config.ts': 'export default {};\n', 'faultline.config.js': 'export default {};\n' });
    expect(() => findConfig(cwd)).toThrow(`${cwd} has 2 config files (faultline.config.ts, faultline.config.js); expected one`);
  });
});

describe('loadConfig', () => {
  it('registers definitions given as values and as paths relative to the config, each with its source path', async () => {
    const cwd = newProject({
      'faults/lag.ts': `import { defineFault } from '../define/fault.js';\nexport default ${fault('lag')};\n`,
      'faults/drop.ts': `${header.replace('./define', '../define')}export const drop = ${fault('drop')};\n`,
      'faultline.config.ts': `import { drop as dropFault } from './faults/drop.js';\n${header}const burst = ${fault('burst')};\nexport default { faults: [burst, './faults/lag.ts', dropFault] };\n`,
    });
    const registry = await loadConfig(findConfig(cwd) ?? 'no config found', { cwd });
    expect(registry.path).toBe(join(cwd, 'faultline.config.ts'));
    expect([...registry.faults.entries()].map(([name, d]) => [name, d.definition.name, d.path, d.exportName])).toEqual([
      ['burst', 'burst', join(cwd, 'faultline.config.ts'), 'faults[0]'],
      ['lag', 'lag', join(cwd, 'faults', 'lag.ts'), 'default'],
      ['drop', 'drop', join(cwd, 'faultline.config.ts'), 'faults[2]'],
    ]);
    expect(registry.dbs.size + registry.workloads.size).toBe(0);
    expect(registry.faults.get('lag')?.definition.healRank).toBe(45);
  });

  it('resolves path entries against the config file, not the working directory', async () => {
    const root = newProject({
      'repo/lag.ts': `import { defineFault } from '../define/fault.js';\nexport default ${fault('lag')};\n`,
      'repo/faultline.config.js': `export default { faults: ['./lag.ts'] };\n`,
    });
    const registry = await loadConfig('repo/faultline.config.js', { cwd: root });
    expect(registry.faults.get('lag')?.path).toBe(join(root, 'repo', 'lag.ts'));
  });

  it('refuses two definitions of one kind with the same name, naming both files', async () => {
    const cwd = newProject({
      'a.ts': `${header}export default ${fault('lag')};\n`,
      'b.ts': `${header}export default ${fault('lag')};\n`,
      'faultline.config.ts': `export default { faults: ['./a.ts', './b.ts'] };\n`,
    });
    expect(await refusal(() => loadConfig('faultline.config.ts', { cwd }))).toBe('./faultline.config.ts: two faults are named "lag": ./a.ts (default) and ./b.ts (default); expected each name once');
  });

  it('names the config and the entry when an entry is wrong', async () => {
    const cwd = newProject({
      'w.ts': `import { defineWorkload } from './define/workload.js';\nexport default defineWorkload({ name: 'bank', description: 'transfers', needs: ['bank'], create: () => { throw new Error('unused'); }, checkers: () => ({}) });\n`,
      'missing.config.ts': `export default { dbs: ['./nowhere.ts'] };\n`,
      'kind.config.ts': `import bank from './w.js';\nexport default { dbs: [bank] };\n`,
      'path-kind.config.ts': `export default { dbs: ['./w.ts'] };\n`,
      'number.config.ts': `export default { faults: [3] };\n`,
    });
    expect(await refusal(() => loadConfig('missing.config.ts', { cwd }))).toBe(`./missing.config.ts: dbs[0] ./nowhere.ts: no such file (looked at ${join(cwd, 'nowhere.ts')})`);
    expect(await refusal(() => loadConfig('kind.config.ts', { cwd }))).toBe('./kind.config.ts: dbs[0] is workload "bank", expected a database made with defineDb');
    expect(await refusal(() => loadConfig('path-kind.config.ts', { cwd }))).toBe('./path-kind.config.ts: dbs[0] ./w.ts exports workload "bank", expected a database made with defineDb');
    expect(await refusal(() => loadConfig('number.config.ts', { cwd }))).toBe('./number.config.ts: faults[0] is a number (3); expected a fault made with defineFault(...) or a path to one');
  });

  it('refuses a config whose default export is not the expected object', async () => {
    const cwd = newProject({
      'none.config.ts': 'export const dbs = [];\n',
      'unknown.config.ts': 'export default { db: [] };\n',
      'not-array.config.ts': "export default { workloads: './w.ts' };\n",
      'throws.config.ts': "throw new Error('config broke');\n",
    });
    expect(await refusal(() => loadConfig('none.config.ts', { cwd }))).toBe('./none.config.ts: has no default export; expected a default export { dbs?: [...], workloads?: [...], faults?: [...] } of definitions or paths');
    expect(await refusal(() => loadConfig('unknown.config.ts', { cwd }))).toBe('./unknown.config.ts: field "db" is not known; expected dbs, workloads, faults');
    expect(await refusal(() => loadConfig('not-array.config.ts', { cwd }))).toBe('./not-array.config.ts: field "workloads" is a string ("./w.ts"); expected an array of definitions made with defineWorkload(...) or paths to them');
    expect(await refusal(() => loadConfig('throws.config.ts', { cwd }))).toBe('./throws.config.ts: importing it threw: config broke (at ./throws.config.ts:1)');
    expect(await refusal(() => loadConfig('faultline.config.ts', { cwd }))).toBe(`faultline.config.ts: no such file (looked at ${join(cwd, 'faultline.config.ts')})`);
  });
});
