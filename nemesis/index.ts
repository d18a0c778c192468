// The nemesis registry: fault kinds by name, as the CLI offers them.
import { clockNemesis } from './clock.js';
import { killNemesis } from './kill.js';
import type { Nemesis, NemesisContext } from './nemesis.js';
import { packetNemesis } from './packet.js';
import { partitionNemesis } from './partition.js';
import { pauseNemesis } from './pause.js';

export const nemeses = {
  partition: partitionNemesis,
  kill: killNemesis,
  pause: pauseNemesis,
  clock: clockNemesis,
  packet: packetNemesis,
} satisfies Record<string, (ctx: NemesisContext) => Nemesis>;

export type NemesisName = keyof typeof nemeses;
