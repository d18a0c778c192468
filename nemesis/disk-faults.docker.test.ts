// The disk faults on the docker runtime: faultfs runs on this machine over each node's data
// directory, and the container sees it through its bind mount of the node's directory. A
// lose-unsynced run loses what raft did not fsync; a disk run makes the store log ENOSPC; no mount
// and no container is left after either.
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerEngine, fuse, systemHas } from '../test-support/system-tests.js';
import { mountedFaultfs } from '../src/runtime/faultfs.js';

const bin = join(import.meta.dirname, '../bin/faultline.js');
const ready = (await systemHas(dockerEngine)) && (await systemHas(fuse));

function run(store: string, nemesis: string, extra: string[] = []) {
  return execa('node', [bin, 'test', '--runtime', 'docker', '--db', 'bundled', '--nodes', '3', '--workload', 'register', '--time-limit', '10', '--nemesis', nemesis, '--nemesis-targets', 'all', '--nemesis-interval', '3', '--seed', '1', '--store', store, ...extra], { reject: false });
}

function runDirOf(store: string): string {
  const [name] = readdirSync(store);
  return join(store, name!, readdirSync(join(store, name!)).find((d) => d !== 'latest')!);
}

function nemesisOps(runDir: string): { f: string; type: string; value?: Record<string, unknown> }[] {
  return readFileSync(join(runDir, 'history.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((op) => op.process === 'nemesis' && op.type !== 'invoke');
}

describe.runIf(ready)('disk faults on the docker runtime', () => {
  it('lose-unsynced with --fsync never loses the nodes\' unsynced WAL, and leaves no mount', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultfs-docker-'));
    const result = await run(store, 'lose-unsynced', ['--fsync', 'never']);
    expect(result.stdout).toMatch(/verdict:/);
    const lost = nemesisOps(runDirOf(store)).filter((op) => op.f === 'start-lose-unsynced' && op.type === 'info')
      .flatMap((op) => Object.values(op.value!['lost'] as Record<string, { bytes: number }>));
    expect(lost.reduce((sum, l) => sum + l.bytes, 0)).toBeGreaterThan(0);
    expect(mountedFaultfs().filter((p) => p.startsWith(`${store}/`))).toEqual([]);
  }, 180_000);

  it('disk makes the store in its container log ENOSPC, and leaves no mount', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultfs-docker-'));
    await run(store, 'disk');
    const runDir = runDirOf(store);
    const logs = readdirSync(join(runDir, 'nodes')).map((n) => readFileSync(join(runDir, 'nodes', n, 'node.log'), 'utf8')).join('\n');
    expect(logs).toMatch(/ENOSPC/);
    expect(nemesisOps(runDir).some((op) => op.f === 'stop-disk' && op.type === 'info')).toBe(true);
    expect(mountedFaultfs().filter((p) => p.startsWith(`${store}/`))).toEqual([]);
  }, 180_000);
});
