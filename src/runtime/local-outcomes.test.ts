// The local runtime says what a node fault did: a dead node is `not running` for kill and pause,
// a node that was never paused (or was killed since) is `not paused` for resume.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalRuntime } from './local.js';

let runtime: LocalRuntime | undefined;

afterEach(async () => {
  await runtime?.teardown();
  runtime = undefined;
});

describe('local runtime: node fault outcomes', () => {
  it('kills, pauses and resumes only what it can, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-local-outcomes-'));
    runtime = new LocalRuntime(['n1', 'n2']);
    const idle = { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] };
    await runtime.spawn('n1', idle, join(dir, 'n1.log'));
    await runtime.spawn('n2', idle, join(dir, 'n2.log'));
    expect(await runtime.pause('n1')).toBe('done');
    expect(await runtime.pause('n1')).toBe('already paused');
    expect(await runtime.kill('n1')).toBe('done');
    expect(await runtime.kill('n1')).toBe('not running');
    expect(await runtime.pause('n1')).toBe('not running');
    expect(await runtime.resume('n1')).toBe('not paused');
    expect(await runtime.resume('n2')).toBe('not paused');
    expect(await runtime.pause('n2')).toBe('done');
    expect(await runtime.resume('n2')).toBe('done');
    expect(await runtime.partition({ n1: ['n2'] })).toEqual({});
  });
});
