import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { buildKvForTests, freePorts, waitUntil } from '../../test-support/kv-test-cluster.js';
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
    const controller = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const node = spawn(process.execPath, [main, '--id', 'n1', '--listen', `127.0.0.1:${port}`, '--data-dir', join(mkdtempSync(join(tmpdir(), 'parent-watch-')), 'd')], {
      env: { ...process.env, FAULTLINE_PARENT_PID: String(controller.pid) },
      stdio: 'ignore',
    });
    try {
      // Kill the controller once the node is up (and so watching), however long starting took.
      await waitUntil(() => accepts(port!), `the node listens on ${port}`);
      const controllerGone = new Promise((resolve) => controller.once('exit', resolve));
      controller.kill('SIGKILL');
      await controllerGone;
      // The watch polls every second; the rest is the node's orderly shutdown.
      await waitUntil(() => node.exitCode !== null || node.signalCode !== null, 'the node exits after its controller died', 5000);
      expect(node.exitCode).toBe(0);
    } finally {
      controller.kill('SIGKILL');
      node.kill('SIGKILL');
    }
  }, 60_000);
});

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
