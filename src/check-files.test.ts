import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFiles } from './check-files.js';

const porcupine = join(import.meta.dirname, '..', 'test-data', 'corpus', 'porcupine');

async function run(files: string[], options: Parameters<typeof checkFiles>[1]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await checkFiles(files, options, (line) => lines.push(line));
  return { code, lines };
}

describe('checkFiles', () => {
  it('prints one line per file and exits 1 when any is illegal', async () => {
    const files = ['jepsen/etcd_002.log', 'jepsen/etcd_000.log'].map((f) => join(porcupine, f));
    const { code, lines } = await run(files, { format: 'etcd-log', model: 'cas-register', json: false });
    expect(code).toBe(1);
    expect(lines.map((l) => l.split('\t').slice(0, 2))).toEqual([
      [files[0], 'ok'],
      [files[1], 'illegal'],
    ]);
    expect(Number(lines[0]!.split('\t')[2])).toBeGreaterThanOrEqual(0);
  });

  it('prints JSON with the counterexample, exit 0 when all are ok', async () => {
    const { code, lines } = await run([join(porcupine, 'kv/c10-ok.txt')], { format: 'kv-log', model: 'kv', json: true });
    expect(code).toBe(0);
    expect(JSON.parse(lines[0]!)).toMatchObject({ result: 'ok', summary: '10 keys linearizable' });
    const bad = await run([join(porcupine, 'kv/c01-bad.txt')], { format: 'kv-log', model: 'kv', json: true });
    expect(JSON.parse(bad.lines[0]!).counterexample.stuck[0].reason).toMatch(/^get k\d returned /);
  });

  it('reports an unreadable file as unknown with its error, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-check-'));
    writeFileSync(join(dir, 'bad.jsonl'), '{"process":0,"type":"invoke","f":"read","value":[0,null]}\n{oops\n');
    const { code, lines } = await run([join(dir, 'bad.jsonl')], { format: 'jsonl', model: 'cas-register', json: false });
    expect(code).toBe(2);
    expect(lines[0]).toBe(`${join(dir, 'bad.jsonl')}\tunknown\t0.000\t${join(dir, 'bad.jsonl')} line 2: expected a JSON op {"index":N,"time":T,"process":P|"nemesis","type":"invoke"|"ok"|"fail"|"info","f":F,"value":V}, got "{oops"`);
  });

  it('reads each file in the format its extension names when --format is not given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-check-'));
    writeFileSync(join(dir, 'h.edn'), '{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :ok, :f :write, :value 1}\n{:process 1, :type :invoke, :f :read, :value nil}\n{:process 1, :type :ok, :f :read, :value 2}\n');
    writeFileSync(join(dir, 'h.json'), JSON.stringify([{ process: 0, type: 'invoke', f: 'write', value: 1 }, { process: 0, type: 'ok', f: 'write', value: 1 }]));
    const { code, lines } = await run([join(dir, 'h.edn'), join(dir, 'h.json')], { model: 'register', json: false });
    expect(lines.map((l) => l.split('\t')[1])).toEqual(['illegal', 'ok']);
    expect(code).toBe(1);
    const asJsonl = await run([join(dir, 'h.edn')], { format: 'jsonl', model: 'register', json: false });
    expect(asJsonl.lines[0]).toMatch(/\tunknown\t0\.000\t.*h\.edn line 1: expected a JSON op/);
  });

  it('rejects an unknown model or format before reading anything', async () => {
    await expect(run(['x'], { format: 'jsonl', model: 'regsiter', json: false })).rejects.toThrow('unknown model "regsiter"');
    await expect(run(['x'], { format: 'csv' as never, model: 'register', json: false })).rejects.toThrow('expected one of jsonl, edn, json, etcd-log, kv-log');
  });
});
