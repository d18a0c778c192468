// The faultline checkout (or installed package) that this code belongs to: where docker/ is.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The faultline checkout this module belongs to (the directory holding its package.json and docker/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'docker'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the faultline package (package.json and docker/) above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}
