// A run killed with SIGKILL leaves its containers, network and rules behind; `faultline cleanup`
// removes all of them, and spares nothing of that run. Needs Docker (npm run test:docker): without
// it the suite skips with one line, or fails under FAULTLINE_REQUIRE_SYSTEM_TESTS=1 (CI).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { connectDocker, LABELS } from './docker-engine.js';
import { dockerEngine, systemHas } from '../../test-support/system-tests.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'faultline.js');

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.runIf(await systemHas(dockerEngine))('faultline cleanup', () => {
  it('removes every container, network and rule of a run whose controller was SIGKILLed', async () => {
    const docker = await connectDocker();
    const store = mkdtempSync(join(tmpdir(), 'faultline-cleanup-'));
    const child = execa('node', [bin, 'test', '--runtime', 'docker', '--db', 'bundled', '--nodes', '3', '--concurrency', '3',
      '--time-limit', '300', '--nemesis', 'partition', '--nemesis-interval', '0.5', '--seed', '5', '--store', store], { reject: false });
    const owner = `${hostname()}/${child.pid}`;
    const filters = JSON.stringify({ label: [`${LABELS.owner}=${owner}`] });
    const history = join(store, 'latest', 'history.jsonl');
    // Wait until its nodes run and a partition is in force, so there are rules to leave behind.
    await until(() => existsSync(history) && /"type":"info","f":"start-partition"/.test(readFileSync(history, 'utf8')), 'the run partitions its nodes', 240_000);
    const [network] = await docker.listNetworks({ filters });
    expect(network).toBeDefined();
    const subnet = network?.IPAM?.Config?.[0]?.Subnet as string;
    expect((await execa('iptables-save')).stdout).toContain(subnet);

    child.kill('SIGKILL');
    await child;
    expect((await docker.listContainers({ all: true, filters })).length).toBe(3);

    const cleanup = await execa('node', [bin, 'cleanup'], { reject: false });
    expect(cleanup.exitCode, cleanup.stderr).toBe(0);
    expect(cleanup.stdout).toMatch(/removed 3 containers/);
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
    // The engine's host rules for the run's network went with it; faultline's own rules lived in the containers.
    expect((await execa('iptables-save')).stdout).not.toContain(subnet);
  });
});
