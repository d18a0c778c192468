import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withFileLock } from './file-lock.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withFileLock', () => {
  it('runs holders one at a time, and removes the lock after', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'faultline-lock-')), 'x.lock');
    const events: string[] = [];
    const holder = (name: string) => withFileLock(path, async () => {
      events.push(`${name} in`);
      await sleep(30);
      events.push(`${name} out`);
    }, { pollMs: 5 });
    await Promise.all([holder('a'), holder('b'), holder('c')]);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i]!.replace('in', 'out'));
    expect(events).toHaveLength(6);
    expect(existsSync(path)).toBe(false);
  });

  it('waits for a live holder, naming its pid, and releases the lock when its work throws', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'faultline-lock-')), 'x.lock');
    writeFileSync(path, `${process.ppid}\n`); // a live process that is not this one
    const waitedFor: number[] = [];
    let ran = false;
    const pending = withFileLock(path, async () => {
      ran = true;
      throw new Error('boom');
    }, { pollMs: 5, onWait: (pid) => waitedFor.push(pid) });
    await sleep(50);
    expect(ran).toBe(false);
    expect(waitedFor).toEqual([process.ppid]);
    (await import('node:fs')).rmSync(path);
    await expect(pending).rejects.toThrow('boom');
    expect(ran).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it('takes over the lock of a process that is gone, and gives up at its timeout naming the holder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-lock-'));
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, 'stale.lock'), `${gone}\n`);
    expect(await withFileLock(join(dir, 'stale.lock'), async () => 'mine', { pollMs: 5 })).toBe('mine');
    writeFileSync(join(dir, 'held.lock'), `${process.ppid}\n`);
    await expect(withFileLock(join(dir, 'held.lock'), async () => 'never', { pollMs: 5, timeoutMs: 50 })).rejects.toThrow(`held.lock is still held by pid ${process.ppid}`);
  });
});
