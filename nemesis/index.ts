// The built-in faults, as --nemesis offers them. Each is a definition made with defineFault; the
// core finds their names, runtime needs and heal order here, never in a list of its own.
import type { FaultDefinition } from '../src/define/fault.js';
import { clockFault } from './clock.js';
import { killFault } from './kill.js';
import { packetFault } from './packet.js';
import { partitionFault } from './partition.js';
import { pauseFault } from './pause.js';

export const builtinFaults = {
  partition: partitionFault,
  kill: killFault,
  pause: pauseFault,
  clock: clockFault,
  packet: packetFault,
} satisfies Record<string, FaultDefinition>;

export type FaultName = keyof typeof builtinFaults;
