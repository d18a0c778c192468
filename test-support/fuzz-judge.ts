// What `faultline check` must never do on malformed input, judged from one outcome: print a stack
// trace or Node's own error text, leak an internal message, exit outside the documented codes, say
// more than one line on a usage error, or call a history with no ok client op valid.
import type { FuzzCase } from './fuzz-inputs.js';

/** Exit codes of `check` (README): 0 valid, 1 invalid, 2 unknown, 254 bad input. 130 and 255 are not expected here. */
export const CHECK_EXIT_CODES: readonly number[] = [0, 1, 2, 254];

/** Messages that only a bug produces: JavaScript's own errors and raw system codes, never faultline's words. */
const INTERNALS = /is not a function|Cannot read propert|Cannot set propert|Cannot create property|is not iterable|Invalid string length|Maximum call stack|Unexpected token|Unexpected end of JSON|JSON at position|is not defined|undefined is not|Cannot convert|\[object Object\]|\b(?:ENOENT|EISDIR|ENOTDIR|EACCES|ERR_[A-Z_]+)\b|Do not know how to serialize/;
/** A stack frame or an error printed by Node rather than by faultline. */
const STACK = /^\s+at |node:internal|^(?:\w*Error|Uncaught)\b.*:|^file:\/\//m;
const USAGE_HINT = /^\(run faultline( \w+)? --help for usage\)$/;

export interface CliOutcome {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/** The problems of one real CLI run of `c`; empty when it behaved. */
export function judgeCli(c: FuzzCase, r: CliOutcome): string[] {
  const problems: string[] = [];
  const all = `${r.stdout}\n${r.stderr}`;
  if (r.exitCode === undefined || !CHECK_EXIT_CODES.includes(r.exitCode)) problems.push(`exit ${String(r.exitCode)}, not one of ${CHECK_EXIT_CODES.join(', ')}`);
  if (STACK.test(all)) problems.push(`a stack trace or Node error: ${firstMatchLine(all, STACK)}`);
  if (INTERNALS.test(all)) problems.push(`an internal message: ${firstMatchLine(all, INTERNALS)}`);
  // `faultline help <not a command>` prints the usage on stderr and exits 254 (commander's help
  // command; src/cli.ts is not this suite's to change): accepted as it is, and counted apart.
  const helpForUnknown = c.args[0] === 'help' && r.exitCode === 254 && r.stderr.startsWith('Usage: faultline');
  if (r.exitCode === 254 && !helpForUnknown) {
    const lines = r.stderr.trim().split('\n');
    const errors = lines.filter((l) => !USAGE_HINT.test(l));
    if (errors.length !== 1 || !errors[0]!.startsWith('faultline: ')) problems.push(`not one "faultline: " line on stderr: ${JSON.stringify(r.stderr.slice(0, 300))}`);
  } else if (r.stderr.trim() !== '' && !helpForUnknown) {
    problems.push(`stderr with exit ${String(r.exitCode)}: ${JSON.stringify(r.stderr.slice(0, 300))}`);
  }
  if (c.untested && r.exitCode === 0) problems.push('exit 0 (valid) on a history with no ok client op');
  if (c.malformed && r.exitCode === 0) problems.push('exit 0 (valid) on a history with an op that breaks the schema');
  return problems;
}

/** The problems of one in-process call: an exit code it returned, or what it threw. */
export function judgeInProcess(c: FuzzCase, outcome: { exitCode: number; lines: string[] } | { thrown: unknown }): string[] {
  const problems: string[] = [];
  if ('thrown' in outcome) {
    const err = outcome.thrown;
    if (!(err instanceof Error) || err.constructor !== Error) problems.push(`threw ${err instanceof Error ? err.constructor.name : typeof err}: ${String(err)}`);
    const message = err instanceof Error ? err.message : String(err);
    if (message.includes('\n')) problems.push(`a message of ${message.split('\n').length} lines: ${JSON.stringify(message.slice(0, 200))}`);
    if (INTERNALS.test(message)) problems.push(`an internal message: ${message.slice(0, 200)}`);
    return problems;
  }
  if (![0, 1, 2].includes(outcome.exitCode)) problems.push(`returned exit ${outcome.exitCode}`);
  const text = outcome.lines.join('\n');
  if (INTERNALS.test(text)) problems.push(`an internal message: ${firstMatchLine(text, INTERNALS)}`);
  if (c.untested && outcome.exitCode === 0) problems.push('exit 0 (valid) on a history with no ok client op');
  if (c.malformed && outcome.exitCode === 0) problems.push('exit 0 (valid) on a history with an op that breaks the schema');
  return problems;
}

function firstMatchLine(text: string, pattern: RegExp): string {
  return (text.split('\n').find((l) => pattern.test(l)) ?? '').slice(0, 200);
}
