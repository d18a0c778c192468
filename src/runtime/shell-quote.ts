// POSIX shell quoting for commands run on SSH hosts: sshd hands a command line to the user's
// shell, so every argument is quoted here and no command is ever built by pasting data into a string.

/** Characters that mean nothing to a POSIX shell in any position of a word (no `=`: a first word with one is an assignment). */
const PLAIN = /^[A-Za-z0-9_\/.,:@%+-]+$/;

/** One argument as a POSIX shell word that the shell turns back into exactly `arg`. */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new Error(`argument ${JSON.stringify(arg)} holds a NUL byte, which no command line can carry`);
  if (PLAIN.test(arg)) return arg;
  // Inside single quotes nothing is special but the quote itself: close, add an escaped quote, reopen.
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argument vector as one command line for a POSIX shell. */
export function commandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('an empty command cannot be run; expected a program and its arguments');
  return argv.map(quoteArg).join(' ');
}
