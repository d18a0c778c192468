// The command line of a bench: `--name value` pairs, each a number the bench has a default for.

/** `defaults` with the values given on the command line; throws one line naming a bad pair and the flags. */
export function parseBenchArgs<T extends Record<string, number>>(argv: readonly string[], defaults: T, integers = false): T {
  const options: Record<string, number> = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, '') ?? '';
    const value = Number(argv[i + 1]);
    if (!Object.hasOwn(defaults, name) || !(integers ? Number.isInteger(value) : Number.isFinite(value))) {
      const kind = integers ? 'integer' : 'number';
      throw new Error(`bad argument ${JSON.stringify(argv.slice(i, i + 2).join(' '))}; expected ${Object.keys(defaults).map((f) => `--${f} <${kind}>`).join(' ')}`);
    }
    options[name] = value;
  }
  return options as T;
}
