// `faultline cleanup --runtime ssh`: on each host, removes everything faultline's runs left there,
// found by its marks (ssh-host-commands.ts): marked processes, faultline's iptables chains and root
// qdiscs, the runs' directories and the cache. A controller killed mid-run leaves these; a finished
// run leaves only the cache. A run whose controller is alive on this machine (its directory's owner
// file says which) is spared, and with it the chains, qdiscs and cache it uses, unless `all` is asked
// for; a controller on another machine cannot be asked, so its runs are removed (as Docker's cleanup does).
import { ownerAlive } from './docker-cleanup.js';
import { ALL_RUNS, HOST_CACHE_DIR, HOST_DIR_PREFIX, OWNER_FILE, removedMarks, removeMarksCommand } from './ssh-host-commands.js';
import type { SshSpec } from './ssh-hosts.js';
import { SshSession } from './ssh-session.js';

export interface SshCleanupReport {
  /** What was removed, by host. */
  removed: Record<string, string[]>;
  /** Runs left alone because their controller is alive, by host, as "<run> (pid N)". */
  spared: Record<string, string[]>;
  /** Hosts that could not be cleaned, with the one line saying why. */
  failed: Record<string, string>;
}

/** Lists the runs that have a directory on a host, one `<run> <owner or ->` a line. */
const LIST_RUNS = `for dir in ${HOST_DIR_PREFIX}*; do
  [ -d "$dir" ] && [ "$dir" != ${HOST_CACHE_DIR} ] || continue
  echo "\${dir#${HOST_DIR_PREFIX}} $(cat "$dir/${OWNER_FILE}" 2>/dev/null || echo -)"
done; true`;

/** The runs of a LIST_RUNS output whose owner is alive, as "<run> (pid N)" by run id. */
export function liveRuns(listing: string, alive: (owner: string) => boolean = (owner) => ownerAlive(owner)): Map<string, string> {
  const live = new Map<string, string>();
  for (const line of listing.split('\n')) {
    const [run, owner] = line.trim().split(' ');
    if (run && owner && /^[a-z0-9]+$/.test(run) && alive(owner)) live.set(run, `${run} (pid ${owner.split('/').pop()})`);
  }
  return live;
}

/** Cleans every host of `ssh` at once; never throws for one host's failure. */
export async function cleanupSshHosts(ssh: SshSpec, options: { all?: boolean } = {}): Promise<SshCleanupReport> {
  const report: SshCleanupReport = { removed: {}, spared: {}, failed: {} };
  await Promise.all(ssh.hosts.map(async (host) => {
    const session = new SshSession(host, ssh, { connectTimeoutMs: 10_000 });
    try {
      await session.connect();
      const live = options.all ? new Map<string, string>() : liveRuns(await session.runOk(['sh', '-c', LIST_RUNS]));
      const keep = [...live.keys()];
      const own = removedMarks(await session.runOk(removeMarksCommand(ALL_RUNS, 'processes', keep), { timeoutMs: 60_000 }));
      report.removed[host] = [...own, ...removedMarks(await session.runOk(removeMarksCommand(ALL_RUNS, 'all', keep), { sudo: true, timeoutMs: 60_000 }))];
      if (live.size > 0) report.spared[host] = [...live.values()];
    } catch (err) {
      report.failed[host] = err instanceof Error ? err.message : String(err);
    } finally {
      session.close();
    }
  }));
  return report;
}
