// A cycle anomaly drawn as a small SVG graph: the transactions T1..Tn on a circle, one arrow per
// dependency, coloured and labelled by its kind (ww, wr, rw, process, realtime) and key.
import type { CycleAnomaly } from '../checkers/cycle/index.js';
import { escapeHtml } from '../src/html-escape.js';

const edgeColors: Record<string, string> = { ww: '#0969da', wr: '#1a7f37', rw: '#cf222e', process: '#57606a', realtime: '#8250df' };
const nodeR = 20;
/** Larger cycles are left to the table: a circle of 20 labelled arrows is no longer a picture. */
const maxDrawn = 12;

/** Renders the graph, or '' for a cycle too long (or too malformed) to draw. */
export function renderCycleGraph(anomaly: CycleAnomaly): string {
  const n = anomaly.cycle.length;
  if (n < 2 || n > maxDrawn || anomaly.steps.length !== n) return '';
  const radius = n === 2 ? 70 : 50 + 22 * n;
  const size = 2 * (radius + nodeR + 70);
  const c = size / 2;
  const at = (i: number): [number, number] => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return [c + radius * Math.cos(angle), c + radius * Math.sin(angle)];
  };
  const parts = [`<svg class="cycle" viewBox="0 0 ${size} ${size}" width="${size}" style="max-width:100%" role="img" aria-label="the cycle's transactions and dependencies">`];
  anomaly.steps.forEach((step, i) => {
    const [x1, y1] = at(i);
    const [x2, y2] = at((i + 1) % n);
    // Bend each arrow to the right of its direction: outward on the circle, and apart when n = 2.
    const [dx, dy] = [x2 - x1, y2 - y1];
    const length = Math.hypot(dx, dy);
    const bend = n === 2 ? 45 : 0.18 * length;
    const [cx, cy] = [(x1 + x2) / 2 + (dy / length) * bend, (y1 + y2) / 2 - (dx / length) * bend];
    const [sx, sy] = towards([x1, y1], [cx, cy], nodeR + 2);
    const [ex, ey] = towards([x2, y2], [cx, cy], nodeR + 4);
    const color = edgeColors[step.type] ?? '#57606a';
    const [lx, ly] = [0.25 * x1 + 0.5 * cx + 0.25 * x2, 0.25 * y1 + 0.5 * cy + 0.25 * y2];
    const label = `${step.type}${step.key === undefined ? '' : ` ${typeof step.key === 'string' || typeof step.key === 'number' ? step.key : JSON.stringify(step.key)}`}`;
    parts.push(
      `<g class="edge"><title>${escapeHtml(step.explanation)}</title>`,
      `<path d="M${f1(sx)},${f1(sy)} Q${f1(cx)},${f1(cy)} ${f1(ex)},${f1(ey)}" stroke="${color}"${step.type === 'rw' ? ' stroke-dasharray="5 3"' : ''}/>`,
      arrowHead([ex, ey], [cx, cy], color),
      `<text x="${f1(lx)}" y="${f1(ly)}" fill="${color}" text-anchor="middle" dy="4" paint-order="stroke" stroke="#fff" stroke-width="3">${escapeHtml(label)}</text></g>`,
    );
  });
  anomaly.cycle.forEach((op, i) => {
    const [x, y] = at(i);
    parts.push(`<g class="txn"><title>${escapeHtml(`T${i + 1}: ${op.description} (op ${op.index}, process ${op.process})`)}</title><circle cx="${f1(x)}" cy="${f1(y)}" r="${nodeR}"/><text x="${f1(x)}" y="${f1(y + 4)}" text-anchor="middle">T${i + 1}</text></g>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The point `distance` from `from` on the way to `to`. */
function towards([x, y]: [number, number], [tx, ty]: [number, number], distance: number): [number, number] {
  const length = Math.hypot(tx - x, ty - y) || 1;
  return [x + ((tx - x) / length) * distance, y + ((ty - y) / length) * distance];
}

/** A filled triangle at `tip`, pointing away from `from`. */
function arrowHead([x, y]: [number, number], [fx, fy]: [number, number], color: string): string {
  const length = Math.hypot(x - fx, y - fy) || 1;
  const [ux, uy] = [(x - fx) / length, (y - fy) / length];
  const [bx, by] = [x - ux * 9, y - uy * 9];
  return `<path d="M${f1(x)},${f1(y)} L${f1(bx - uy * 4.5)},${f1(by + ux * 4.5)} L${f1(bx + uy * 4.5)},${f1(by - ux * 4.5)}Z" fill="${color}"/>`;
}

function f1(n: number): string {
  return n.toFixed(1);
}
