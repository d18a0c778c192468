// The public API as a user's project sees it: a temp project whose node_modules/faultline links to
// this checkout imports 'faultline' (through package.json's exports, from the dist/ that pretest
// built), type-checks against its declarations, and has a .ts definition loaded by the built loader.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userProject } from '../test-support/user-project.js';

const root = join(import.meta.dirname, '..');
const project = userProject({ 'node_modules/faultline': root });
afterAll(() => project.remove());

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'src', 'index.js'))) throw new Error(`${join(root, 'dist', 'src', 'index.js')} is missing; run npm run build (npm test does it first)`);
});

const faultFile = `import { defineFault, option, HEAL_RANK, type FaultDefinition } from 'faultline';
import * as faultline from 'faultline';
(globalThis as { faultlineSeenByFixture?: unknown }).faultlineSeenByFixture = faultline;
const lag: FaultDefinition = defineFault({
  name: 'lag',
  description: 'adds lag',
  options: { ms: option.integer({ min: 1, max: 1000, default: 50, help: 'lag in ms' }) },
  healRank: HEAL_RANK.partition + 5,
  create: () => ({ fault: 'lag', invoke: async () => 'done' }),
});
export default lag;
`;

describe("import ... from 'faultline'", () => {
  it('resolves the public module through package.json exports, in plain Node', async () => {
    const cwd = project.write({ 'package.json': '{ "type": "module" }\n', 'names.mjs': "import * as f from 'faultline';\nconsole.log(JSON.stringify(Object.keys(f)));\n" });
    const { stdout } = await execa(process.execPath, ['names.mjs'], { cwd });
    expect(JSON.parse(stdout)).toEqual(expect.arrayContaining(['defineFault', 'option', 'HEAL_RANK']));
    const unexported = await execa(process.execPath, ['--input-type=module', '-e', "await import('faultline/src/index.ts')"], { cwd, reject: false });
    expect(unexported.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  }, 30_000);

  it('gives a definition the ports and address guard a node with several listeners needs', async () => {
    const script = `import { holdNodePort, hasNodeAddresses } from 'faultline';
const held = await holdNodePort();
await held.release();
console.log(JSON.stringify({ port: held.port, addressed: hasNodeAddresses({ nodeHost: () => '10.0.0.2' }), local: hasNodeAddresses({ name: 'local' }) }));
`;
    const cwd = project.write({ 'package.json': '{ "type": "module" }\n', 'ports.mjs': script });
    const { stdout } = await execa(process.execPath, ['ports.mjs'], { cwd });
    const seen = JSON.parse(stdout) as { port: number; addressed: boolean; local: boolean };
    expect(seen.port).toBeGreaterThanOrEqual(10_000);
    expect(seen.port).toBeLessThan(65_536);
    expect({ addressed: seen.addressed, local: seen.local }).toEqual({ addressed: true, local: false });
  }, 30_000);

  it("loads a user's .ts definition importing 'faultline' with the CLI's own copy of it", async () => {
    const cwd = project.write({
      'lag.ts': faultFile,
      'load.mjs': `const { loadDefinition } = await import(process.argv[2]);
const faultline = await import('faultline');
const { definition } = await loadDefinition('./lag.ts', 'fault', '--nemesis');
console.log(JSON.stringify({ name: definition.name, healRank: definition.healRank, sameCopy: globalThis.faultlineSeenByFixture?.defineFault === faultline.defineFault }));
`,
    });
    const loader = pathToFileURL(join(root, 'dist', 'src', 'define', 'load.js')).href;
    const { stdout } = await execa(process.execPath, ['load.mjs', loader], { cwd });
    expect(JSON.parse(stdout)).toEqual({ name: 'lag', healRank: 45, sameCopy: true });
  }, 30_000);

  it('type-checks a definition against the published declarations, and refuses a wrong one', async () => {
    const cwd = project.write({
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ['*.ts'] }),
      'lag.ts': faultFile,
    });
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const good = await execa(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd, reject: false });
    expect(good.stdout).toBe('');
    project.write({ 'wrong.ts': "import { defineFault } from 'faultline';\nexport default defineFault({ name: 'x', description: 'd', healRank: 'high', create: () => ({ fault: 'x', invoke: async () => 1 }) });\n" });
    const bad = await execa(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd, reject: false });
    expect(bad.stdout).toMatch(/wrong\.ts\(2,[0-9]+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  }, 120_000);
});
