// What the built-in faults share: the nemesis contract (from the core) and how node faults pick targets.
import type { Random } from '../src/random.js';

export type { Nemesis, NemesisContext } from '../src/define/fault.js';

/** Target sets for node faults: one node, a minority, a majority, or all. */
export function pickNodes(nodes: readonly string[], random: Random): string[] {
  const shuffled = random.shuffle(nodes);
  const count = {
    one: 1,
    minority: Math.max(1, Math.floor((nodes.length - 1) / 2)),
    majority: Math.floor(nodes.length / 2) + 1,
    all: nodes.length,
  }[random.pick(['one', 'minority', 'majority', 'all'] as const)];
  return shuffled.slice(0, count).sort();
}
