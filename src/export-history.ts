// `faultline export <run> --format edn|jsonl|json`: a run's history.jsonl as Jepsen, Elle and
// elle-cli read histories: edn is Jepsen's history.edn (one op map per line, jepsen-edn-export.ts),
// json elle-cli's JSON array, jsonl faultline's own (re-read, so a line cut short by a crash is gone).
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJepsenEdn } from './formats/jepsen-edn-export.js';
import { readJsonlFile } from './formats/jsonl.js';
import { isJepsenStoreDir, JEPSEN_FILES } from './jepsen-store.js';
import type { History } from './op.js';
import { resolveRunDir, RUN_FILES } from './store.js';

/** The formats `export` writes, and each one's text for a history. */
export const exportFormats = {
  edn: writeJepsenEdn,
  jsonl: (history: History) => history.map((op) => `${JSON.stringify(op)}\n`).join(''),
  json: (history: History) => (history.length === 0 ? '[]\n' : `[${history.map((op) => JSON.stringify(op)).join(',\n')}]\n`),
} satisfies Record<string, (history: History) => string>;

export type ExportFormat = keyof typeof exportFormats;

/** A run's history: `path` is a run directory (store/latest, store/<test>/<time>) or a history.jsonl file. */
export function readRunHistory(path: string): History {
  if (isJepsenStoreDir(path)) {
    throw new Error(`${path} is a Jepsen run directory: its ${JEPSEN_FILES.history} is Jepsen's format already; expected a run directory written by \`faultline test\``);
  }
  const file = statSync(path, { throwIfNoEntry: false })?.isFile() ? path : join(resolveRunDir(path), RUN_FILES.history);
  return readJsonlFile(file);
}

/** The history of the run at `path` as text in `format`; throws naming the formats when it is unknown. */
export function exportHistory(path: string, format: string): string {
  if (!Object.hasOwn(exportFormats, format)) {
    throw new Error(`--format "${format}" is not an export format; expected one of ${Object.keys(exportFormats).join(', ')}`);
  }
  return exportFormats[format as ExportFormat](readRunHistory(path));
}

/** Writes the export to `out` (a file) or, without one, to stdout; a reader that stops early (`| head`) ends it quietly. */
export async function exportRun(path: string, options: { format: string; out?: string | undefined }): Promise<void> {
  const text = exportHistory(path, options.format);
  if (options.out !== undefined) {
    writeFileSync(options.out, text);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' ? resolve() : reject(err)));
    process.stdout.write(text, (err) => (err ? undefined : resolve()));
  });
}
