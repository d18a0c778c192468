// `faultline cleanup`: removes the containers and networks that runs left behind when their
// controller died (SIGKILL, a crash, a lost machine), found by faultline's labels. The iptables
// and tc rules faultline made live inside those containers, so they go with them. Runs whose
// controller is still alive on this machine are spared unless `all` is asked for.
import { hostname } from 'node:os';
import { connectDocker, isNotFound, LABELS } from './docker-engine.js';

export interface CleanupReport {
  containers: string[];
  networks: string[];
  /** Runs left alone because their controller is alive, as "<run> (pid N)". */
  spared: string[];
}

/** True when the owner label names a live process on this machine. */
export function ownerAlive(owner: string | undefined, host = hostname(), alive = isAlive): boolean {
  const match = /^(.*)\/(\d+)$/.exec(owner ?? '');
  if (!match) return false;
  return match[1] === host && alive(Number(match[2]));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function cleanup(options: { all?: boolean } = {}): Promise<CleanupReport> {
  const docker = await connectDocker();
  const report: CleanupReport = { containers: [], networks: [], spared: [] };
  const spare = (labels: Record<string, string> | undefined): boolean => {
    if (options.all || !ownerAlive(labels?.[LABELS.owner])) return false;
    const entry = `${labels?.[LABELS.run]} (pid ${labels?.[LABELS.owner]?.split('/').pop()})`;
    if (!report.spared.includes(entry)) report.spared.push(entry);
    return true;
  };
  const filters = JSON.stringify({ label: [LABELS.managed] });
  for (const info of await docker.listContainers({ all: true, filters })) {
    if (spare(info.Labels)) continue;
    await docker.getContainer(info.Id).remove({ force: true }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    report.containers.push((info.Names[0] ?? info.Id).replace(/^\//, ''));
  }
  for (const info of await docker.listNetworks({ filters })) {
    if (spare(info.Labels)) continue;
    await docker.getNetwork(info.Id).remove().catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    report.networks.push(info.Name);
  }
  return report;
}
