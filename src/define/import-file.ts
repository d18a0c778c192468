// Imports a file from the user's repository, TypeScript or JavaScript, without a build step (through
// jiti, chosen by measuring: see the commit that added it), and turns each way that can fail into
// one line that starts with what the user wrote (`--db ./x.ts`) and says what went wrong.
import { existsSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Jiti } from 'jiti';

/** The extensions a definition or config file may have. */
export const LOADABLE_EXTENSIONS: readonly string[] = ['.ts', '.mts', '.js', '.mjs'];

/** The absolute path of an existing, loadable file; `label` starts the error ("--db ./x.ts"). */
export function resolveFile(path: string, cwd: string, label: string): string {
  const absolute = resolve(cwd, path);
  if (!existsSync(absolute)) throw new Error(`${label}: no such file (looked at ${absolute})`);
  if (statSync(absolute).isDirectory()) throw new Error(`${label}: is a directory (looked at ${absolute}); expected a ${LOADABLE_EXTENSIONS.join(', ')} file`);
  const extension = extname(absolute);
  if (!LOADABLE_EXTENSIONS.includes(extension)) {
    throw new Error(`${label}: cannot load a ${extension === '' ? 'file without an extension' : `${extension} file`}; expected ${LOADABLE_EXTENSIONS.join(', ')}`);
  }
  return absolute;
}

/** The module namespace of the file at `absolute`; anything it throws becomes one line starting with `label`. */
export async function importFile(absolute: string, label: string, cwd: string): Promise<Record<string, unknown>> {
  const jiti = await loader();
  try {
    return await jiti.import<Record<string, unknown>>(absolute);
  } catch (err) {
    throw new Error(`${label}: ${describeImportError(err, cwd)}`, { cause: err });
  }
}

/** A path as the user would write it: relative to `cwd` when inside it ("./x.ts"), else absolute. */
export function shownPath(absolute: string, cwd: string): string {
  const rel = relative(cwd, absolute);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? absolute : `.${sep}${rel}`;
}

let jitiPromise: Promise<Jiti> | undefined;

/** One jiti for the process, made on first use so that a run without user files never loads it. */
function loader(): Promise<Jiti> {
  // interopDefault off: the namespace as it is, so a default export and named exports stay apart.
  jitiPromise ??= import('jiti').then(({ createJiti }) => createJiti(import.meta.url, { interopDefault: false }));
  return jitiPromise;
}

/** What went wrong while importing, in one line without the label. */
export function describeImportError(err: unknown, cwd: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const lines = message.split('\n');
  const first = (lines[0] ?? '').trim();
  // jiti's parse errors: "ParseError: Unexpected token \n /abs/file.ts:3:18", the column counted
  // from 0; shown from 1, as editors and tsc count it.
  const parse = /^(?:ParseError|SyntaxError): *(.*)$/.exec(first);
  const at = lines.map((line) => /^\s*(\/.+):(\d+):(\d+)\s*$/.exec(line)).find((m) => m !== null);
  if (parse !== null && at != null) {
    return `syntax error at ${shownPath(at[1] ?? '', cwd)}:${at[2]}:${Number(at[3]) + 1}: ${(parse[1] ?? '').trim() || 'cannot parse'}`;
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
    // Node's require names the importer on the line after "Require stack:".
    const importer = lines.find((line) => line.startsWith('- '))?.slice(2).trim();
    return `cannot import: ${first}${importer === undefined ? '' : ` (imported by ${shownPath(importer, cwd)})`}`;
  }
  const where = err instanceof Error ? throwSite(err, cwd) : undefined;
  return `importing it threw: ${first === '' ? (err instanceof Error ? err.name : 'a value') : first}${where === undefined ? '' : ` (at ${where})`}`;
}

/** faultline's own code, built or not: frames there are not the user's (a user file may live beside it, as examples/ do). */
const ownRoot = packageRoot(dirname(fileURLToPath(import.meta.url)));
const ownDirs = ownRoot === undefined ? [] : [join(ownRoot, 'dist') + sep, join(ownRoot, 'src') + sep];

/**
 * Where the user's code threw: the first stack frame outside faultline and node_modules, as
 * "./file.ts:line" (jiti keeps lines when it strips types, not columns, so no column is given).
 */
function throwSite(err: Error, cwd: string): string | undefined {
  for (const line of (err.stack ?? '').split('\n')) {
    const frame = /^\s+at (?:.*\()?((?:file:\/\/)?\/[^():]+):(\d+):\d+\)?$/.exec(line);
    if (frame === null) continue;
    const file = frame[1]?.startsWith('file://') ? fileURLToPath(frame[1]) : (frame[1] ?? '');
    if (file.includes(`${sep}node_modules${sep}`) || ownDirs.some((dir) => file.startsWith(dir))) continue;
    return `${shownPath(file, cwd)}:${frame[2]}`;
  }
  return undefined;
}

/** The directory of the nearest package.json at or above `dir`. */
function packageRoot(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'package.json'))) return at;
    if (dirname(at) === at) return undefined;
  }
}
