import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, renameSync, statfsSync, statSync, writeFileSync, writeSync, ftruncateSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { fuse, systemHas } from '../../test-support/system-tests.js';
import { buildFaultfs, FaultfsMount, mountedFaultfs, staleFaultfs } from './faultfs.js';
import { unmountRecorded } from './local-reaper.js';

describe('mountedFaultfs', () => {
  it('reads faultfs mount points from /proc/mounts, undoing its octal escapes, and nothing else', () => {
    const mounts = [
      'proc /proc proc rw,nosuid 0 0',
      'faultfs /tmp/run/nodes/n1/data fuse.faultfs rw,nosuid,nodev 0 0',
      'faultfs /tmp/my\\040runs/n2/data fuse.faultfs rw 0 0',
      'sshfs /mnt/remote fuse.sshfs rw 0 0',
    ].join('\n');
    expect(mountedFaultfs(mounts)).toEqual(['/tmp/run/nodes/n1/data', '/tmp/my runs/n2/data']);
  });
});

const hasFuse = await systemHas(fuse);

describe.runIf(hasFuse)('faultfs', () => {
  let mount: FaultfsMount | undefined;

  afterEach(async () => {
    await mount?.unmount();
    mount = undefined;
  });

  async function mounted(prepare?: (dir: string) => void): Promise<{ dir: string; fs: FaultfsMount }> {
    const dir = join(mkdtempSync(join(tmpdir(), 'faultfs-')), 'data');
    if (prepare) {
      await execa('mkdir', ['-p', dir]);
      prepare(dir);
    }
    mount = await FaultfsMount.mount(await buildFaultfs(), dir);
    return { dir, fs: mount };
  }

  function write(path: string, text: string, options: { fsync?: boolean; flags?: string } = {}): void {
    const fd = openSync(path, options.flags ?? 'w');
    writeSync(fd, text);
    if (options.fsync) fsyncSync(fd);
    closeSync(fd);
  }

  it('serves the files already there, and loses exactly what was not fsynced', async () => {
    const { dir, fs } = await mounted((d) => writeFileSync(join(d, 'old'), 'before\n'));
    expect(mountedFaultfs()).toContain(dir);
    expect(readFileSync(join(dir, 'old'), 'utf8')).toBe('before\n');
    write(join(dir, 'synced'), 'durable', { fsync: true });
    write(join(dir, 'synced'), '-tail', { flags: 'a' });
    write(join(dir, 'unsynced'), 'gone');
    write(join(dir, 'old'), 'appended\n', { flags: 'a' });
    expect(readFileSync(join(dir, 'synced'), 'utf8')).toBe('durable-tail');
    expect(readFileSync(join(dir, 'old'), 'utf8')).toBe('before\nappended\n');
    expect(await fs.status()).toMatchObject({ unsyncedFiles: 3, unsyncedBytes: 5 + 4 + 9, full: false });

    const lost = await fs.loseUnsynced();
    expect(lost).toMatchObject({ files: 3, bytes: 18 });
    expect([...lost.paths].sort()).toEqual(['old', 'synced', 'unsynced']);
    expect(readFileSync(join(dir, 'synced'), 'utf8')).toBe('durable');
    expect(readFileSync(join(dir, 'old'), 'utf8')).toBe('before\n');
    // Creating a file is metadata, durable at once; its data was not.
    expect(statSync(join(dir, 'unsynced')).size).toBe(0);
    expect(await fs.status()).toMatchObject({ unsyncedFiles: 0, unsyncedBytes: 0 });
  });

  it('keeps unsynced data with a renamed file, and loses truncations too', async () => {
    const { dir, fs } = await mounted();
    write(join(dir, 'log'), '0123456789', { fsync: true });
    const fd = openSync(join(dir, 'log'), 'r+');
    ftruncateSync(fd, 3);
    closeSync(fd);
    expect(readFileSync(join(dir, 'log'), 'utf8')).toBe('012');
    write(join(dir, 'tmp'), 'renamed');
    renameSync(join(dir, 'tmp'), join(dir, 'final'));
    expect(readFileSync(join(dir, 'final'), 'utf8')).toBe('renamed');
    expect(await fs.loseUnsynced()).toMatchObject({ files: 2, bytes: 7, truncations: 1 });
    expect(readFileSync(join(dir, 'log'), 'utf8')).toBe('0123456789');
    // The rename reached the disk, the data it carried did not: the classic zero-length file.
    expect(existsSync(join(dir, 'tmp'))).toBe(false);
    expect(readFileSync(join(dir, 'final'), 'utf8')).toBe('');
  });

  it('writes back on sync: a loss afterwards loses nothing', async () => {
    const { dir, fs } = await mounted();
    write(join(dir, 'a'), 'kept');
    expect(await fs.command('sync')).toMatchObject({ syncedFiles: 1, syncedBytes: 4 });
    expect(await fs.loseUnsynced()).toMatchObject({ files: 0, bytes: 0 });
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('kept');
  });

  it('fills: growth beyond the room fails with ENOSPC, statfs shows no space, and free undoes it', async () => {
    const { dir, fs } = await mounted((d) => writeFileSync(join(d, 'existing'), 'x'.repeat(100)));
    await fs.fill(10);
    expect(await fs.status()).toMatchObject({ full: true, roomBytes: 10 });
    expect(statfsSync(dir).bavail).toBe(0);
    write(join(dir, 'small'), '12345');
    expect(() => write(join(dir, 'big'), 'x'.repeat(100))).toThrow(/ENOSPC/);
    // Overwriting what is there takes no new space.
    write(join(dir, 'existing'), 'y'.repeat(50), { flags: 'r+' });
    await fs.free();
    expect(statfsSync(dir).bavail).toBeGreaterThan(0);
    write(join(dir, 'big'), 'x'.repeat(100));
    expect(statSync(join(dir, 'big')).size).toBe(100);
    await expect(fs.command('fill')).rejects.toThrow(/fill needs the bytes left free/);
  });

  it('answers an unknown command with one line naming the commands it knows', async () => {
    const { fs } = await mounted();
    await expect(fs.command('meteor')).rejects.toThrow(/unknown command "meteor"; expected status \| lose-unsynced \| sync \| fill BYTES \| free \| unmount/);
  });

  it('writes back what is unsynced when it unmounts, and leaves no mount', async () => {
    const { dir, fs } = await mounted();
    write(join(dir, 'a'), 'written back');
    await fs.unmount();
    mount = undefined;
    expect(mountedFaultfs()).not.toContain(dir);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('written back');
  });

  it('leaves a dead mount when faultfs itself is SIGKILLed, which the reaper and cleanup find and unmount', async () => {
    const { dir, fs } = await mounted();
    process.kill(fs.pid!, 'SIGKILL');
    for (let i = 0; i < 50 && !staleFaultfs().includes(dir); i++) await sleep(50);
    expect(staleFaultfs()).toContain(dir);
    const pidFile = join(mkdtempSync(join(tmpdir(), 'reaper-')), 'pids');
    writeFileSync(pidFile, `12345 1\nmount ${dir}\nmount /nowhere/mounted\n`);
    expect(unmountRecorded(pidFile)).toEqual([dir]);
    expect(mountedFaultfs()).not.toContain(dir);
    mount = undefined;
  });

  it('unmounts itself when the process that started it dies (SIGKILL)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultfs-'));
    const binary = await buildFaultfs();
    const script = "const c = require('child_process').spawn(process.argv[1], [process.argv[2]], { stdio: ['pipe', 'inherit', 'inherit'] }); setInterval(() => {}, 1000);";
    const controller = execa(process.execPath, ['-e', script, binary, dir], { reject: false, stdout: 'pipe' });
    let line = '';
    controller.stdout?.on('data', (chunk: Buffer) => (line += chunk.toString()));
    for (let i = 0; i < 100 && !line.includes('ready'); i++) await sleep(50);
    expect(mountedFaultfs()).toContain(dir);
    controller.kill('SIGKILL');
    await controller;
    // faultfs notices its parent is gone on its next poll; a loaded machine (2 cores, a CI run beside
    // other work) has taken more than 5 s to schedule it, so it gets 15.
    for (let i = 0; i < 300 && mountedFaultfs().includes(dir); i++) await sleep(50);
    expect(mountedFaultfs()).not.toContain(dir);
  }, 30_000);
});
