// Who belonged to the cluster over a run, read back from the nemesis ops: a fault that changes the
// membership (the membership fault) records the members after each change as `members` in its
// completion value. One row per change, one column per node; a change that failed is listed too.
import type { History } from '../src/op.js';
import { escapeHtml } from '../src/html-escape.js';
import { formatSeconds } from './time-format.js';

/** One nemesis op of a membership change: the members after it, or why it failed. */
export interface MembershipStep {
  atNs: number;
  f: string;
  /** What was done ("remove n3; members n1 n2"), or the op's error. */
  label: string;
  /** The members after the op, sorted; null when the op failed. */
  members: string[] | null;
}

/** The steps in history order; empty when no nemesis op recorded members. */
export function membershipSteps(history: History): MembershipStep[] {
  const completions = history.filter((op) => op.process === 'nemesis' && op.type !== 'invoke');
  const membersOf = (value: unknown): string[] | undefined => {
    const members = (value as { members?: unknown } | null)?.members;
    return Array.isArray(members) && members.every((m) => typeof m === 'string') ? [...(members as string[])].sort() : undefined;
  };
  // The ops that record members are known by doing so; their failures belong to the story too.
  const fs = new Set(completions.filter((op) => membersOf(op.value) !== undefined).map((op) => op.f));
  return completions.flatMap((op): MembershipStep[] => {
    if (!fs.has(op.f)) return [];
    const members = membersOf(op.value);
    if (members) {
      const described = (op.value as { description?: unknown }).description;
      return [{ atNs: op.time, f: op.f, label: typeof described === 'string' ? described : op.f, members }];
    }
    return op.error !== undefined ? [{ atNs: op.time, f: op.f, label: op.error, members: null }] : [];
  });
}

/** Renders the section, or '' when no op recorded members. `nodes` are the run's nodes, in order. */
export function renderMembershipSection(steps: readonly MembershipStep[], nodes: readonly string[]): string {
  if (steps.length === 0) return '';
  const seen = steps.flatMap((s) => s.members ?? []);
  const columns = [...nodes, ...[...new Set(seen)].filter((n) => !nodes.includes(n)).sort()];
  const head = `<tr><th class="num">time (s)</th><th>op</th><th>what</th>${columns.map((n) => `<th class="member">${escapeHtml(n)}</th>`).join('')}<th class="num">members</th></tr>`;
  const rows = steps.map((s) => {
    const when = `<a href="#timeline" data-at-ns="${Math.round(s.atNs)}">${formatSeconds(s.atNs)}</a>`;
    if (s.members === null) {
      return `<tr class="failed"><td class="num">${when}</td><td>${escapeHtml(s.f)}</td><td class="muted">failed: ${escapeHtml(s.label)}</td>${columns.map(() => '<td></td>').join('')}<td></td></tr>`;
    }
    const cells = columns.map((n) => (s.members!.includes(n) ? '<td class="member in" title="member">\u25cf</td>' : '<td class="member out" title="not a member">\u2013</td>'));
    return `<tr><td class="num">${when}</td><td>${escapeHtml(s.f)}</td><td>${escapeHtml(s.label)}</td>${cells.join('')}<td class="num">${s.members.length}</td></tr>`;
  });
  const changed = steps.filter((s) => s.members !== null);
  const fewest = changed.reduce<MembershipStep | undefined>((min, s) => (min === undefined || s.members!.length < min.members!.length ? s : min), undefined);
  const last = changed.at(-1);
  const failed = steps.length - changed.length;
  const summary = [
    `${changed.length} membership op${changed.length === 1 ? '' : 's'} done${failed > 0 ? `, ${failed} failed` : ''}.`,
    fewest ? `Fewest members: ${fewest.members!.length} (${escapeHtml(fewest.members!.join(' '))}) at ${formatSeconds(fewest.atNs)} s.` : '',
    last ? `Members after the last: ${escapeHtml(last.members!.join(' ') || 'none')}.` : '',
  ].filter(Boolean).join(' ');
  return [
    '<section id="membership"><h2>Membership</h2>',
    `<p>${summary}</p>`,
    `<table class="membership"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`,
    '</section>',
  ].join('\n');
}
