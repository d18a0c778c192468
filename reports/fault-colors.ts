// One colour per fault kind, shared by the charts, the lane diagrams and the fault window list.
import type { FaultWindow } from '../src/fault-window.js';

const palette = [
  [148, 103, 189], // purple
  [23, 190, 207], // teal
  [188, 189, 34], // olive
  [140, 86, 75], // brown
  [127, 127, 127], // grey
  [227, 119, 194], // pink
  [31, 119, 180], // blue
  [255, 152, 48], // orange
  [197, 176, 213], // lavender
  [102, 102, 51], // dark olive
  [158, 218, 229], // light teal
  [196, 156, 148], // rose brown
] as const;

/** A band colour for a fault kind: solid `rgb(...)` for swatches, and a translucent fill for bands. */
export interface FaultColor {
  solid: string;
  band: string;
}

/** Assigns colours to fault kinds in order of first appearance, so a run's colours are stable. */
export function faultColors(windows: readonly FaultWindow[]): Map<string, FaultColor> {
  const colors = new Map<string, FaultColor>();
  for (const window of windows) {
    if (colors.has(window.fault)) continue;
    const [r, g, b] = palette[colors.size % palette.length]!;
    colors.set(window.fault, { solid: `rgb(${r},${g},${b})`, band: `rgba(${r},${g},${b},0.16)` });
  }
  return colors;
}

/** Node event kinds that change who leads get strong colours; repairs and the rest are grey. */
const eventColors: Record<string, string> = {
  election: '#bc4c00',
  failover: '#cf222e',
  rollback: '#82071e',
  role: '#0969da',
  leader: '#1a7f37',
  resync: '#8250df',
  'oom-killed': '#a40e26',
};

/** The colour of a node event kind (log `event` field) on the timeline and the charts. */
export function nodeEventColor(event: string): string {
  return eventColors[event] ?? '#6e7781';
}
