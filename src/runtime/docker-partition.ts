// Partitions inside containers: each node drops packets from the peers its grudge names, with
// iptables rules in faultline's own chain. Healing flushes that chain and nothing else, so rules
// that Docker or anyone else put in a container are never touched.
//
// One way (A drops B, B does not drop A): A must hear nothing from B while B still hears A. Dropping
// every packet from B would not do that over TCP: B's SYN-ACKs and acks would never reach A, so A
// could neither open a connection to B nor keep sending on one, and B would stop hearing A too.
// So A drops from B only what carries bytes: TCP segments with a payload, and every non-TCP
// packet. B's handshakes, acks, FINs and RSTs still reach A (A's kernel learns that B got its
// bytes, and when B closes; A's application hears no byte from B), and what B sends is
// retransmitted by B's TCP until the cut heals. A TCP segment carries bytes when the IP total
// length exceeds the IP and TCP header lengths; iptables' u32 match cannot compare two fields and
// reads 4-byte words (a payload of 1 to 3 bytes would pass), so a classic BPF program does it.
export const PARTITION_CHAIN = 'FAULTLINE';

/** What one node drops now: addresses it cuts both ways, and those it stops hearing one way. */
export interface PartitionDrops {
  /** Every packet from these addresses is dropped (they drop this node's packets too). */
  from: readonly string[];
  /** Only what carries bytes is dropped from these: they still hear this node. */
  bytesFrom: readonly string[];
}

export const NO_DROPS: PartitionDrops = { from: [], bytesFrom: [] };

/**
 * Matches IPv4 TCP segments with a payload (xt_bpf runs it on the packet from its IP header):
 *   ldh [2]; st M[0]            total length
 *   ldxb 4*([0]&0xf)            X = IP header length
 *   ldb [x+12]; rsh #2; and #0x3c; add x; tax    X = IP + TCP header lengths
 *   ld M[0]; jgt x, match, no   total length > headers: there is a payload
 */
export const TCP_PAYLOAD_BPF = '12,40 0 0 2,2 0 0 0,177 0 0 0,80 0 0 12,116 0 0 2,84 0 0 60,12 0 0 0,7 0 0 0,96 0 0 0,45 0 1 0,6 0 0 1,6 0 0 0';

/** Creates the chain and sends all incoming traffic through it (once per container start). */
export function partitionSetupCommands(): string[][] {
  return [
    ['iptables', '-w', '-N', PARTITION_CHAIN],
    ['iptables', '-w', '-I', 'INPUT', '-j', PARTITION_CHAIN],
  ];
}

/**
 * Replaces the chain's rules with `drops` (none heals). iptables expands a comma-separated source
 * list into one rule per address.
 */
export function partitionCommands(drops: PartitionDrops): string[][] {
  const commands = [['iptables', '-w', '-F', PARTITION_CHAIN]];
  if (drops.from.length > 0) commands.push(['iptables', '-w', '-A', PARTITION_CHAIN, '-s', drops.from.join(','), '-j', 'DROP']);
  if (drops.bytesFrom.length > 0) {
    const sources = drops.bytesFrom.join(',');
    commands.push(
      ['iptables', '-w', '-A', PARTITION_CHAIN, '-s', sources, '-p', 'tcp', '-m', 'bpf', '--bytecode', TCP_PAYLOAD_BPF, '-j', 'DROP'],
      ['iptables', '-w', '-A', PARTITION_CHAIN, '-s', sources, '!', '-p', 'tcp', '-j', 'DROP'],
    );
  }
  return commands;
}

/** A node's drops as a key, to tell whether its container's rules must change ('' when it drops nothing). */
export function dropsKey(drops: PartitionDrops): string {
  return drops.from.length + drops.bytesFrom.length === 0 ? '' : `${drops.from.join(',')}|${drops.bytesFrom.join(',')}`;
}
