// What faultline runs on an SSH host, as argument vectors built by pure functions. Everything it
// leaves there carries one of its marks, so teardown and `faultline cleanup --runtime ssh` find it:
//   - processes: FAULTLINE_RUN=<run> in their environment (set by the launcher, inherited by children);
//   - files: the directory /tmp/faultline-ssh-<run> (the run's logs, data, clock files, and the
//     file `owner` naming its controller as <hostname>/<pid>), and the cache
//     /tmp/faultline-ssh-cache (the bundled store's code and Node binary, kept across runs);
//   - rules: the iptables chains FAULTLINE (partitions, docker-partition.ts) and FAULTLINE-LOSS
//     (packet loss and resets, ssh-packet.ts), jumped to from INPUT;
//   - qdiscs: a root qdisc with handle fa17: (packet rate limits and netem, ssh-packet.ts), deleted
//     only by that handle, so a qdisc someone else set up is never touched.
import { isAbsolute, relative, sep } from 'node:path';
import { PARTITION_CHAIN } from './docker-partition.js';
import { LOSS_CHAIN, QDISC_HANDLE } from './ssh-packet.js';

export const RUN_MARK = 'FAULTLINE_RUN';
export const HOST_DIR_PREFIX = '/tmp/faultline-ssh-';
/** Where uploaded code is kept across runs (the store's code and Node, by hash): only `cleanup` removes it. */
export const HOST_CACHE_DIR = `${HOST_DIR_PREFIX}cache`;
/** The file of a run's directory that names its controller (`<hostname>/<pid>`, as Docker's owner label). */
export const OWNER_FILE = 'owner';
/** What `removeMarksCommand` takes to remove every run's marks, not one run's. */
export const ALL_RUNS = 'all';

/** The directory of a run on a host. */
export function hostRunDir(runId: string): string {
  if (!/^[a-z0-9]+$/.test(runId)) throw new Error(`run id "${runId}" is not lowercase letters and digits; expected the runtime's own id`);
  return `${HOST_DIR_PREFIX}${runId}`;
}

/**
 * Where a controller path is on the host: paths in the run directory under <host run dir>/run,
 * paths in faultline's package under the uploaded package's directory, others unchanged.
 */
export function hostPath(localPath: string, roots: { runDir: string; packageRoot: string; hostRunDir: string; hostPackageDir: string }): string {
  for (const [root, into] of [[roots.runDir, `${roots.hostRunDir}/run`], [roots.packageRoot, roots.hostPackageDir]] as const) {
    const rel = relative(root, localPath);
    if (rel === '') return into;
    if (!rel.startsWith('..') && !isAbsolute(rel)) return `${into}/${rel.split(sep).join('/')}`;
  }
  return localPath;
}

/** An argument with every controller path in it (whole, or after `=`) moved to the host's. */
export function hostArg(arg: string, toHost: (path: string) => string): string {
  if (arg.startsWith('/')) return toHost(arg);
  const eq = arg.indexOf('=');
  if (eq > 0 && arg[eq + 1] === '/') return `${arg.slice(0, eq + 1)}${toHost(arg.slice(eq + 1))}`;
  return arg;
}

/**
 * Starts a node's process in a session of its own (it outlives the SSH channel), marked, with its
 * output appended to LOG and, when CLOCK is not `-`, libfaketime reading that control file (as
 * docker/base/faultline-run does). Prints the process's pid: the shell execs into it.
 */
const LAUNCHER = `set -eu
run=$1 log=$2 clock=$3
shift 3
${RUN_MARK}=$run
export ${RUN_MARK}
if [ "$clock" != - ]; then
  LD_PRELOAD=
  for lib in /usr/lib/*/faketime/libfaketime.so.1; do [ -e "$lib" ] && LD_PRELOAD=$lib; done
  if [ -z "$LD_PRELOAD" ]; then echo "libfaketime is not installed (apt-get install libfaketime)" >&2; exit 3; fi
  FAKETIME_TIMESTAMP_FILE=$clock FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 NO_FAKE_STAT=1
  export LD_PRELOAD FAKETIME_TIMESTAMP_FILE FAKETIME_NO_CACHE FAKETIME_DONT_FAKE_MONOTONIC NO_FAKE_STAT
fi
command -v "$1" >/dev/null || { echo "$1 is not installed" >&2; exit 127; }
echo $$
exec "$@" </dev/null >>"$log" 2>&1`;

export interface LaunchSpec {
  runId: string;
  logPath: string;
  /** The libfaketime control file on the host, if the process gets a faked clock. */
  clockFile?: string;
  command: string;
  args: readonly string[];
  env?: Readonly<Record<string, string>>;
}

/** The command that launches a node's process; its output is the process's pid. */
export function launchCommand(spec: LaunchSpec): string[] {
  const env = Object.entries(spec.env ?? {}).map(([key, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`environment variable name "${key}" is not valid; expected letters, digits and _`);
    return `${key}=${value}`;
  });
  return ['env', ...env, 'setsid', '-f', 'sh', '-c', LAUNCHER, 'faultline-launch', spec.runId, spec.logPath, spec.clockFile ?? '-', spec.command, ...spec.args];
}

/** Waits for a process to end (coreutils' tail polls it each second... here each 0.2 s). */
export function awaitExitCommand(pid: number): string[] {
  return ['tail', `--pid=${pid}`, '-s', '0.2', '-f', '/dev/null'];
}

/**
 * Sends a signal to a node's process and its children, by the pid its launch printed: the launcher
 * leads a process group of its own (setsid), so a database started by a script (Redis's server and
 * Sentinel) is killed or frozen whole, as a container would be.
 */
export function signalCommand(signal: 'KILL' | 'STOP' | 'CONT', pid: number): string[] {
  return ['kill', '-s', signal, '--', `-${pid}`];
}

/** Reads what `processStartMs` needs: the host's uptime and the process's stat line. */
export function processStartCommand(pid: number): string[] {
  return ['cat', '/proc/uptime', `/proc/${pid}/stat`];
}

/** When a process started, in ms of the controller's clock, from `processStartCommand`'s output read at `nowMs`. */
export function processStartMs(output: string, nowMs: number): number | undefined {
  const [uptimeLine, stat] = output.split('\n');
  if (!uptimeLine || !stat) return undefined;
  const uptimeS = Number(uptimeLine.split(' ')[0]);
  const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]); // field 22: starttime, in ticks (100/s)
  return Number.isFinite(uptimeS) && Number.isFinite(startTicks) ? nowMs - (uptimeS - startTicks / 100) * 1000 : undefined;
}

/** Makes faultline's chain and sends incoming traffic through it, once per host however often it is called. */
export function firewallSetupCommand(): string[] {
  return ['sh', '-c', `iptables -w -N ${PARTITION_CHAIN} 2>/dev/null || true; iptables -w -C INPUT -j ${PARTITION_CHAIN} 2>/dev/null || iptables -w -I INPUT -j ${PARTITION_CHAIN}`];
}

/**
 * Removes faultline's marks from a host: a run's (or, given ALL_RUNS, every run's) marked
 * processes and directory, faultline's chains and root qdiscs. Runs listed in KEEP are spared, and
 * with them the chains, qdiscs and cache they use. Prints one line per thing removed.
 */
const REMOVE_MARKS = `set -u
run=$1 what=$2 keep=$3
for environ in /proc/[0-9]*/environ; do
  pid=\${environ#/proc/}; pid=\${pid%/environ}
  mark=$(tr '\\0' '\\n' <"$environ" 2>/dev/null | grep '^${RUN_MARK}=') || continue
  [ "$run" = ${ALL_RUNS} ] || [ "$mark" = "${RUN_MARK}=$run" ] || continue
  case " $keep " in *" \${mark#${RUN_MARK}=} "*) continue ;; esac
  cmdline=$(tr '\\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-100)
  kill -KILL "$pid" 2>/dev/null && echo "process $pid ($cmdline)"
done
[ "$what" = processes ] && exit 0
# A spared run still uses the chains and qdiscs (they are the host's, not one run's): kept with it.
if [ -z "$keep" ]; then
  for chain in ${PARTITION_CHAIN} ${LOSS_CHAIN}; do
    iptables -w -n -L "$chain" >/dev/null 2>&1 || continue
    while iptables -w -D INPUT -j "$chain" 2>/dev/null; do :; done
    iptables -w -F "$chain" && iptables -w -X "$chain" && echo "iptables chain $chain"
  done
  if command -v tc >/dev/null 2>&1; then
    for dev in /sys/class/net/*; do
      dev=\${dev#/sys/class/net/}
      tc qdisc del dev "$dev" root handle ${QDISC_HANDLE} 2>/dev/null && echo "qdisc ${QDISC_HANDLE} on $dev"
    done
  fi
fi
for dir in ${HOST_DIR_PREFIX}*; do
  [ -d "$dir" ] || continue
  [ "$run" = ${ALL_RUNS} ] || [ "$dir" = "${HOST_DIR_PREFIX}$run" ] || continue
  [ -z "$keep" ] || [ "$dir" != ${HOST_CACHE_DIR} ] || continue
  case " $keep " in *" \${dir#${HOST_DIR_PREFIX}} "*) continue ;; esac
  rm -rf "$dir" && echo "directory $dir"
done
exit 0`;

/**
 * The command that removes a run's marks (`processes`: only its processes). Reading another user's
 * /proc/<pid>/environ takes CAP_SYS_PTRACE, which root lacks in a container: so the login user's
 * own processes are found by a pass without sudo, and the rest by a pass with it.
 */
export function removeMarksCommand(runId: string, what: 'processes' | 'all' = 'all', keep: readonly string[] = []): string[] {
  for (const id of runId === ALL_RUNS ? keep : [runId, ...keep]) hostRunDir(id); // checks it
  return ['sh', '-c', REMOVE_MARKS, 'faultline-cleanup', runId, what, keep.join(' ')];
}

/** What `removeMarksCommand` printed, as the things it removed. */
export function removedMarks(output: string): string[] {
  return output.split('\n').map((line) => line.trim()).filter((line) => /^(process|iptables chain|qdisc|directory) /.test(line));
}
