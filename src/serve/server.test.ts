// `faultline serve` over HTTP on an ephemeral port: the listing and its filters, a run's page, its
// files (ranges, validators, 304s) and zip, 404s, and every way of reaching outside the store refused.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE, SECRET, writeFixtureStore, type FixtureStore } from '../../test-support/fixture-store.js';
import { isAllowedHost, startServer, type RunningServer } from './server.js';
import { readZip } from '../../test-support/zip-reader.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

let fixture: FixtureStore;
let server: RunningServer;

/** A raw request: the path is sent exactly as given (fetch would normalise `..` away). */
function get(path: string, options: { method?: string; host?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: options.method ?? 'GET', headers: { ...options.headers, host: options.host ?? url.host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const VALID = '/runs/bundled-raft-register-partition/20261120T010000/';

beforeAll(async () => {
  fixture = writeFixtureStore(mkdtempSync(join(tmpdir(), 'faultline-serve-')));
  server = await startServer({ storeDir: fixture.store, host: '127.0.0.1', port: 0 });
});
afterAll(() => server.close());

describe('faultline serve: listing', () => {
  it('lists every run newest first with its verdict, escaped, under a strict CSP', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; .*frame-ancestors 'none'/);
    const rows = [...r.text.matchAll(/<tr class="run (\w+)">/g)].map((m) => m[1]);
    expect(rows).toEqual(['incomplete', 'invalid', 'valid', 'crashed']);
    expect(r.text).toContain('nodes n1, n2 not ready within 30 s');
    expect(r.text).not.toContain(HOSTILE);
    expect(r.text).toContain('primary &lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;');
    expect(r.text).toContain('npx faultline check');
    expect(r.text).toContain(`href="${VALID}report.html"`);
  });

  it('filters by verdict and by test name, and rejects an unknown verdict in one line', async () => {
    const invalid = await get('/?verdict=invalid');
    expect([...invalid.text.matchAll(/<tr class="run (\w+)">/g)].map((m) => m[1])).toEqual(['invalid']);
    const byName = await get('/?test=RAFT');
    expect([...byName.text.matchAll(/<tr class="run (\w+)">/g)].map((m) => m[1])).toEqual(['incomplete', 'valid', 'crashed']);
    const both = await get('/?test=raft&verdict=valid');
    expect([...both.text.matchAll(/<tr class="run (\w+)">/g)].map((m) => m[1])).toEqual(['valid']);
    const bad = await get('/?verdict=%3Cb%3Egreen');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('verdict &quot;&lt;b&gt;green&quot; is not known; expected one of: valid, invalid, unknown, crashed, incomplete');
  });
});

describe('faultline serve: a run', () => {
  it('redirects a run path without its slash, so relative links work', async () => {
    const r = await get(VALID.slice(0, -1));
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe(VALID);
  });

  it("shows a run's checkers and files, but not a symlink's target", async () => {
    const r = await get(VALID);
    expect(r.status).toBe(200);
    expect(r.text).toContain('14 keys linearizable');
    for (const file of ['history.jsonl', 'report.html', 'results.json', 'test.json', 'nodes/n1/node.log']) expect(r.text).toContain(`>${file}</a>`);
    expect(r.text).not.toContain('escape.txt');
  });

  it('serves report.html as written, sandboxed, and other files as text', async () => {
    const report = await get(`${VALID}report.html`);
    expect(report.status).toBe(200);
    expect(report.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(report.headers['content-security-policy']).toMatch(/^sandbox allow-scripts/);
    expect(report.body.equals(readFileSync(join(fixture.runs.valid, 'report.html')))).toBe(true);
    const history = await get(`${VALID}history.jsonl`);
    expect(history.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(history.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(`${VALID}results.json`)).headers['content-type']).toBe('application/json; charset=utf-8');
    expect((await get(`${VALID}nodes/n1/node.log`)).text).toBe('node log of bundled-raft-register-partition\n');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect((await get('/', { method: 'POST' })).status).toBe(405);
  });

  it('zips the whole run directory (no symlinks), and the zip reads back', async () => {
    const r = await get('/zip/bundled-raft-register-partition/20261120T010000.zip');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/zip');
    expect(r.headers['content-disposition']).toBe('attachment; filename="bundled-raft-register-partition-20261120T010000.zip"');
    const files = await readZip(r.body);
    const prefix = 'bundled-raft-register-partition/20261120T010000/';
    expect([...files.keys()].sort()).toEqual(['history.jsonl', 'nodes/n1/node.log', 'report.html', 'results.json', 'test.json'].map((f) => prefix + f));
    expect(files.get(`${prefix}results.json`)?.equals(readFileSync(join(fixture.runs.valid, 'results.json')))).toBe(true);
  });
});

describe('faultline serve: a file, in parts and conditionally', () => {
  const REPORT = `${VALID}report.html`;
  const report = () => readFileSync(join(fixture.runs.valid, 'report.html'));

  it('answers one byte range with 206 and exactly those bytes, sandbox CSP kept', async () => {
    const bytes = report();
    const r = await get(REPORT, { headers: { range: 'bytes=10-49' } });
    expect(r.status).toBe(206);
    expect(r.body.equals(bytes.subarray(10, 50))).toBe(true);
    expect(r.headers['content-range']).toBe(`bytes 10-49/${bytes.length}`);
    expect(r.headers['content-length']).toBe('40');
    expect(r.headers['content-security-policy']).toMatch(/^sandbox allow-scripts/);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const suffix = await get(REPORT, { headers: { range: 'bytes=-7' } });
    expect(suffix.status).toBe(206);
    expect(suffix.body.equals(bytes.subarray(-7))).toBe(true);
    const open = await get(REPORT, { headers: { range: `bytes=${bytes.length - 3}-` } });
    expect(open.body.equals(bytes.subarray(-3))).toBe(true);
  });

  it('merges overlapping ranges into one 206, and answers disjoint ranges with the whole file (200)', async () => {
    const bytes = report();
    const merged = await get(REPORT, { headers: { range: 'bytes=0-9,5-19' } });
    expect(merged.status).toBe(206);
    expect(merged.body.equals(bytes.subarray(0, 20))).toBe(true);
    const disjoint = await get(REPORT, { headers: { range: 'bytes=0-1,30-31' } });
    expect(disjoint.status).toBe(200);
    expect(disjoint.body.equals(bytes)).toBe(true);
  });

  it('answers a range past the end with 416 and the size, and ignores a malformed one', async () => {
    const size = report().length;
    const r = await get(REPORT, { headers: { range: `bytes=${size}-${size + 10}` } });
    expect(r.status).toBe(416);
    expect(r.headers['content-range']).toBe(`bytes */${size}`);
    expect(r.headers.etag).toBeUndefined();
    expect(r.text).toContain('416 range not satisfiable');
    const malformed = await get(REPORT, { headers: { range: 'lines=1-2' } });
    expect(malformed.status).toBe(200);
    expect(malformed.body.length).toBe(size);
  });

  it('sends validators and answers If-None-Match and If-Modified-Since with 304', async () => {
    const first = await get(`${VALID}history.jsonl`);
    expect(first.status).toBe(200);
    expect(first.headers['accept-ranges']).toBe('bytes');
    expect(first.headers['cache-control']).toBe('no-cache');
    const etag = first.headers.etag as string;
    const lastModified = first.headers['last-modified'] as string;
    expect(etag).toMatch(/^W\/"[0-9a-f]+-[\w+/=-]+"$/);
    expect(new Date(lastModified).getTime()).toBe(Math.floor(statSync(join(fixture.runs.valid, 'history.jsonl')).mtimeMs / 1000) * 1000);
    const byTag = await get(`${VALID}history.jsonl`, { headers: { 'if-none-match': etag } });
    expect(byTag.status).toBe(304);
    expect(byTag.body.length).toBe(0);
    expect(byTag.headers.etag).toBe(etag);
    expect((await get(`${VALID}history.jsonl`, { headers: { 'if-none-match': 'W/"other"' } })).status).toBe(200);
    expect((await get(`${VALID}history.jsonl`, { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    expect((await get(`${VALID}history.jsonl`, { headers: { 'if-modified-since': new Date(Date.parse(lastModified) - 60_000).toUTCString() } })).status).toBe(200);
  });

  it('honours a range only while If-Range still matches', async () => {
    const bytes = report();
    const { headers } = await get(REPORT, { method: 'HEAD' });
    const same = await get(REPORT, { headers: { range: 'bytes=0-4', 'if-range': headers.etag as string } });
    expect(same.status).toBe(206);
    expect(same.body.equals(bytes.subarray(0, 5))).toBe(true);
    const stale = await get(REPORT, { headers: { range: 'bytes=0-4', 'if-range': 'W/"stale"' } });
    expect(stale.status).toBe(200);
    expect(stale.body.equals(bytes)).toBe(true);
  });

  it('answers HEAD on a file with its headers and no body', async () => {
    const r = await get(`${VALID}results.json`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    expect(r.headers['content-length']).toBe(String(statSync(join(fixture.runs.valid, 'results.json')).size));
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers.etag).toBeDefined();
    expect(r.headers['accept-ranges']).toBe('bytes');
  });

  it('keeps refusing paths outside the run when asked for a range', async () => {
    const r = await get(`${VALID}..%2f..%2f..%2fsecret.txt`, { headers: { range: 'bytes=0-5' } });
    expect(r.status).toBe(404);
    expect(r.text).not.toContain(SECRET.slice(0, 6));
    expect((await get(`${VALID}nodes/n1/escape.txt`, { headers: { range: 'bytes=0-5' } })).status).toBe(404);
  });
});

describe('faultline serve: refusals', () => {
  it.each([
    '/nope',
    '/runs/bundled-raft-register-partition/19990101T000000/',
    `${VALID}missing.txt`,
    `${VALID}nodes/`,
    '/runs/latest/nodes/',
    '/zip/bundled-raft-register-partition/missing.zip',
  ])('%s is 404', async (path) => {
    expect((await get(path)).status).toBe(404);
  });

  it.each([
    `${VALID}../../../secret.txt`,
    `${VALID}%2e%2e/%2e%2e/%2e%2e/secret.txt`,
    `${VALID}..%2f..%2f..%2fsecret.txt`,
    `${VALID}..%5c..%5c..%5csecret.txt`,
    `${VALID}nodes/n1/escape.txt`,
    '/runs/..%2f..%2fsecret.txt',
    '/runs/bundled-raft-register-partition/..%2f..%2f/secret.txt',
    '/runs/%2e%2e/store/',
    `${VALID}test.json%00.txt`,
    `${VALID}%E0%A4%A`,
    '/zip/%2e%2e/store.zip',
    '//etc/passwd',
  ])('%s is refused without a byte of the secret', async (path) => {
    const r = await get(path);
    expect(r.status).toBe(404);
    expect(r.text).not.toContain(SECRET);
  });

  it('refuses other host names when bound to loopback (DNS rebinding), not when bound elsewhere', async () => {
    const r = await get('/', { host: 'attacker.example:8080' });
    expect(r.status).toBe(403);
    expect(isAllowedHost('localhost:8080', '127.0.0.1')).toBe(true);
    expect(isAllowedHost('[::1]:8080', '::1')).toBe(true);
    expect(isAllowedHost('attacker.example', '0.0.0.0')).toBe(true);
  });
});
