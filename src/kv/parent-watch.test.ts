import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildKvForTests, freePorts } from './kv-test-cluster.js';
import { parseParentPid, processExists } from './parent-watch.js';

describe('the parent watch', () => {
  it('parses FAULTLINE_PARENT_PID, naming a bad value', () => {
    expect(parseParentPid(undefined)).toBeUndefined();
    expect(parseParentPid('42')).toBe(42);
    expect(() => parseParentPid('abc')).toThrow('FAULTLINE_PARENT_PID "abc": expected a process id (a positive integer)');
    expect(processExists(process.pid)).toBe(true);
  });

  it('stops a node within a few seconds of its controller dying', async () => {
    const main = await buildKvForTests();
    const [port] = await freePorts(1);
    const controller = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 500)']);
    const node = spawn(process.execPath, [main, '--id', 'n1', '--listen', `127.0.0.1:${port}`, '--data-dir', join(mkdtempSync(join(tmpdir(), 'parent-watch-')), 'd')], {
      env: { ...process.env, FAULTLINE_PARENT_PID: String(controller.pid) },
      stdio: 'ignore',
    });
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => node.once('exit', resolve));
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
