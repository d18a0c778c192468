// Nothing outlives a Docker run: after a run with every fault the docker runtime can make
// (--nemesis all), ended normally or by Ctrl-C, no container, network, host rule, mount, cgroup or
// process of that run is left. Needs Docker (npm run test:docker).
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectDocker, LABELS } from './runtime/docker-engine.js';
import { faultfsMissing } from './runtime/faultfs.js';
import { leftoversOf } from '../test-support/leftovers.js';
import { dockerEngine, systemHas } from '../test-support/system-tests.js';

const bin = join(import.meta.dirname, '../bin/faultline.js');
const args = ['test', '--runtime', 'docker', '--db', 'bundled', '--store-mode', 'raft', '--workload', 'register', '--nodes', '3',
  '--nemesis', 'all', '--nemesis-interval', '1', '--time-limit', '15', '--seed', '4'];

function startedFaults(store: string): number {
  try {
    return readFileSync(join(store, 'latest', 'history.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"process":"nemesis"') && !line.includes('"type":"invoke"') && line.includes('"f":"start-')).length;
  } catch {
    return 0;
  }
}

async function dockerLeftovers(pid: number, store: string): Promise<string[]> {
  const docker = await connectDocker();
  const filters = JSON.stringify({ label: [`${LABELS.owner}=${hostname()}/${pid}`] });
  const containers = (await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names.join(',')}`);
  const networks = (await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`);
  return [...containers, ...networks, ...leftoversOf(store, pid)];
}

describe.runIf(await systemHas(dockerEngine))('nothing outlives a docker run', () => {
  it('leaves no container, network, mount, cgroup or process after a run with every fault', async () => {
    const store = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-leftovers-')));
    const child = execa('node', [bin, ...args, '--store', store], { reject: false, all: true });
    const result = await child;
    expect([0, 1, 2], result.all?.slice(-2000)).toContain(result.exitCode);
    expect(startedFaults(store)).toBeGreaterThan(0);
    expect(await dockerLeftovers(child.pid!, store)).toEqual([]);
  });

  it('leaves nothing after Ctrl-C in the middle of the faults', async () => {
    const store = realpathSync(mkdtempSync(join(tmpdir(), 'faultline-leftovers-')));
    const child = execa('node', [bin, ...args, '--store', store], { reject: false, all: true });
    const deadline = Date.now() + 240_000;
    while (startedFaults(store) < 4 && child.exitCode === null && Date.now() < deadline) await sleep(200);
    // The check sees the live run's containers, so an empty list afterwards means they are gone.
    const live = await dockerLeftovers(child.pid!, store);
    expect(live.filter((l) => l.startsWith('container ')).length).toBe(3);
    // --nemesis all has the disk faults where FUSE is: faultfs is mounted on the host under the run.
    if (faultfsMissing() === undefined) expect(live.filter((l) => l.startsWith('mount ')).length).toBe(3);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, result.all?.slice(-2000)).not.toBe(0);
    expect(await dockerLeftovers(child.pid!, store)).toEqual([]);
  });
});
