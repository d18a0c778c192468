// Partitions inside containers: each node drops packets from the peers its grudge names, with
// iptables rules in faultline's own chain. Healing flushes that chain and nothing else, so rules
// that Docker or anyone else put in a container are never touched.
export const PARTITION_CHAIN = 'FAULTLINE';

/** Creates the chain and sends all incoming traffic through it (once per container start). */
export function partitionSetupCommands(): string[][] {
  return [
    ['iptables', '-w', '-N', PARTITION_CHAIN],
    ['iptables', '-w', '-I', 'INPUT', '-j', PARTITION_CHAIN],
  ];
}

/**
 * Replaces the chain's rules: drop everything from each address in `dropFrom` (none heals).
 * iptables expands a comma-separated source list into one rule per address.
 */
export function partitionCommands(dropFrom: readonly string[]): string[][] {
  return [
    ['iptables', '-w', '-F', PARTITION_CHAIN],
    ...(dropFrom.length > 0 ? [['iptables', '-w', '-A', PARTITION_CHAIN, '-s', dropFrom.join(','), '-j', 'DROP']] : []),
  ];
}
