#!/usr/bin/env node
// The faultline command: runs the compiled CLI (built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error(`faultline is not built: ${cli} is missing; run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}`);
  process.exit(255);
}
await import(cli);
