// A runtime of each kind that starts nothing, to ask what it can do (which faults it can make)
// before a run: preflight and `--nemesis all` read its capabilities, never its nodes.
import type { RuntimeName } from '../define/db.js';
import { DockerRuntime } from './docker.js';
import { LocalRuntime } from './local.js';
import { resolveSshSpec } from './ssh-hosts.js';
import { SshRuntime } from './ssh.js';
import type { Runtime } from './runtime.js';

/** A runtime of this kind with one node, never set up: only its capabilities are asked. */
export function probeRuntime(runtime: RuntimeName): Runtime {
  if (runtime === 'ssh') return new SshRuntime({ nodes: ['n1'], runDir: '', ssh: resolveSshSpec({ hosts: ['probe.invalid'] }), fakeClock: false });
  return runtime === 'docker' ? new DockerRuntime({ nodes: ['n1'], runDir: '', fakeClock: false, log: () => {} }) : new LocalRuntime(['n1']);
}
