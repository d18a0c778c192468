// The membership section: members over time read back from nemesis ops that record `members`,
// failures of those ops listed beside them, every string escaped, and nothing for other runs.
import { describe, expect, it } from 'vitest';
import type { Op } from '../src/op.js';
import { membershipSteps, renderMembershipSection } from './membership-section.js';
import { renderReport } from './render-report.js';
import { sampleRun } from '../test-support/sample-run.js';

const img = '<img src=x onerror=alert(1)>';

const nemesisOp = (index: number, timeS: number, f: string, value: unknown, error?: string): Op => ({
  index,
  time: timeS * 1e9,
  process: 'nemesis',
  type: 'info',
  f,
  value,
  ...(error !== undefined && { error }),
});

const history: Op[] = [
  { index: 0, time: 1e9, process: 'nemesis', type: 'invoke', f: 'start-membership', value: null },
  nemesisOp(1, 1.5, 'start-membership', { change: { op: 'remove', node: 'n3' }, members: ['n2', 'n1'], description: 'remove n3; members n1 n2' }),
  nemesisOp(2, 2, 'start-partition', { description: 'partition n1 | n2 n3' }),
  nemesisOp(3, 4, 'stop-membership', null, 'could not add n3 back (etcdserver: unhealthy cluster)'),
  nemesisOp(4, 6, 'stop-membership', { added: ['n3'], members: ['n1', 'n2', 'n3'], description: 'added n3; members n1 n2 n3' }),
  nemesisOp(5, 7, 'stop-partition', null, 'the partition fault failed'),
];

describe('membership over time', () => {
  it('reads the members after each op that records them, and the failures of the same ops', () => {
    expect(membershipSteps(history)).toEqual([
      { atNs: 1.5e9, f: 'start-membership', label: 'remove n3; members n1 n2', members: ['n1', 'n2'] },
      { atNs: 4e9, f: 'stop-membership', label: 'could not add n3 back (etcdserver: unhealthy cluster)', members: null },
      { atNs: 6e9, f: 'stop-membership', label: 'added n3; members n1 n2 n3', members: ['n1', 'n2', 'n3'] },
    ]);
    expect(membershipSteps(history.filter((op) => !op.f.endsWith('membership')))).toEqual([]);
  });

  it('draws one row per op and one column per node, a member or not', () => {
    const html = renderMembershipSection(membershipSteps(history), ['n1', 'n2', 'n3']);
    expect(html).toContain('<h2>Membership</h2>');
    expect(html).toContain('2 membership ops done, 1 failed. Fewest members: 2 (n1 n2) at 1.500 s. Members after the last: n1 n2 n3.');
    const rows = html.split('<tr').slice(2);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/remove n3; members n1 n2<\/td>(<td class="member in"[^>]*>●<\/td>){2}<td class="member out"[^>]*>–<\/td><td class="num">2<\/td>/);
    expect(rows[1]).toContain('failed: could not add n3 back (etcdserver: unhealthy cluster)');
    expect(rows[2]).toMatch(/(<td class="member in"[^>]*>●<\/td>){3}<td class="num">3<\/td>/);
    expect(rows[0]).toContain('data-at-ns="1500000000"');
    expect(renderMembershipSection([], ['n1'])).toBe('');
  });

  it('escapes node names, descriptions and errors', () => {
    const hostile = [nemesisOp(0, 1, 'start-membership', { members: [img], description: img }), nemesisOp(1, 2, 'start-membership', null, img)];
    const html = renderMembershipSection(membershipSteps(hostile), [img]);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  // The stop at 34 s failed (n3 not added back): the window stays open until the stop at 36 s that added it.
  it('is a section of the report, with the membership windows among the fault windows', () => {
    const sample = sampleRun();
    const page = renderReport({ ...sample, test: { ...sample.test, nodes: ['n1', 'n2', 'n3'] }, history: [...sample.history, ...history.map((op, i) => ({ ...op, index: 10_000 + i, time: op.time + 30e9 }))] });
    expect(page).toContain('<a href="#membership">membership</a>');
    expect(page).toContain('<section id="membership"><h2>Membership</h2>');
    expect(page).toMatch(/<td><span class="swatch"[^>]*><\/span>membership<\/td><td>membership remove n3; members n1 n2<\/td><td class="num">31\.500<\/td><td class="num">36\.000<\/td>/);
    expect(renderReport(sample)).not.toContain('id="membership"');
  });
});
