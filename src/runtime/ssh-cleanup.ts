// `faultline cleanup --runtime ssh`: on each host, removes everything faultline's runs left there,
// found by its marks (ssh-host-commands.ts): marked processes, faultline's iptables chains and root qdiscs, the runs'
// directories and the cache. A controller killed mid-run leaves these; a finished run leaves only the cache.
import { ALL_RUNS, removedMarks, removeMarksCommand } from './ssh-host-commands.js';
import type { SshSpec } from './ssh-hosts.js';
import { SshSession } from './ssh-session.js';

export interface SshCleanupReport {
  /** What was removed, by host. */
  removed: Record<string, string[]>;
  /** Hosts that could not be cleaned, with the one line saying why. */
  failed: Record<string, string>;
}

/** Cleans every host of `ssh` at once; never throws for one host's failure. */
export async function cleanupSshHosts(ssh: SshSpec): Promise<SshCleanupReport> {
  const report: SshCleanupReport = { removed: {}, failed: {} };
  await Promise.all(ssh.hosts.map(async (host) => {
    const session = new SshSession(host, ssh, { connectTimeoutMs: 10_000 });
    try {
      await session.connect();
      const own = removedMarks(await session.runOk(removeMarksCommand(ALL_RUNS, 'processes'), { timeoutMs: 60_000 }));
      report.removed[host] = [...own, ...removedMarks(await session.runOk(removeMarksCommand(ALL_RUNS), { sudo: true, timeoutMs: 60_000 }))];
    } catch (err) {
      report.failed[host] = err instanceof Error ? err.message : String(err);
    } finally {
      session.close();
    }
  }));
  return report;
}
