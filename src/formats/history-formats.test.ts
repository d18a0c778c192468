import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEtcdLog } from './etcd-log.js';
import { readJepsenEdn } from './jepsen-edn.js';
import { readJsonlHistory } from './jsonl.js';
import { readKvLog } from './kv-log.js';
import { parseHistory, readHistoryFile } from './read-history.js';

describe('etcd logs', () => {
  it('reads tab- and space-separated lines, line numbers as time', () => {
    const text = 'INFO  jepsen.util - 2\t:invoke\t:cas\t[3 0]\nINFO  jepsen.util - 2   :fail   :cas    [3 0]\n\nINFO  jepsen.util - 0\t:fail\t:read\t:timed-out\n';
    expect(readEtcdLog(text)).toEqual([
      { index: 0, time: 1, process: 2, type: 'invoke', f: 'cas', value: [3, 0] },
      { index: 1, time: 2, process: 2, type: 'fail', f: 'cas', value: [3, 0] },
      { index: 2, time: 4, process: 0, type: 'fail', f: 'read', value: 'timed-out' },
    ]);
  });

  it('rejects other lines with the file, line, text and expected shape', () => {
    expect(() => readEtcdLog('INFO  jepsen.util - 0\t:invoke\t:read\tnil\nWARN something', 'etcd_003.log')).toThrow(
      'etcd_003.log line 2: expected "INFO  jepsen.util - <process> <type> <f> <value>", got "WARN something"',
    );
    expect(() => readEtcdLog('INFO  jepsen.util - 0\t:done\t:read\tnil', 'e.log')).toThrow('e.log line 1: expected a type of :invoke | :ok | :fail | :info');
  });
});

describe('kv logs', () => {
  it('reads one map per line into [key, value]', () => {
    const text = '{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}\n{:process 0, :type :ok, :f :get, :key "4", :value ""}\n';
    expect(readKvLog(text)).toEqual([
      { index: 0, time: 1, process: 0, type: 'invoke', f: 'append', value: ['0', 'x 0 0 y'] },
      { index: 1, time: 2, process: 0, type: 'ok', f: 'get', value: ['4', ''] },
    ]);
  });

  it('rejects a line that is not such a map', () => {
    expect(() => readKvLog('{:process 0, :type :invoke, :f :get, :value nil}', 'c01.txt')).toThrow(
      'c01.txt line 1: expected {:process P, :type T, :f F, :key "K", :value V}, got "{:process 0, :type :invoke, :f :get, :value nil}"',
    );
  });
});

describe('Jepsen EDN', () => {
  it('reads a vector of ops and a map per line alike', () => {
    const ops = '{:process 0, :type :invoke, :f :read, :value nil}\n{:process :nemesis, :type :info, :f :start}\n{:process 0, :type :ok, :f :read, :value 3, :time 99, :error [:x nil]}';
    const expected = [
      { index: 0, time: 0, process: 0, type: 'invoke', f: 'read', value: null },
      { index: 1, time: 1, process: 'nemesis', type: 'info', f: 'start', value: null },
      { index: 2, time: 99, process: 0, type: 'ok', f: 'read', value: 3, error: '["x",null]' },
    ];
    expect(readJepsenEdn(ops)).toEqual(expected);
    expect(readJepsenEdn(`[${ops}]`)).toEqual(expected);
  });

  it('names the line of a bad op', () => {
    expect(() => readJepsenEdn('[{:process 0, :type :invoke, :f :read}\n {:process 0, :type :done, :f :read}]', 'h.edn')).toThrow(
      'h.edn line 2: :type is :done; expected one of invoke, ok, fail, info',
    );
  });
});

describe('history.jsonl', () => {
  it('reads one op per line', () => {
    expect(readJsonlHistory('{"index":5,"time":123456,"process":3,"type":"invoke","f":"cas","value":[2,[1,4]]}\n\n')).toEqual([
      { index: 5, time: 123456, process: 3, type: 'invoke', f: 'cas', value: [2, [1, 4]] },
    ]);
  });

  it('names the line and what it expected', () => {
    expect(() => readJsonlHistory('{"process":3,"type":"invoke","f":"read","value":null}\n{"process":3,"type":"done","f":"read"}', 'history.jsonl')).toThrow(
      'history.jsonl line 2: "type" is "done"; expected one of invoke, ok, fail, info',
    );
    expect(() => readJsonlHistory('not json', 'h.jsonl')).toThrow('h.jsonl line 1: expected a JSON op');
  });
});

describe('formats registry', () => {
  it('lists the formats when given an unknown one', () => {
    expect(() => parseHistory('', 'csv', 'x')).toThrow('unknown history format "csv"; expected one of jsonl, edn, json, etcd-log, kv-log');
  });

  it('reads files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-formats-'));
    writeFileSync(join(dir, 'h.jsonl'), '{"process":0,"type":"invoke","f":"read","value":[0,null]}\n');
    expect(await readHistoryFile(join(dir, 'h.jsonl'), 'jsonl')).toHaveLength(1);
  });
});

describe('jsonl after a crash', () => {
  it('ignores a last line cut short without its newline, and nothing else', async () => {
    const { readJsonlHistory } = await import('./jsonl.js');
    const whole = '{"index":0,"time":0,"process":0,"type":"invoke","f":"read","value":null}\n';
    expect(readJsonlHistory(whole + '{"index":1,"time":5,"pro', 'h.jsonl')).toHaveLength(1);
    expect(() => readJsonlHistory(whole + '{"index":1,"time":5,"pro\n', 'h.jsonl')).toThrow(/h\.jsonl line 2/);
    expect(() => readJsonlHistory('{"broken\n' + whole, 'h.jsonl')).toThrow(/h\.jsonl line 1/);
  });
});
