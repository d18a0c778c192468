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
});
