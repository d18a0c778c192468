// Packet faults as a TCP proxy can make them: the schedule of one direction of one proxied
// connection. It says when each chunk of the byte stream is delivered (added delay with jitter, a
// token-bucket rate limit, recurring stalls), never before an earlier chunk, or that the chunk ends
// the connection with a reset. Pure: time and randomness come from the caller.
import type { Random } from '../random.js';
import type { PacketShape, PacketSupport } from './runtime.js';

/** What a proxy does to a link's stream; every field is optional and they combine. */
export interface LinkShape {
  /** Added to every chunk's delivery. */
  delayMs?: number;
  /** Each chunk's delay varies uniformly by up to this much either way (never below zero, never reordering). */
  jitterMs?: number;
  /** The stream's rate, in kbit/s (a token bucket of BURST_BYTES). */
  rateKbit?: number;
  /** The link stops for stallMs, then flows for stallMs, and so on; bytes are kept, delivered when it flows. */
  stallMs?: number;
  /** The share of chunks, in percent, that end their connection with a TCP reset instead of arriving. */
  resetPercent?: number;
}

/** The bucket of the rate limit: 4 KiB, tbf's 32 kbit burst in the Docker runtime. */
export const BURST_BYTES = 4096;

/** What happens to one chunk: delivered at a time, or its connection reset. */
export type ChunkFate = { deliverAtMs: number } | 'reset';

/** The schedule of one direction of one connection under one shape. */
export class LinkSchedule {
  private lastDeliveryMs = Number.NEGATIVE_INFINITY;
  private tokens = BURST_BYTES;
  private tokensAtMs: number;

  /** `originMs`: when the shape took effect on the link (stalls start then, for every connection alike). */
  constructor(readonly shape: LinkShape, private readonly originMs: number, private readonly random: Random) {
    this.tokensAtMs = originMs;
  }

  /** The fate of a chunk of `bytes` that arrives at `nowMs`; call in arrival order. */
  admit(nowMs: number, bytes: number): ChunkFate {
    const { delayMs = 0, jitterMs = 0, rateKbit, resetPercent } = this.shape;
    if (resetPercent !== undefined && this.random.chance(resetPercent / 100)) return 'reset';
    let sentMs = nowMs;
    if (rateKbit !== undefined) {
      // kbit/s is bits per ms; a chunk bigger than the bucket leaves it in debt.
      const bytesPerMs = rateKbit / 8;
      this.tokens = Math.min(BURST_BYTES, this.tokens + (nowMs - this.tokensAtMs) * bytesPerMs);
      this.tokensAtMs = nowMs;
      if (this.tokens < bytes) sentMs = nowMs + (bytes - this.tokens) / bytesPerMs;
      this.tokens -= bytes;
      // Tokens accrue from now; the wait already paid for the debt, so the bucket counts from sentMs.
      if (sentMs > nowMs) {
        this.tokens += (sentMs - nowMs) * bytesPerMs;
        this.tokensAtMs = sentMs;
      }
    }
    const jitter = jitterMs > 0 ? (this.random.next() * 2 - 1) * jitterMs : 0;
    let deliverAtMs = Math.max(sentMs, sentMs + delayMs + jitter, this.lastDeliveryMs);
    deliverAtMs = this.afterStall(deliverAtMs);
    this.lastDeliveryMs = deliverAtMs;
    return { deliverAtMs };
  }

  /** True while the link is stalled at `nowMs`. */
  stalledAt(nowMs: number): boolean {
    return this.afterStall(nowMs) !== nowMs;
  }

  /** The first time at or after `ms` when the link flows. */
  private afterStall(ms: number): number {
    const { stallMs } = this.shape;
    if (stallMs === undefined || stallMs <= 0 || ms < this.originMs) return ms;
    const intoCycle = (ms - this.originMs) % (2 * stallMs);
    return intoCycle < stallMs ? ms + (stallMs - intoCycle) : ms;
  }
}

/** The link shape of a packet shape: the behaviours a proxy can make, the rest left out. */
export function linkShapeOf(shape: PacketShape): LinkShape {
  const { delayMs, jitterMs, rateKbit, stallMs, resetPercent } = shape;
  return {
    ...(delayMs !== undefined && { delayMs }),
    ...(jitterMs !== undefined && { jitterMs }),
    ...(rateKbit !== undefined && { rateKbit }),
    ...(stallMs !== undefined && { stallMs }),
    ...(resetPercent !== undefined && { resetPercent }),
  };
}

/**
 * The shape of a link between two nodes, each shaped or not: a link touching one shaped node has
 * its shape; between two, the stronger of each field (the longer delay, the slower rate).
 */
export function combineLinkShapes(a: LinkShape | undefined, b: LinkShape | undefined): LinkShape | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const larger = (x?: number, y?: number) => (x === undefined ? y : y === undefined ? x : Math.max(x, y));
  const rateKbit = a.rateKbit === undefined ? b.rateKbit : b.rateKbit === undefined ? a.rateKbit : Math.min(a.rateKbit, b.rateKbit);
  const combined: LinkShape = {};
  for (const key of ['delayMs', 'jitterMs', 'stallMs', 'resetPercent'] as const) {
    const value = larger(a[key], b[key]);
    if (value !== undefined) combined[key] = value;
  }
  if (rateKbit !== undefined) combined.rateKbit = rateKbit;
  return combined;
}

/** TCP hides packets from a proxy: what it makes of each packet behaviour, and why it cannot make the rest. */
export function proxyPacketSupport(): PacketSupport {
  const stream = 'a TCP proxy relays a byte stream, not packets';
  return {
    available: {
      delay: 'the link proxies delay each chunk of the stream (jitter varies it, in order)',
      rate: 'the link proxies throttle the stream (token bucket)',
      stall: 'the link proxies stop forwarding for the stall, then deliver the bytes held',
      reset: 'the link proxies end connections with a TCP reset on a share of chunks',
    },
    unavailable: {
      loss: `${stream}: the kernel retransmits a lost segment, so loss shows only as delay (use delay or stall) or, past its retries, a reset (use reset)`,
      duplicate: `${stream}: the kernel discards duplicate segments before the database sees them`,
      reorder: `${stream}: the kernel puts segments back in order (delay with jitter varies each chunk's latency instead)`,
      corrupt: `${stream}: the kernel checksums segments and drops corrupt ones, which are retransmitted (only a delay)`,
    },
  };
}
