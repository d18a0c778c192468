// Each checker's section leads with its smallest witness, drawn from real checker results.
import { describe, expect, it } from 'vitest';
import { checkAvailability } from '../checkers/availability.js';
import { checkBank } from '../checkers/bank.js';
import { checkCounter } from '../checkers/counter.js';
import { historyBuilder } from '../test-support/history-builder.js';
import { checkListAppend, checkRwRegister } from '../checkers/cycle/index.js';
import { append, read, txn } from '../test-support/list-append-builder.js';
import { checkSet } from '../checkers/set.js';
import { escapeHtml } from '../src/html-escape.js';
import { renderCheckerSection } from './checker-section.js';
import { witnessMarks } from './witness-marks.js';

const section = (name: string, result: Parameters<typeof renderCheckerSection>[1]): string => renderCheckerSection(name, result, [], new Map());

describe('checker sections', () => {
  it('cycle: the shortest cycle first, in words, drawn, with its transactions linked to the timeline', () => {
    const h = historyBuilder();
    txn(h, 0, [append('x', 1), append('y', 1)]);
    txn(h, 1, [append('x', 2), append('y', 2)]);
    txn(h, 2, [read('x', [1, 2]), read('y', [2, 1])]);
    const html = section('cycle', checkListAppend(h.history));
    const witness = html.indexOf('<div class="witness">\n<h4>Shortest cycle: <code>G0</code>, 2 transactions</h4>');
    expect(witness).toBeGreaterThan(0);
    expect(html.indexOf('<svg class="cycle"')).toBeGreaterThan(witness);
    expect(html.match(/<g class="edge">/g)).toHaveLength(2);
    expect(html).toContain('<th scope="row">T1</th><td><code>append x 1, append y 1</code> <span class="muted"><a href="#timeline" data-op="0">op 0</a>');
    expect(html).toContain('T1 &lt; T2 because T2 appended 2 to key x');
    expect(html).toContain('Strongest models not ruled out: none; the anomalies rule out every model the checker knows.');
    expect(html).not.toContain('result (JSON)');
  });

  it('cycle (rw-register): write skew leaves snapshot isolation\'s strong variant standing, and says so', () => {
    const h = historyBuilder();
    h.invoke(0, 'txn', [['r', 'x', null], ['w', 'y', 1]]).invoke(1, 'txn', [['r', 'y', null], ['w', 'x', 1]]);
    h.ok(0, [['r', 'x', null], ['w', 'y', 1]]).ok(1, [['r', 'y', null], ['w', 'x', 1]]);
    const html = section('cycle', checkRwRegister(h.history));
    expect(html).toContain('<h4>Shortest cycle: <code>G2-item</code>, 2 transactions</h4>');
    expect(html).toContain('Strongest models not ruled out: <code>strong-snapshot-isolation</code>, <code>update-serializable</code>');
    expect(html).toContain('read key x = nil and T2 wrote 1, which came later in the version order');
  });

  it('set: lost elements first, with the read that lost them', () => {
    const h = historyBuilder().run(0, 'add', 1).run(0, 'add', 2).run(1, 'read', null, [1, 2]).run(1, 'read', null, [1]);
    const html = section('set', checkSet(h.history));
    expect(html).toMatch(/<div class="witness"><h4>Lost elements: 1<\/h4><p>1 of them overlapped no other add.*<\/p><table>.*<td><code>2<\/code><\/td><td><code>[^<]*<\/code> <span class="muted"><a href="#timeline" data-op="2">op 2<\/a>/s);
    expect(html).toContain('missing in');
  });

  it('bank: the first bad read, then the errors by type and the total over time', () => {
    const h = historyBuilder().run(0, 'read', null, { a: 10, b: 10 }).run(1, 'transfer', { from: 'a', to: 'b', amount: 5 }).run(0, 'read', null, { a: 5, b: 10 });
    const html = section('bank', checkBank(h.history));
    expect(html.indexOf('First bad read')).toBeLessThan(html.indexOf('<svg class="plot"'));
    expect(html).toContain('total 15, expected 20');
    expect(html).toContain('expected total');
  });

  it('counter: reads outside their bounds, and the reads with their bounds over time', () => {
    const h = historyBuilder().run(0, 'add', 2).run(1, 'read', null, 7);
    const html = section('counter', checkCounter(h.history));
    expect(html).toContain('Reads outside their bounds: 1');
    expect(html).toContain('read 7, outside [2, 2]');
    expect(html).toContain('<svg class="plot"');
  });

  it('availability: one row per fault window', () => {
    const h = historyBuilder().run(0, 'read', null, 1).nemesis('start-partition', 'n1 | n2').run(0, 'read', null, null, 'fail').nemesis('stop-partition');
    const html = section('availability', checkAvailability(h.history));
    expect(html).toMatch(/<td>partition n1 \| n2<\/td><td class="num">[\d.]+\u2013[\d.]+<\/td><td class="num">1<\/td><td class="num">0<\/td><td class="num">1<\/td>/);
  });

  it('marks each checker\u2019s first witnesses for the timeline', () => {
    const h = historyBuilder().run(0, 'add', 1).run(0, 'add', 2).run(1, 'read', null, [1, 2]).run(1, 'read', null, [1]);
    expect(witnessMarks({ set: checkSet(h.history) })).toEqual([{ opIndex: 6, label: expect.stringContaining('set: read that lost an element') }]);
  });

  it("a workload's own section for its checker: its evidence first, its other fields as JSON, its escaping its own", () => {
    const result = { valid: false as const, summary: 'two leaders in term 3', leaders: ['n1', '<n2>'], term: 3 };
    const own = (r: typeof result | Record<string, unknown>) => `<ul>${((r as typeof result).leaders).map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`;
    const html = renderCheckerSection('split-brain', result, [], new Map(), own as never);
    expect(html).toContain('<ul><li>n1</li><li>&lt;n2&gt;</li></ul>');
    expect(html.indexOf('<ul>')).toBeLessThan(html.indexOf('other fields (JSON)'));
    expect(html).toContain('&quot;term&quot;: 3');
    expect(html).not.toContain('<n2>');
    // Without its own section, an unknown result is shown as JSON, opened because it failed.
    expect(section('split-brain', result)).toContain('<details open><summary>result (JSON)</summary>');
  });
});

