import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostArg, hostPath, hostRunDir, launchCommand, processStartMs, removedMarks, removeMarksCommand, RUN_MARK, signalCommand } from './ssh-host-commands.js';

describe('ssh host commands', () => {
  const roots = { runDir: '/home/me/store/t/20260101', packageRoot: '/opt/faultline', hostRunDir: '/tmp/faultline-ssh-abc', hostPackageDir: '/tmp/faultline-ssh-cache/store-123' };

  it('moves controller paths to the host: run files under run/, package files under pkg/', () => {
    expect(hostPath('/home/me/store/t/20260101/nodes/n1/node.log', roots)).toBe('/tmp/faultline-ssh-abc/run/nodes/n1/node.log');
    expect(hostPath('/opt/faultline/dist/src/kv/main.js', roots)).toBe('/tmp/faultline-ssh-cache/store-123/dist/src/kv/main.js');
    expect(hostPath('/home/me/store/t/2026', roots)).toBe('/home/me/store/t/2026');
    expect(hostPath('/usr/bin/etcd', roots)).toBe('/usr/bin/etcd');
    const toHost = (p: string) => hostPath(p, roots);
    expect(hostArg('--data-dir=/home/me/store/t/20260101/nodes/n1/data', toHost)).toBe('--data-dir=/tmp/faultline-ssh-abc/run/nodes/n1/data');
    expect(hostArg('n1=10.0.0.2:7000', toHost)).toBe('n1=10.0.0.2:7000');
  });

  it('refuses a run id that is not the runtime\'s own', () => {
    expect(hostRunDir('k2x9')).toBe('/tmp/faultline-ssh-k2x9');
    expect(() => hostRunDir('../etc')).toThrow('run id "../etc" is not lowercase letters and digits');
    expect(() => removeMarksCommand('a b')).toThrow(/run id "a b"/);
  });

  it('the launcher starts the process detached and marked, prints its pid, and appends its output to the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-launch-'));
    const log = join(dir, "node's log");
    const argv = launchCommand({ runId: 'test1', logPath: log, command: 'sh', args: ['-c', 'echo "$0 $FAULTLINE_RUN $X"; sleep 30', 'a b'], env: { X: "it's" } });
    const pid = Number(execFileSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' }).trim());
    expect(pid).toBeGreaterThan(1);
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environ).toContain(`${RUN_MARK}=test1`);
      for (let i = 0; i < 50 && !readFileSync(log, 'utf8').includes('\n'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(readFileSync(log, 'utf8')).toBe("a b test1 it's\n");
      expect(processStartMs(execFileSync('cat', ['/proc/uptime', `/proc/${pid}/stat`], { encoding: 'utf8' }), Date.now())).toBeGreaterThan(Date.now() - 10_000);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('a signal reaches the launched process and its children: a script\'s database is killed whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-launch-'));
    const log = join(dir, 'node.log');
    const argv = launchCommand({ runId: 'test1', logPath: log, command: 'sh', args: ['-c', 'sleep 30 & echo $!; wait'] });
    const pid = Number(execFileSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' }).trim());
    for (let i = 0; i < 50 && !readFileSync(log, 'utf8').includes('\n'); i++) await new Promise((r) => setTimeout(r, 20));
    const child = Number(readFileSync(log, 'utf8').trim());
    // Alive: not gone and not a zombie (an orphan's parent may be slow to reap it, or never reap it).
    const alive = (p: number) => { try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${p}/stat`, 'utf8')); } catch { return false; } };
    expect(alive(child)).toBe(true);
    // Run as sshd runs it: through the login user's shell (dash's own kill).
    execFileSync('sh', ['-c', '"$@"', 'sh', ...signalCommand('KILL', pid)]);
    for (let i = 0; i < 50 && (alive(pid) || alive(child)); i++) await new Promise((r) => setTimeout(r, 20));
    expect([alive(pid), alive(child)]).toEqual([false, false]);
  });

  it('a missing program is named before anything starts', () => {
    const argv = launchCommand({ runId: 'test1', logPath: '/dev/null', command: 'no-such-program-here', args: [] });
    const child = spawn(argv[0] as string, argv.slice(1));
    return new Promise<void>((resolve) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', () => {
        // setsid -f returns at once; the launcher's own stderr still reaches the channel.
        setTimeout(() => { expect(err).toContain('no-such-program-here is not installed'); resolve(); }, 300);
      });
    });
  });

  it('refuses an environment variable name that is not one', () => {
    expect(() => launchCommand({ runId: 'r', logPath: '/l', command: 'x', args: [], env: { 'A B': '1' } })).toThrow('environment variable name "A B" is not valid');
  });

  it('reads what the cleanup script removed', () => {
    expect(removedMarks('process 12 (node main.js)\nnoise\niptables chain FAULTLINE\nqdisc fa17: on eth0\ndirectory /tmp/faultline-ssh-x\n')).toEqual(['process 12 (node main.js)', 'iptables chain FAULTLINE', 'qdisc fa17: on eth0', 'directory /tmp/faultline-ssh-x']);
  });
});
