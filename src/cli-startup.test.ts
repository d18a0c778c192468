// What the command line loads before it does anything (issue 18): --help and checking a small
// history file load no database client, no Docker, no runtime and no definition; test --help loads
// the definitions (their options are its options) but still no client library. Heavy modules load
// on use (docs/DESIGN.md). Asserted on the modules loaded, not on time.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadedModules, packagesIn } from '../test-support/loaded-modules.js';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'faultline.js');

/** Libraries a command loads only when it connects to something or runs a process. */
const HEAVY = ['dockerode', 'docker-modem', 'ssh2', 'ioredis', 'node-zookeeper-client', 'pg', 'mysql2', 'nats', 'execa', 'pino', 'jiti', 'send', 'yazl', 'xmlbuilder2', '@grpc/grpc-js'];

/** faultline's own modules among `modules`, relative to the package (dist/src/cli.js). */
function ownModules(modules: readonly string[]): string[] {
  return modules.filter((m) => m.startsWith(`${root}/`) && !m.includes('/node_modules/')).map((m) => relative(root, m));
}

/** A linearizable register history of `ops` ops on five processes, as `check --model register` reads it. */
function registerHistory(ops: number): string {
  const lines: object[] = [];
  let value: number | null = null;
  for (let i = 0; i < ops; i++) {
    const proc = i % 5;
    const write = i % 3 === 0;
    if (write) value = i;
    lines.push({ index: lines.length, time: lines.length, process: proc, type: 'invoke', f: write ? 'write' : 'read', value: write ? i : null });
    lines.push({ index: lines.length, time: lines.length, process: proc, type: 'ok', f: write ? 'write' : 'read', value });
  }
  return lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
}

describe('what a command loads', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'faultline-startup-'));

  it('--help loads commander and the grammar: no client, runtime, definition, checker or report', async () => {
    const r = await loadedModules([bin, '--help'], cwd);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Usage: faultline');
    expect(packagesIn(r.modules)).toEqual(['commander']);
    expect(ownModules(r.modules).filter((m) => /^dist\/(workloads|nemesis|checkers|reports)\/|^dist\/src\/(db|runtime|kv)\//.test(m))).toEqual([]);
    expect(ownModules(r.modules)).not.toContain('dist/src/builtins.js');
    expect(ownModules(r.modules)).not.toContain('dist/src/run.js');
  });

  it('check of a small history file loads its checker and no client, runtime, definition or report', async () => {
    const file = join(cwd, 'register-100.jsonl');
    writeFileSync(file, registerHistory(100));
    const r = await loadedModules([bin, 'check', file, '--model', 'register'], cwd);
    expect(r.stdout).toMatch(/\tok\t/);
    expect(r.exitCode).toBe(0);
    expect(packagesIn(r.modules).filter((p) => HEAVY.includes(p))).toEqual([]);
    expect(ownModules(r.modules).filter((m) => /^dist\/(workloads|nemesis|reports)\/|^dist\/src\/(db|runtime|kv)\//.test(m))).toEqual([]);
    expect(ownModules(r.modules)).toContain('dist/checkers/linearizable/index.js');
    expect(ownModules(r.modules)).not.toContain('dist/src/builtins.js');
  });

  it('test --help lists every part\'s options without loading a client library or a runtime', async () => {
    const r = await loadedModules([bin, 'test', '--help'], cwd);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('--store-mode');
    expect(packagesIn(r.modules).filter((p) => HEAVY.includes(p))).toEqual([]);
    expect(ownModules(r.modules)).toContain('dist/src/db/redis.js');
  });

  it('sees a library that is loaded (so the assertions above can fail)', async () => {
    const r = await loadedModules(['--input-type=module', '-e', "await import('ioredis'); await import('execa');"], root);
    expect(r.exitCode).toBe(0);
    expect(packagesIn(r.modules)).toEqual(expect.arrayContaining(['ioredis', 'execa']));
  });
});
