// The registry of replication modes, by the name --mode takes.
import type { StartMode } from './mode.js';
import { startRaftMode } from './raft/raft-mode.js';

export const modes = {
  raft: startRaftMode,
} satisfies Record<string, StartMode>;

export type ModeName = keyof typeof modes;

/** Modes DESIGN.md plans but this build does not have yet (named in the --mode error). */
export const plannedModes = ['primary', 'quorum', 'quorum-vc', 'crdt'] as const;

export function isModeName(name: string): name is ModeName {
  return Object.hasOwn(modes, name);
}
