// etcd under the membership fault, end to end through the real command: members really leave
// (etcd's own member list says so) and come back as new members, and the final heal leaves every
// node a member that serves a linearizable read. Needs Docker: without it the suite skips with one
// line, or fails under FAULTLINE_REQUIRE_SYSTEM_TESTS=1 (CI).
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { dockerEngine, systemHas } from '../../test-support/system-tests.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'faultline.js');
const hasDocker = await systemHas(dockerEngine);
const nodes = ['n1', 'n2', 'n3'];

interface HistoryOp {
  process: number | 'nemesis';
  type: string;
  f: string;
  value: { change?: { op: string; node: string }; members?: string[]; added?: string[] } | null;
  error?: string;
}

describe.runIf(hasDocker)('--db etcd --nemesis membership in containers', () => {
  it('removes members and adds them back as new ones, and the final heal restores every node', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-etcd-membership-'));
    const run = await execa('node', [bin, 'test', '--runtime', 'docker', '--db', 'etcd', '--workload', 'register', '--nodes', '3', '--concurrency', '6',
      '--time-limit', '20', '--nemesis', 'membership', '--nemesis-interval', '3', '--ready-timeout', '90', '--seed', '5', '--store', store], { reject: false });
    expect(run.stdout, run.stderr).toMatch(/verdict: +(VALID|INVALID|UNKNOWN)/);
    expect(run.stdout).not.toMatch(/CRASHED/);
    const dir = realpathSync(join(store, 'latest'));
    const history = readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as HistoryOp);
    const done = history.filter((op) => op.process === 'nemesis' && op.type !== 'invoke' && op.error === undefined);

    // A removal happened, and the members it recorded lack the removed node.
    const removals = done.filter((op) => op.f === 'start-membership' && op.value?.change?.op === 'remove');
    expect(removals.length, JSON.stringify(done)).toBeGreaterThan(0);
    for (const op of removals) {
      expect(op.value!.members).not.toContain(op.value!.change!.node);
      expect(op.value!.members!.length).toBeGreaterThanOrEqual(2);
    }
    // Some stop op added a node back, and the last one (the final heal) left every node a member.
    expect(done.some((op) => op.f === 'stop-membership' && (op.value?.added?.length ?? 0) > 0)).toBe(true);
    const last = history.filter((op) => op.process === 'nemesis' && op.type !== 'invoke').at(-1)!;
    expect(last.f).toBe('stop-membership');
    expect(last.error).toBeUndefined();
    expect(last.value!.members).toEqual(nodes);

    // A removed node came back as a new member: it joined the existing cluster with a fresh data dir.
    const removed = removals[0]!.value!.change!.node;
    const log = readFileSync(join(dir, 'nodes', removed, 'node.log'), 'utf8');
    expect(log).toContain('"initial-cluster-state":"existing"');
    // After the heal, the cluster served reads again (the final phase waits for every node first).
    const healedAt = history.lastIndexOf(last);
    expect(history.slice(healedAt).filter((op) => op.process !== 'nemesis' && op.f === 'read' && op.type === 'ok').length).toBeGreaterThan(0);

    const report = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(report).toContain('<section id="membership"><h2>Membership</h2>');
    expect(report).toMatch(/<td>membership remove n\d; members n\d n\d<\/td>/);
  });
});
