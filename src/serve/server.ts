// `faultline serve`: a read-only web view of the store on node:http. Routes:
//   /                          runs, newest first (?test=<substring>&verdict=<verdict>)
//   /runs/<test>/<time>/       one run: verdict, checkers, files
//   /runs/<test>/<time>/<file> a file of the run, report.html as written (Range, ETag, 304: see sendFile)
//   /zip/<test>/<time>.zip     the whole run directory as a zip
// Nothing outside the store is ever served: see safe-path.ts. Bound to loopback, it also refuses
// requests for other host names (DNS rebinding).
import { statSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import sendStream from 'send';
import { escapeHtml } from '../html-escape.js';
import { PAGE_CSP, renderPage } from '../html-page.js';
import { readRunSummary } from '../run-summary.js';
import { BINARY, contentTypeOf } from './content-type.js';
import { parseFilter, renderListing } from './listing-page.js';
import { listRunFiles } from './run-files.js';
import { isRunDir, listRuns, parseRunTime, type RunEntry } from './run-index.js';
import { renderRunPage } from './run-page.js';
import { decodeSegments, resolveInside } from './safe-path.js';
import { zipFiles } from './zip-writer.js';

export interface ServeOptions {
  storeDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};
/** Run files may be stored but are checked again on every use (ETag), as a running test's history grows. */
const FILE_HEADERS = { ...COMMON_HEADERS, 'Cache-Control': 'no-cache' };
const PAGE_HEADERS = { ...COMMON_HEADERS, 'Content-Security-Policy': `${PAGE_CSP}; frame-ancestors 'none'` };
/** Files of a run get an opaque origin: a report's own CSP still applies, and its scripts cannot reach this server. */
const HTML_FILE_CSP = "sandbox allow-scripts; frame-ancestors 'none'";
const OTHER_FILE_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'";

/** Starts serving; resolves once listening, with the URL to open. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else sendPage(res, req, 500, 'server error', err instanceof Error ? err.message : String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    server,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: ServeOptions): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return sendPage(res, req, 405, 'method not allowed', `${req.method ?? ''} is not served; expected GET or HEAD`);
  }
  if (!isAllowedHost(req.headers.host, options.host)) {
    return sendPage(res, req, 403, 'forbidden', `host "${req.headers.host ?? ''}" is not served; open the server through its loopback address`);
  }
  const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split(/\?(.*)/s);
  if (rawPath === '/') return sendListing(req, res, options, new URLSearchParams(rawQuery));
  const raw = rawPath.split('/').slice(1);
  const trailingSlash = raw.at(-1) === '';
  const names = decodeSegments(trailingSlash ? raw.slice(0, -1) : raw);
  const [kind, test, run, ...rest] = names ?? [];
  if (kind === 'runs' && test !== undefined && run !== undefined) {
    const dir = resolveInside(options.storeDir, [test, run]);
    if (!dir || !isRunDir(dir)) return notFound(req, res);
    if (rest.length === 0) {
      if (!trailingSlash) return redirect(res, `${rawPath}/`);
      return sendRunPage(req, res, options, { testDir: test, runDir: run, path: dir });
    }
    const file = trailingSlash ? undefined : resolveInside(dir, rest);
    if (!file || !statSync(file).isFile()) return notFound(req, res);
    return sendFile(req, res, dir, file);
  }
  if (kind === 'zip' && test !== undefined && run?.endsWith('.zip') && rest.length === 0 && !trailingSlash) {
    const runDir = run.slice(0, -'.zip'.length);
    const dir = resolveInside(options.storeDir, [test, runDir]);
    if (!dir || !isRunDir(dir)) return notFound(req, res);
    return sendZip(req, res, dir, `${test}-${runDir}`, `${test}/${runDir}`);
  }
  return notFound(req, res);
}

function sendListing(req: IncomingMessage, res: ServerResponse, options: ServeOptions, params: URLSearchParams): void {
  let filter;
  try {
    filter = parseFilter(params);
  } catch (err) {
    return sendPage(res, req, 400, 'bad filter', (err as Error).message);
  }
  send(res, req, 200, 'text/html; charset=utf-8', renderListing(listRuns(options.storeDir), filter, options.storeDir), PAGE_HEADERS);
}

function sendRunPage(req: IncomingMessage, res: ServerResponse, options: ServeOptions, at: Omit<RunEntry, 'summary'>): void {
  const startedAt = parseRunTime(at.runDir);
  const run: RunEntry = { ...at, ...(startedAt && { startedAt }), summary: readRunSummary(at.path) };
  send(res, req, 200, 'text/html; charset=utf-8', renderRunPage(run, listRunFiles(at.path), options.storeDir), PAGE_HEADERS);
}

/**
 * A file of a run, answered by `send` (the file server under Express): `Accept-Ranges`, one byte
 * range as 206 (overlapping ranges are merged; disjoint ones get the whole file, 200), 416 past the
 * end, `ETag` and `Last-Modified`, 304 for `If-None-Match` / `If-Modified-Since`, `If-Range`, HEAD.
 * `file` is a real path already found inside the real run directory `dir`; send is given it relative
 * to `dir` as its root, and refuses `..` on its own as well.
 */
function sendFile(req: IncomingMessage, res: ServerResponse, dir: string, file: string): void {
  const type = contentTypeOf(file);
  const urlPath = `/${relative(dir, file).split(sep).map(encodeURIComponent).join('/')}`;
  const stream = sendStream(req, urlPath, { root: dir, dotfiles: 'allow', index: false, cacheControl: false });
  stream.on('headers', (response: ServerResponse) => {
    for (const [name, value] of Object.entries(FILE_HEADERS)) response.setHeader(name, value);
    response.setHeader('Content-Type', type);
    response.setHeader('Content-Security-Policy', type.startsWith('text/html') ? HTML_FILE_CSP : OTHER_FILE_CSP);
    if (type === BINARY) response.setHeader('Content-Disposition', 'attachment');
  });
  stream.on('error', (err: { status?: number; headers?: Record<string, string> }) => {
    if (res.headersSent) return void res.destroy();
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
    const status = err.status ?? 500;
    if (status === 404) return notFound(req, res); // removed since it was found; send's message would name the path
    const title = (STATUS_CODES[status] ?? 'error').toLowerCase();
    const detail = status === 416 ? `range "${req.headers.range ?? ''}" is outside the file (${err.headers?.['Content-Range'] ?? ''}); expected bytes=<first>-<last> within it` : `${title}: the file could not be sent`;
    sendPage(res, req, status, title, detail);
  });
  stream.pipe(res);
}

async function sendZip(req: IncomingMessage, res: ServerResponse, dir: string, fileName: string, prefix: string): Promise<void> {
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'Content-Type': 'application/zip',
    'Content-Disposition': `attachment; filename="${fileName.replace(/[^A-Za-z0-9._,=+-]/g, '_')}.zip"`,
    'Content-Security-Policy': OTHER_FILE_CSP,
  });
  if (req.method === 'HEAD') return void res.end();
  const entries = listRunFiles(dir).map((f) => ({ name: `${prefix}/${f.name}`, path: f.path, mtime: f.mtime }));
  await pipeline(zipFiles(entries), res); // a client that goes away ends the pipeline, and the zip closes its file
}

function notFound(req: IncomingMessage, res: ServerResponse): void {
  sendPage(res, req, 404, 'not found', 'nothing here; runs are listed on the front page');
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(308, { ...COMMON_HEADERS, Location: location });
  res.end();
}

function sendPage(res: ServerResponse, req: IncomingMessage, status: number, title: string, message: string): void {
  const body = `<nav class="links"><a href="/">\u2190 all runs</a></nav><h1>${status} ${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`;
  send(res, req, status, 'text/html; charset=utf-8', renderPage(`${status} ${title}`, body), PAGE_HEADERS);
}

function send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Bound to loopback, only loopback host names may be asked for; bound elsewhere, any. */
export function isAllowedHost(hostHeader: string | undefined, boundHost: string): boolean {
  const loopback = (name: string) => name === 'localhost' || name === '::1' || name === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(name);
  if (!loopback(boundHost.toLowerCase())) return true;
  const name = (hostHeader ?? '').toLowerCase().replace(/:\d+$/, '');
  return loopback(name);
}
