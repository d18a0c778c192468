// Turning URL path segments into paths that are certainly inside a directory: each segment is
// decoded once and must be a plain name (no `.`, `..`, separators or NUL), and the real path, with
// symlinks resolved, must still be inside the directory's real path.
import { realpathSync } from 'node:fs';
import { join, sep } from 'node:path';

/** Decodes raw URL path segments; undefined if any is malformed or not a plain name. */
export function decodeSegments(rawSegments: readonly string[]): string[] | undefined {
  const names: string[] = [];
  for (const raw of rawSegments) {
    let name: string;
    try {
      name = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (!isPlainName(name)) return undefined;
    names.push(name);
  }
  return names;
}

/** A name that stays in its directory: not empty, `.` or `..`, with no separator or NUL. */
export function isPlainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/** The real path of `names` under `root`, or undefined if it does not exist or leads outside. */
export function resolveInside(root: string, names: readonly string[]): string | undefined {
  if (!names.every(isPlainName)) return undefined;
  try {
    const realRoot = realpathSync(root);
    const real = realpathSync(join(realRoot, ...names));
    return real === realRoot || real.startsWith(realRoot + sep) ? real : undefined;
  } catch {
    return undefined;
  }
}
