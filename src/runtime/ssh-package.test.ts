import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bareImports, dependencyClosure } from './ssh-package.js';

describe('the bundled store\'s package for SSH hosts', () => {
  it('finds the npm packages built code imports, and theirs', () => {
    const root = mkdtempSync(join(tmpdir(), 'faultline-pkg-'));
    mkdirSync(join(root, 'dist', 'sub'), { recursive: true });
    writeFileSync(join(root, 'dist', 'a.js'), "import pino from 'pino';\nimport { x } from './b.js';\nimport fs from 'node:fs';\n");
    writeFileSync(join(root, 'dist', 'sub', 'c.js'), "export { y } from '@scope/pkg/deep';\n");
    expect(bareImports(join(root, 'dist'))).toEqual(['@scope/pkg', 'pino']);
    for (const [name, deps] of [['pino', { 'sonic-boom': '1' }], ['sonic-boom', {}], ['@scope/pkg', { 'sonic-boom': '1' }]] as const) {
      mkdirSync(join(root, 'node_modules', name), { recursive: true });
      writeFileSync(join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, dependencies: deps }));
    }
    expect(dependencyClosure(root, ['pino', '@scope/pkg'])).toEqual(['@scope/pkg', 'pino', 'sonic-boom']);
    expect(() => dependencyClosure(root, ['missing'])).toThrow(/imports missing, which is not in .*node_modules; run npm install/);
  });
});
