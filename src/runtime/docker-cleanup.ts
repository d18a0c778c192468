// `faultline cleanup`: removes the containers and networks that runs left behind when their
// controller died (SIGKILL, a crash, a lost machine), found by faultline's labels. The iptables
// and tc rules faultline made live inside those containers, so they go with them. Runs whose
// controller is still alive on this machine are spared unless `all` is asked for. Each removal has
// its own deadline; cleanup goes on past one that fails and names it at the end. It also unmounts
// faultfs mounts (disk faults) whose faultfs was killed, or with `all` every faultfs mount.
import { mountedFaultfs, staleFaultfs, unmountLazily } from './faultfs.js';
import { hostname } from 'node:os';
import type Docker from 'dockerode';
import { engineCall, ENGINE_DEADLINES_MS, isBeingRemoved } from './docker-call.js';
import { connectDocker, isNotFound, LABELS } from './docker-engine.js';
import { processExists as processAlive } from '../kv/parent-watch.js';

export interface CleanupReport {
  containers: string[];
  networks: string[];
  /** faultfs mount points it unmounted. */
  mounts: string[];
  /** Runs left alone because their controller is alive, as "<run> (pid N)". */
  spared: string[];
}

/** True when the owner label names a live process on this machine. */
export function ownerAlive(owner: string | undefined, host = hostname(), alive = processAlive): boolean {
  const match = /^(.*)\/(\d+)$/.exec(owner ?? '');
  if (!match) return false;
  return match[1] === host && alive(Number(match[2]));
}

/** Removes what dead runs (or the one `run`) left; throws one line naming what it removed and what it could not. */
export async function cleanup(options: { all?: boolean; run?: string } = {}): Promise<CleanupReport> {
  const report: CleanupReport = { containers: [], networks: [], mounts: [], spared: [] };
  const left: string[] = [];
  // A live faultfs belongs to a live controller (it dies with it); only `all` unmounts those.
  for (const point of options.all ? mountedFaultfs() : staleFaultfs()) {
    await unmountLazily(point).then(() => report.mounts.push(point), (err: unknown) => left.push(err instanceof Error ? err.message : String(err)));
  }
  const docker = await connectDocker();
  const spare = (labels: Record<string, string> | undefined): boolean => {
    if (options.all || options.run !== undefined || !ownerAlive(labels?.[LABELS.owner])) return false;
    const entry = `${labels?.[LABELS.run]} (pid ${labels?.[LABELS.owner]?.split('/').pop()})`;
    if (!report.spared.includes(entry)) report.spared.push(entry);
    return true;
  };
  const remove = async (what: string, call: (abortSignal: AbortSignal) => Promise<unknown>): Promise<boolean> => {
    try {
      await engineCall(`\`remove\` of ${what}`, call, { timeoutMs: ENGINE_DEADLINES_MS.remove });
      return true;
    } catch (err) {
      if (isNotFound(err) || isBeingRemoved(err)) return true;
      left.push(err instanceof Error ? err.message : String(err));
      return false;
    }
  };
  // One run's (whatever its owner), or every run's.
  const filters = JSON.stringify({ label: [options.run === undefined ? LABELS.managed : `${LABELS.run}=${options.run}`] });
  const containers = await engineCall('`list` of containers', (abortSignal) => docker.listContainers({ all: true, filters, abortSignal }));
  // One at a time, each with its own deadline: a stuck container costs its deadline, and the rest still go.
  for (const info of containers) {
    if (spare(info.Labels)) continue;
    const name = (info.Names[0] ?? info.Id).replace(/^\//, '');
    if (await remove(`container ${name}`, (abortSignal) => docker.getContainer(info.Id).remove({ force: true, abortSignal }))) report.containers.push(name);
  }
  for (const info of await engineCall('`list` of networks', (abortSignal) => docker.listNetworks({ filters, abortSignal }))) {
    if (spare(info.Labels)) continue;
    // Endpoints of containers whose removal the engine is finishing go away by themselves; those of a container left behind do not.
    const wait = left.length === 0;
    if (await remove(`network ${info.Name}`, (abortSignal) => removeNetwork(docker.getNetwork(info.Id), abortSignal, wait))) report.networks.push(info.Name);
  }
  if (left.length > 0) {
    const removed = `removed ${report.containers.length} containers, ${report.networks.length} networks and ${report.mounts.length} faultfs mounts`;
    throw new Error(`${removed}, but could not remove ${left.length} (${left.join('; ')})`);
  }
  return report;
}

/**
 * Removes a network, trying again while it still has endpoints of containers that are on their
 * way out (a removal the engine finishes by itself), until the call's deadline aborts it.
 */
async function removeNetwork(network: Docker.Network, abortSignal: AbortSignal, waitForEndpoints: boolean): Promise<void> {
  for (;;) {
    try {
      return await network.remove({ abortSignal });
    } catch (err) {
      if (!waitForEndpoints || (err as { statusCode?: number }).statusCode !== 403 || !/active endpoints/.test(String(err)) || abortSignal.aborted) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
