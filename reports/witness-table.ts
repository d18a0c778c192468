// Witness ops in checker sections: one table shape for every checker's evidence, each op linked
// to the timeline (the timeline script opens an op from any `data-op` link).
import type { WitnessOp } from '../src/checker.js';
import { escapeHtml } from '../src/html-escape.js';
import { formatSeconds } from './time-format.js';

/** A link that opens the op on the timeline; plain text when the index is not a number. */
export function opLink(op: Pick<WitnessOp, 'index'>): string {
  const index = Number(op.index);
  return Number.isInteger(index) && index >= 0 ? `<a href="#timeline" data-op="${index}">op ${index}</a>` : `op ${escapeHtml(op.index)}`;
}

/** The op's description with its timeline link. */
export function opCell(op: WitnessOp): string {
  return `<code>${escapeHtml(op.description ?? `${op.f} ${JSON.stringify(op.value) ?? ''}`)}</code> <span class="muted">${opLink(op)}</span>`;
}

export interface WitnessRow {
  op: WitnessOp;
  /** What the op shows (already escaped HTML), e.g. the reason it is a witness. */
  note?: string;
  /** A label for the first column, e.g. "T1" or "read" (escaped here). */
  role?: string;
}

/** A table of witness ops: role, op, process, node, invocation and completion times, and a note. */
export function witnessTable(rows: readonly WitnessRow[], noteHeader = ''): string {
  const withRole = rows.some((r) => r.role !== undefined);
  const body = rows
    .map(({ op, note, role }) => {
      const end = op.end === null || op.end === undefined ? '<span class="muted">never (info)</span>' : formatSeconds(op.end);
      return (
        `<tr>${withRole ? `<th scope="row">${escapeHtml(role ?? '')}</th>` : ''}<td>${opCell(op)}</td><td>${escapeHtml(op.process)}</td><td>${escapeHtml(op.node ?? '')}</td>` +
        `<td class="num">${formatSeconds(Number(op.start))}</td><td class="num">${end}</td>${noteHeader ? `<td>${note ?? ''}</td>` : ''}</tr>`
      );
    })
    .join('');
  return (
    `<table class="witnesses"><thead><tr>${withRole ? '<th></th>' : ''}<th>op</th><th>process</th><th>node</th><th class="num">invoked (s)</th><th class="num">completed (s)</th>` +
    `${noteHeader ? `<th>${escapeHtml(noteHeader)}</th>` : ''}</tr></thead><tbody>${body}</tbody></table>`
  );
}

/** True for an object that looks like a WitnessOp (checkers' results come back from JSON). */
export function isWitnessOp(v: unknown): v is WitnessOp {
  return typeof v === 'object' && v !== null && 'index' in v && 'start' in v && 'f' in v;
}
