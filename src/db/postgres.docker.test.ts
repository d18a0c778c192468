// PostgreSQL end to end through the real command, short: bank on a 3-node async cluster under
// partitions and kills aimed at the primary, and list-append and rw-register under kills of the
// primary alone, end in a verdict (not a crash) with ok ops, and the failover monitor promotes a
// standby in one of the two runs with kills only. A kill lasts a random time (the nemesis draws each
// gap between 0 and twice --nemesis-interval) and the monitor needs a few seconds on a loaded
// machine, so the runs with kills only are 20 s with kills 3 s apart on average: several kills each
// (one 12 s run once had no kill at all with partitions in the mix, one with kills only once had a
// single 3.6 s one). Whether they are valid is PostgreSQL's business (a failover under async
// replication may lose acknowledged writes). Needs Docker: without it the suite skips with one line,
// or fails under FAULTLINE_REQUIRE_SYSTEM_TESTS=1.
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { dockerEngine, systemHas } from '../../test-support/system-tests.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'faultline.js');
const hasDocker = await systemHas(dockerEngine);

/** A run of `limit` s with faults aimed at the primary; its directory and its output. */
async function run(workload: string, seed: number, nemesis = 'partition,kill', interval = 3, limit = 12) {
  const store = mkdtempSync(join(tmpdir(), `faultline-postgres-${workload}-`));
  const result = await execa('node', [bin, 'test', '--runtime', 'docker', '--db', 'postgres', '--workload', workload, '--nodes', '3', '--concurrency', '6',
    '--time-limit', String(limit), '--nemesis', nemesis, '--nemesis-targets', 'primaries', ...(nemesis.includes('partition') ? ['--partition-targets', 'primaries'] : []), '--nemesis-interval', String(interval),
    '--postgres-failover-after-ms', '1000', '--ready-timeout', '90', '--seed', String(seed), '--store', store], { reject: false });
  if (!existsSync(join(store, 'latest'))) throw new Error(`the ${workload} run made no run directory:\n${result.stdout}\n${result.stderr}`);
  const dir = realpathSync(join(store, 'latest'));
  const text = readFileSync(join(dir, 'history.jsonl'), 'utf8').trim();
  if (text === '') throw new Error(`the ${workload} run recorded no op:\n${result.stdout}\n${result.stderr}`);
  const history = text.split('\n').map((line) => JSON.parse(line) as { type: string; f: string; process: unknown });
  const logs = readdirSync(join(dir, 'nodes')).map((node) => readFileSync(join(dir, 'nodes', node, 'node.log'), 'utf8')).join('\n');
  return { result, dir, history, logs };
}

describe.runIf(hasDocker)('--db postgres in containers (async standbys, failover on)', () => {
  it('runs list-append, bank and rw-register under partitions and kills of the primary to verdicts, and fails over when the primary is killed', async () => {
    // One run at a time: three 3-node clusters at once on a 2-core machine left the failover
    // monitor's probes timing out for seconds on end (every node unreachable to it), so a killed
    // primary could stay unreplaced for a whole run.
    const listAppend = await run('list-append', 1, 'kill', 3, 20);
    const bank = await run('bank', 2);
    const rw = await run('rw-register', 3, 'kill', 3, 20);
    for (const { result, history } of [listAppend, bank, rw]) {
      expect(result.stdout, result.stderr).toMatch(/verdict: +(VALID|INVALID|UNKNOWN)/);
      expect([0, 1, 2]).toContain(result.exitCode);
      expect(history.filter((op) => op.type === 'ok' && op.process !== 'nemesis').length).toBeGreaterThan(20);
    }
    expect(listAppend.result.stdout).toMatch(/^ {2}cycle +(VALID|INVALID)/m);
    expect(bank.result.stdout).toMatch(/^ {2}bank +(VALID|INVALID)/m);
    expect(rw.result.stdout).toMatch(/^ {2}cycle +(VALID|INVALID)/m);
    // A primary changed: the monitor promoted a standby, and the promoted server says so in its log.
    for (const { history } of [listAppend, rw]) {
      expect(history.filter((op) => op.process === 'nemesis' && op.type === 'info' && op.f === 'start-kill').length, 'a run with kills killed no node').toBeGreaterThan(0);
    }
    const logs = listAppend.logs + rw.logs;
    expect(logs, 'no failover in either run with kills').toMatch(/faultline: failover: promoting n\d/);
    expect(logs).toMatch(/received promote request/);
  }, 300_000);
});
