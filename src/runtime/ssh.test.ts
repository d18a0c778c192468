import { describe, expect, it } from 'vitest';
import { resolveSshSpec } from './ssh-hosts.js';
import { SshRuntime } from './ssh.js';

describe('the ssh runtime without hosts', () => {
  it('answers a lost host\'s node by its last known state, never by throwing', () => {
    const runtime = new SshRuntime({ nodes: ['n1', 'n2'], runDir: '/tmp/unused', ssh: resolveSshSpec({ hosts: ['10.0.0.1', '10.0.0.2'], privateKey: '/dev/null', knownHosts: '/dev/null' }), fakeClock: false });
    // What the runtime holds after n1's process started and n1's connection dropped (n2 never started).
    const inside = runtime as unknown as { sessions: Map<string, { lost: string | undefined }>; processes: Map<string, { running: boolean }> };
    inside.sessions.set('n1', { lost: 'ssh root@10.0.0.1:22: connection lost (Keepalive timeout)' });
    inside.processes.set('n1', { running: true });
    expect(runtime.isRunning('n1')).toBe(true);
    expect(runtime.isRunning('n2')).toBe(false);
  });

  it('fails at once on a host it already failed to reach, and tries again at teardown', async () => {
    const runtime = new SshRuntime({ nodes: ['n1'], runDir: '/tmp/unused', ssh: resolveSshSpec({ hosts: ['10.0.0.1'], privateKey: '/dev/null', knownHosts: '/dev/null' }), fakeClock: false });
    const inside = runtime as unknown as { sessions: Map<string, { lost: string | undefined; close(): void }>; connect(node: string): Promise<void> };
    inside.sessions.set('n1', { lost: 'ssh root@10.0.0.1:22: connection lost (Keepalive timeout)', close: () => undefined });
    let tries = 0;
    inside.connect = () => {
      tries++;
      return Promise.reject(new Error('ssh root@10.0.0.1:22: cannot reach the host (no answer within the connect deadline)'));
    };
    await expect(runtime.kill('n1')).rejects.toThrow(/connection lost \(Keepalive timeout\); reconnecting failed: .*cannot reach the host/);
    expect(tries).toBe(1);
    // The second fault on that host does not wait out another connect deadline: the background loop keeps trying.
    await expect(runtime.pause('n1')).rejects.toThrow(/reconnecting failed: .*cannot reach the host .*\(tried again every 3 s\)/);
    expect(tries).toBe(1);
    await expect(runtime.teardown()).rejects.toThrow(/could not clean up n1 \(.*cannot reach the host/);
    expect(tries).toBe(2);
  });
});
