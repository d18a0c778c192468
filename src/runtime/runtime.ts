// The runtime contract: where nodes live and how faults reach them. Nothing outside a runtime's
// own files knows whether nodes are local processes or containers.
import type { Grudge } from '../../nemesis/grudge.js';

export interface Address {
  host: string;
  port: number;
}

/** A database process to run on a node. */
export interface ProcessSpec {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface Runtime {
  readonly name: string;
  readonly nodes: readonly string[];
  /** Brings up networking (local: the proxy mesh between nodes). */
  setup(): Promise<void>;
  /** Where the database on `node` should listen. */
  listenAddress(node: string): Address;
  /** How the database on `from` reaches the one on `to` (through whatever carries faults). */
  peerAddress(from: string, to: string): Address;
  /** How the controller's clients reach `node` (never partitioned, as in Jepsen). */
  clientAddress(node: string): Address;
  /** Starts the database process of a node, its output appended to `logPath`. */
  spawn(node: string, spec: ProcessSpec, logPath: string): Promise<void>;
  /** True while the node's process is alive (even if paused). */
  isRunning(node: string): boolean;
  kill(node: string): Promise<void>;
  pause(node: string): Promise<void>;
  resume(node: string): Promise<void>;
  /** Makes each node drop traffic from the nodes its grudge names; replaces any earlier partition. */
  partition(grudge: Grudge): Promise<void>;
  heal(): Promise<void>;
  /** Stops everything it started. Safe to call twice. */
  teardown(): Promise<void>;
}
