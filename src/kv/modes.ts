// The registry of replication modes, by the name --mode takes (the names live in mode-ops.ts).
import type { ModeName } from './mode-ops.js';
import type { StartMode } from './mode.js';
import { startCrdtMode } from './crdt/crdt-mode.js';
import { startPrimaryMode } from './primary/primary-mode.js';
import { startQuorumMode, startQuorumVcMode } from './quorum/quorum-mode.js';
import { startRaftMode } from './raft/raft-mode.js';

export const modes = {
  raft: startRaftMode,
  primary: startPrimaryMode,
  quorum: startQuorumMode,
  'quorum-vc': startQuorumVcMode,
  crdt: startCrdtMode,
} satisfies Record<ModeName, StartMode>;

export { isModeName, type ModeName } from './mode-ops.js';
