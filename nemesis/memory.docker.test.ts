// The memory fault on the docker runtime against a real engine: a container's limit is set and
// lifted through the API (HostConfig.Memory, as `docker inspect` shows it), an OOM kill is counted
// and written to the node's log as an event, and nothing of the run is left after teardown.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { connectDocker, isNotFound } from '../src/runtime/docker-engine.js';
import { DockerRuntime } from '../src/runtime/docker.js';
import { dockerEngine, systemHas } from '../test-support/system-tests.js';

// Allocates 1 MB every 20 ms, keeping the last 40: it holds ~40 MB and always allocates more.
const GROWER = 'const a=[];setInterval(()=>{a.push(Buffer.alloc(1e6,1));if(a.length>40)a.shift()},20)';

describe.runIf(await systemHas(dockerEngine))('the memory fault on the docker runtime', () => {
  it('limits a container, counts and logs its OOM kill, lifts the limit, and leaves no container', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'faultline-memory-docker-'));
    const runtime = new DockerRuntime({ nodes: ['n1'], runDir, fakeClock: false, log: () => {} });
    const docker = await connectDocker();
    const name = `faultline-${runtime.runId}-n1`;
    const memoryOf = async () => (await docker.getContainer(name).inspect()).HostConfig.Memory;
    const log = join(runDir, 'nodes', 'n1', 'node.log');
    await runtime.setup();
    try {
      await runtime.spawn('n1', { command: process.execPath, args: ['-e', GROWER] }, log);
      await sleep(1500);
      const inUse = (await runtime.memoryUsage('n1'))!;
      expect(inUse).toBeGreaterThan(20e6);
      const limit = await runtime.limitMemory('n1', inUse * 0.2);
      expect(await memoryOf()).toBe(limit.limitBytes);
      const deadline = Date.now() + 20_000;
      while (runtime.isRunning('n1') && Date.now() < deadline) await sleep(100);
      expect(await runtime.oomKills('n1')).toBe(1);
      expect(readFileSync(log, 'utf8')).toContain('"event":"oom-killed"');
      await runtime.unlimitMemory('n1');
      // The kernel's own "no limit" (the API cannot set 0 again).
      expect(await memoryOf()).toBe(9223372036854771712);
      // A node started again under no limit is not OOM-killed, and a kill is not taken for one.
      await runtime.spawn('n1', { command: process.execPath, args: ['-e', GROWER] }, log);
      await sleep(1000);
      expect(await runtime.kill('n1')).toBe('done');
      expect(await runtime.oomKills('n1')).toBe(1);
    } finally {
      await runtime.teardown();
    }
    await expect(docker.getContainer(name).inspect()).rejects.toSatisfy(isNotFound);
  });
});
