// Grudges: partitions as data. For each node, the set of nodes it drops traffic from.
// Runtime vocabulary: a runtime applies a grudge; faults compute them (nemesis/partition-targets.ts).

export type Grudge = Record<string, string[]>;

/** Every node drops traffic from every node outside its own component. */
export function complete(components: readonly (readonly string[])[]): Grudge {
  const grudge: Grudge = {};
  for (const component of components) {
    const others = components.filter((c) => c !== component).flat();
    for (const node of component) grudge[node] = [...others];
  }
  return grudge;
}

/** True when `node` drops traffic coming from `from`. */
export function drops(grudge: Grudge, node: string, from: string): boolean {
  return grudge[node]?.includes(from) ?? false;
}

/** A compact label: components for symmetric partitions ("n1 | n2 n3 n4 n5"), else each grudge. */
export function describeGrudge(grudge: Grudge): string {
  const nodes = Object.keys(grudge).sort();
  const groups: string[][] = [];
  for (const node of nodes) {
    const group = groups.find((g) => g.every((m) => !drops(grudge, node, m) && !drops(grudge, m, node)) && sameView(grudge, node, g[0] as string));
    if (group) group.push(node);
    else groups.push([node]);
  }
  if (groups.every((g) => g.every((n) => (grudge[n] ?? []).length === nodes.length - g.length))) {
    return groups.map((g) => g.join(' ')).join(' | ');
  }
  // Otherwise nodes that drop the same peers are named together: "n1 n2 drop n4,n5; n4 n5 drop n1,n2".
  const byDrops = new Map<string, string[]>();
  for (const node of nodes.filter((n) => (grudge[n] ?? []).length > 0)) {
    const key = [...(grudge[node] ?? [])].sort().join(',');
    byDrops.set(key, [...(byDrops.get(key) ?? []), node]);
  }
  return [...byDrops].map(([dropped, holders]) => `${holders.join(' ')} ${holders.length === 1 ? 'drops' : 'drop'} ${dropped}`).join('; ');
}

function sameView(grudge: Grudge, a: string, b: string): boolean {
  const x = [...(grudge[a] ?? [])].sort().join();
  const y = [...(grudge[b] ?? [])].sort().join();
  return x === y;
}
