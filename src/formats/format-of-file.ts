// Which format a history file is in when `--format` is not given: its extension says (.edn is
// Jepsen's EDN, .jsonl faultline's JSON lines, .json elle-cli's JSON array); an explicit format wins,
// and a file with any other extension is read as jsonl, the default.
import { extname } from 'node:path';

/** The format each known extension means. */
export const formatByExtension: Readonly<Record<string, string>> = { '.edn': 'edn', '.jsonl': 'jsonl', '.json': 'json' };

/** The format when neither `--format` nor the extension says. */
export const DEFAULT_FORMAT = 'jsonl';

/** A file's format and how it was chosen. */
export interface FormatChoice {
  format: string;
  /** given: --format; extension: the file's extension; default: neither said, so jsonl. */
  how: 'given' | 'extension' | 'default';
}

/** The format to read `file` in: `given` when set, else by extension, else the default. */
export function formatOfFile(file: string, given?: string): FormatChoice {
  if (given !== undefined) return { format: given, how: 'given' };
  const byExtension = formatByExtension[extname(file).toLowerCase()];
  return byExtension !== undefined ? { format: byExtension, how: 'extension' } : { format: DEFAULT_FORMAT, how: 'default' };
}

/** A note for a read error: which format the file was read as and why, and how to choose another. */
export function describeFormatChoice(file: string, choice: FormatChoice): string {
  const known = Object.entries(formatByExtension).map(([ext, format]) => `${ext} ${format}`).join(', ');
  switch (choice.how) {
    case 'given':
      return `read ${file} as ${choice.format}, as --format said`;
    case 'extension':
      return `read ${file} as ${choice.format} because of its ${extname(file)} extension; give --format to read it as another format`;
    case 'default':
      return `read ${file} as ${choice.format}, the default: its extension "${extname(file)}" is none of ${known}; give --format to name its format`;
  }
}

/** `message` with the format note appended when the format was not given, for errors while reading `file`. */
export function withFormatNote(message: string, file: string, choice: FormatChoice): string {
  return choice.how === 'given' ? message : `${message} (${describeFormatChoice(file, choice)})`;
}
