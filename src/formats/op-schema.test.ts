import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readElleJson } from './elle-json.js';
import { readJepsenEdn } from './jepsen-edn.js';
import { readJsonlHistory } from './jsonl.js';
import { readKvLog } from './kv-log.js';
import { jsonOpRecord, opFromJsonFast, opFromRecord } from './op-schema.js';

const jsonl = (fields: Record<string, unknown>): string => JSON.stringify({ index: 0, time: 0, process: 0, type: 'invoke', f: 'read', value: null, ...fields });

describe('the op schema, applied by every reader', () => {
  it('names the file, line, field, value received and what was expected (jsonl)', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ time: 'x' }, '"time" is "x"; expected a non-negative integer (ns)'],
      [{ time: -5 }, '"time" is -5; expected a non-negative integer (ns)'],
      [{ time: 1.5 }, '"time" is 1.5; expected a non-negative integer (ns)'],
      [{ time: 2 ** 60 }, '"time" is 1152921504606847000; expected a non-negative integer (ns) (this one is beyond 2^53'],
      [{ index: -1 }, '"index" is -1; expected a non-negative integer'],
      [{ node: {} }, '"node" is {}; expected a node name (a string)'],
      [{ process: -1 }, '"process" is -1; expected a non-negative integer or "nemesis"'],
      [{ process: 'n1' }, '"process" is "n1"; expected a non-negative integer or "nemesis"'],
      [{ process: undefined }, '"process" is missing; expected a non-negative integer or "nemesis"'],
      [{ f: '' }, '"f" is ""; expected a non-empty string'],
      [{ f: 7 }, '"f" is 7; expected a non-empty string'],
      [{ type: 'done' }, '"type" is "done"; expected one of invoke, ok, fail, info'],
    ];
    for (const [fields, message] of cases) {
      expect(() => readJsonlHistory(`${jsonl({})}\n\n${jsonl(fields)}\n`, 'history.jsonl'), JSON.stringify(fields)).toThrow(`history.jsonl line 3: ${message}`);
    }
  });

  it('keeps an error that is not a string as its JSON, and defaults index and time to the position', () => {
    const [op] = readJsonlHistory(JSON.stringify({ process: 'nemesis', type: 'info', f: 'kill', value: null, error: ['x', 1] }));
    expect(op).toEqual({ index: 0, time: 0, process: 'nemesis', type: 'info', f: 'kill', value: null, error: '["x",1]' });
  });

  it('applies the same rules to EDN, elle-cli JSON and kv logs', () => {
    expect(() => readJepsenEdn('{:process -1, :type :invoke, :f :read}', 'h.edn')).toThrow('h.edn line 1: :process is -1; expected a non-negative integer or "nemesis"');
    expect(() => readJepsenEdn('{:a 1}', 'h.edn')).toThrow('h.edn line 1: :process is missing; expected a non-negative integer or "nemesis"');
    expect(() => readJepsenEdn('[{:process 0, :type :invoke, :f :read}\n {:process 0, :type :ok, :f :read, :time 9007199254740993}]', 'h.edn')).toThrow(
      'h.edn line 2: :time is 9007199254740993N; expected a non-negative integer (ns) (this one is beyond 2^53, which faultline cannot hold exactly)',
    );
    expect(() => readJepsenEdn('{:process 0, :type :invoke, :f :read, :node {}}', 'h.edn')).toThrow('h.edn line 1: :node is {}; expected a node name (a string)');
    expect(() => readElleJson('[{"process":0,"type":"invoke","f":"read"},{"process":0,"type":"ok","f":"read","index":"1"}]', 'h.json')).toThrow(
      'h.json op 1: "index" is "1"; expected a non-negative integer',
    );
    expect(() => readKvLog('{:process 0, :type :invoke, :f :get, :key "k", :time -3}', 'kv.txt')).toThrow('kv.txt line 1: :time is -3; expected a non-negative integer (ns)');
  });

  it('keeps a value that is an integer beyond 2^53 exact, as <digits>N', () => {
    const [op] = readJepsenEdn('{:process 0, :type :ok, :f :read, :value 9007199254740993}');
    expect(op!.value).toBe('9007199254740993N');
  });
});

describe('the fast path for JSON ops', () => {
  it('agrees with the schema wherever it answers, and answers for well-formed ops', () => {
    const anyValue = fc.oneof(fc.constant(undefined), fc.constant(null), fc.nat(), fc.integer({ min: -5, max: 5 }), fc.double(), fc.string({ maxLength: 3 }), fc.constantFrom('nemesis', 'ok', 'invoke', 'read', ''), fc.constant({}), fc.constant([1]), fc.boolean());
    const field = (good: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ weight: 3, arbitrary: good }, anyValue);
    const record = fc.record({
      index: field(fc.nat()),
      time: field(fc.nat()),
      process: field(fc.oneof(fc.nat(9), fc.constant('nemesis'))),
      type: field(fc.constantFrom('invoke', 'ok', 'fail', 'info')),
      f: field(fc.constantFrom('read', 'write')),
      value: anyValue,
      node: field(fc.constantFrom('n1', 'n2')),
      error: field(fc.string()),
    });
    let answered = 0;
    fc.assert(
      fc.property(record, fc.nat(100), (raw, position) => {
        const o = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as Record<string, unknown>;
        const fast = opFromJsonFast(o, position);
        let slow: unknown;
        try {
          slow = opFromRecord(jsonOpRecord(o), position, 'h line 1');
        } catch {
          slow = 'refused';
        }
        if (fast !== undefined) {
          answered++;
          expect(fast).toStrictEqual(slow);
        }
        const wellFormed = typeof o['error'] !== 'object' && typeof o['error'] !== 'number' && typeof o['error'] !== 'boolean';
        if (slow !== 'refused' && wellFormed) expect(fast).toBeDefined();
      }),
      { numRuns: 2000 },
    );
    expect(answered).toBeGreaterThan(100);
  });
});
