import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processStartTime, reapRecorded } from './local-reaper.js';

const reaperScript = join(import.meta.dirname, '../../dist/src/runtime/local-reaper.js');
const alive = (pid: number) => processStartTime(pid) !== undefined;

describe('local reaper', () => {
  it('resumes and kills the recorded nodes once the controller is gone, even a paused one', async () => {
    const node = execa('node', ['-e', 'setInterval(() => {}, 1000)'], { reject: false });
    const controller = execa('node', ['-e', 'setInterval(() => {}, 1000)'], { reject: false });
    const pidFile = join(mkdtempSync(join(tmpdir(), 'reaper-')), 'pids');
    await sleep(300);
    writeFileSync(pidFile, `${node.pid} ${processStartTime(node.pid!)}\n`);
    process.kill(node.pid!, 'SIGSTOP');
    const reaper = execa('node', [reaperScript, String(controller.pid), pidFile], { reject: false });
    await sleep(1200);
    expect(alive(node.pid!)).toBe(true); // the controller lives: nothing happens
    controller.kill('SIGKILL');
    await controller;
    const ended = await node;
    expect(ended.signal).toBe('SIGKILL');
    await reaper;
  }, 20_000);

  it('never signals a pid whose start time is not the recorded one (a reused pid)', async () => {
    const other = execa('node', ['-e', 'setInterval(() => {}, 1000)'], { reject: false });
    await sleep(300);
    const pidFile = join(mkdtempSync(join(tmpdir(), 'reaper-')), 'pids');
    writeFileSync(pidFile, `${other.pid} 1\n`);
    expect(reapRecorded(pidFile)).toEqual([]);
    expect(alive(other.pid!)).toBe(true);
    other.kill('SIGKILL');
    await other;
  });
});
