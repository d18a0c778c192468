// The history formats `faultline check --format` knows, and reading a file in one of them.
import type { History } from '../op.js';
import { readElleJson } from './elle-json.js';
import { readEtcdLog } from './etcd-log.js';
import { readJepsenEdn } from './jepsen-edn.js';
import { readHistoryText } from './history-text.js';
import { readJsonlFile, readJsonlHistory } from './jsonl.js';
import { readKvLog } from './kv-log.js';

/** Each format's parser: text and a source name (for errors) to a History. */
export const historyFormats = {
  jsonl: readJsonlHistory,
  edn: readJepsenEdn,
  json: (text: string, source: string) => readElleJson(text, source),
  'etcd-log': readEtcdLog,
  'kv-log': readKvLog,
} satisfies Record<string, (text: string, source: string) => History>;

export type HistoryFormat = keyof typeof historyFormats;

/** True when `name` is a known format. */
export function isHistoryFormat(name: string): name is HistoryFormat {
  return Object.hasOwn(historyFormats, name);
}

/** Parses text in the named format; throws listing the formats when the name is unknown. */
export function parseHistory(text: string, format: string, source: string): History {
  if (!isHistoryFormat(format)) {
    throw new Error(`unknown history format "${format}"; expected one of ${Object.keys(historyFormats).join(', ')}`);
  }
  return historyFormats[format](text, source);
}

/** Reads and parses a history file, refusing one that cannot be a history of `format` from its first bytes (history-text.ts). */
export async function readHistoryFile(path: string, format: string): Promise<History> {
  if (format === 'jsonl') return readJsonlFile(path);
  if (!isHistoryFormat(format)) return parseHistory('', format, path);
  return parseHistory(readHistoryText(path, format), format, path);
}
