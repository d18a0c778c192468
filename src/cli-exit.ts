// How the command line ends a command that must not wait for the event loop to drain.

/** Sets the exit code and exits once stdout and stderr have drained. */
export async function exitWith(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((done) => stream.write('', () => done()))));
  process.exit(code);
}
