// Options of a database, workload or fault, declared once: the CLI flag, its help, its default and
// how a value from the command line or from test.json is checked all come from one declaration.
// Every refusal is one line naming the flag, the value received and what was expected.

/** What a default may depend on. */
export interface OptionContext {
  nodeCount: number;
  /** The part's options resolved so far, in declaration order (a default may follow an earlier option). */
  values?: Readonly<Record<string, unknown>>;
}

/** One declared option with values of type T. */
export interface OptionDef<T> {
  readonly kind: 'integer' | 'integers' | 'number' | 'one-of' | 'list' | 'boolean' | 'string';
  /** One line for --help and the README's tables. */
  readonly help: string;
  /** The CLI flag without its dashes; default: the key in kebab case (opsPerKey: ops-per-key). */
  readonly flag?: string;
  /** The allowed values of a one-of or list option, for --help and shell completion. */
  readonly choices?: readonly string[];
  /** The value when none is given; a function when it depends on the cluster (undefined: required). */
  readonly default?: T | ((ctx: OptionContext) => T);
  /** The value as the run uses it, from a CLI string or a JSON value; throws one line. */
  parse(value: unknown, flag: string): T;
}

/** A part's options: key (as in test.json) to declaration. */
export type OptionSchema = Readonly<Record<string, OptionDef<unknown>>>;

/** The resolved values of a schema. */
export type OptionValues<S extends OptionSchema> = { -readonly [K in keyof S]: S[K] extends OptionDef<infer T> ? T : never };

interface Common<T> {
  help: string;
  flag?: string;
  default?: T | ((ctx: OptionContext) => T);
}

/** Declarations of the option kinds. */
export const option = {
  integer(spec: Common<number> & { min: number; max: number }): OptionDef<number> {
    return {
      kind: 'integer', help: spec.help, ...optional(spec),
      parse(value, flag) {
        const n = toNumber(value);
        if (n === undefined || !Number.isInteger(n) || n < spec.min || n > spec.max) {
          throw new Error(`--${flag} "${show(value)}" is not valid; expected a whole number from ${spec.min} to ${spec.max}`);
        }
        return n;
      },
    };
  },
  /** One whole number or several, comma separated (a JSON array in test.json): a magnitude a fault draws among. */
  integers(spec: Common<readonly number[]> & { min: number; max: number }): OptionDef<readonly number[]> {
    return {
      kind: 'integers', help: spec.help, ...optional(spec),
      parse(value, flag) {
        const items = Array.isArray(value) ? value : typeof value === 'string' || typeof value === 'number' ? String(value).split(',') : [];
        const numbers = items.map((item) => toNumber(item));
        if (numbers.length === 0 || numbers.some((n) => n === undefined || !Number.isInteger(n) || n < spec.min || n > spec.max)) {
          throw new Error(`--${flag} "${show(value)}" is not valid; expected whole numbers from ${spec.min} to ${spec.max}, comma separated`);
        }
        return numbers as number[];
      },
    };
  },
  number(spec: Common<number> & { min: number; max: number }): OptionDef<number> {
    return {
      kind: 'number', help: spec.help, ...optional(spec),
      parse(value, flag) {
        const n = toNumber(value);
        if (n === undefined || n < spec.min || n > spec.max) throw new Error(`--${flag} "${show(value)}" is not valid; expected a number from ${spec.min} to ${spec.max}`);
        return n;
      },
    };
  },
  oneOf<const C extends string>(choices: readonly C[], spec: Common<C>): OptionDef<C> {
    return {
      kind: 'one-of', help: spec.help, choices, ...optional(spec),
      parse(value, flag) {
        if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as C;
        throw new Error(`--${flag} "${show(value)}" is not known; expected one of: ${choices.join(', ')}`);
      },
    };
  },
  /** A comma-separated list (or a JSON array) of distinct choices, at least one. */
  list<const C extends string>(choices: readonly C[], spec: Common<readonly C[]>): OptionDef<readonly C[]> {
    return {
      kind: 'list', help: spec.help, choices, ...optional(spec),
      parse(value, flag) {
        const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',').map((item) => item.trim()) : undefined;
        const expected = `expected one or more of ${choices.join(', ')}, comma separated`;
        if (items === undefined || items.length === 0) throw new Error(`--${flag} "${show(value)}" is not valid; ${expected}`);
        for (const item of items) {
          if (typeof item !== 'string' || !(choices as readonly string[]).includes(item)) throw new Error(`--${flag} "${show(value)}" names "${show(item)}", which is not known; ${expected}`);
        }
        if (new Set(items).size !== items.length) throw new Error(`--${flag} "${show(value)}" names an item twice; ${expected}`);
        return items as C[];
      },
    };
  },
  boolean(spec: Common<boolean>): OptionDef<boolean> {
    return {
      kind: 'boolean', help: spec.help, ...optional(spec),
      parse(value, flag) {
        if (value === true || value === 'true' || value === 'on' || value === 'yes') return true;
        if (value === false || value === 'false' || value === 'off' || value === 'no') return false;
        throw new Error(`--${flag} "${show(value)}" is not valid; expected on or off (true or false)`);
      },
    };
  },
  string(spec: Common<string> & { pattern?: RegExp; expected?: string }): OptionDef<string> {
    return {
      kind: 'string', help: spec.help, ...optional(spec),
      parse(value, flag) {
        if (typeof value === 'string' && value !== '' && (spec.pattern === undefined || spec.pattern.test(value))) return value;
        throw new Error(`--${flag} "${show(value)}" is not valid; expected ${spec.expected ?? 'a non-empty string'}`);
      },
    };
  },
};

/**
 * The flags of `faultline test` itself, and their camel-case keys: a part's option may use neither
 * (`--rate` is the run's; `--check-timeout-s` would set `checkTimeoutS`, the run's check timeout).
 */
const RESERVED_FLAGS = ['name', 'nodes', 'concurrency', 'time-limit', 'workload', 'nemesis', 'nemesis-interval', 'seed', 'runtime', 'db', 'rate', 'op-timeout-ms', 'ready-timeout', 'check-timeout', 'store', 'help', 'version'];
const RESERVED_KEYS = ['timeLimitS', 'nemesisIntervalS', 'readyTimeoutS', 'checkTimeoutS', 'storeDir'];

/** The camel-case key of a flag, as the command line gives it (store-mode: storeMode). */
export function flagKey(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** An option's default as a flag takes it (on|off, comma-separated lists), or undefined when it has none to show (none, or computed). */
export function shownDefault(def: OptionDef<unknown>): string | undefined {
  const d = def.default;
  if (typeof d === 'function' || d === undefined) return undefined;
  return typeof d === 'boolean' ? (d ? 'on' : 'off') : Array.isArray(d) ? d.join(',') : String(d);
}

/** The flag of an option: its own, or its key in kebab case. */
export function flagOf(key: string, def: OptionDef<unknown>): string {
  return def.flag ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The values of a schema from what was given (CLI strings or test.json values), defaults filling
 * the rest. `owner` names the part in errors ("db bundled"). A key the schema lacks is refused.
 */
export function resolveOptions<S extends OptionSchema>(schema: S, given: Readonly<Record<string, unknown>>, ctx: OptionContext, owner: string): OptionValues<S> {
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(schema, key)) {
      const known = Object.keys(schema);
      throw new Error(`${owner} has no option "${key}"; expected ${known.length ? `one of: ${known.join(', ')}` : 'none'}`);
    }
  }
  const values: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, def] of Object.entries(schema)) {
    const flag = flagOf(key, def);
    const value = given[key] ?? defaultOf(def, { ...ctx, values });
    if (value === undefined) throw new Error(`${owner} needs --${flag}: ${def.help}`);
    values[key] = def.parse(value, flag);
  }
  return values as OptionValues<S>;
}

/**
 * Checks a schema when its part is defined: every default must pass its own option's check, on
 * 1 to 15 nodes (the node counts a test may have). Throws one line naming the owner and the option.
 */
export function assertSchema(schema: OptionSchema, owner: string): void {
  const flags = new Map<string, string>();
  for (const [key, def] of Object.entries(schema)) {
    if (key === 'name' || key === 'path') throw new Error(`${owner}: option "${key}" is reserved (test.json keeps the part's name and path there); expected another key`);
    if (typeof def?.parse !== 'function' || typeof def.help !== 'string' || def.help === '') {
      throw new Error(`${owner}: option "${key}" is not an option declaration; expected option.integer(...), option.oneOf(...), ...`);
    }
    const flag = flagOf(key, def);
    if (RESERVED_FLAGS.includes(flag) || RESERVED_KEYS.includes(flagKey(flag))) {
      throw new Error(`${owner}: option "${key}" would use --${flag}, which is faultline test's own; expected another flag (flag: '...')`);
    }
    const other = flags.get(flag);
    if (other !== undefined) throw new Error(`${owner}: options "${other}" and "${key}" both use --${flag}`);
    flags.set(flag, key);
  }
  for (let nodeCount = 1; nodeCount <= 15; nodeCount++) {
    const values: Record<string, unknown> = {};
    for (const [key, def] of Object.entries(schema)) {
      const flag = flagOf(key, def);
      let value: unknown;
      try {
        value = defaultOf(def, { nodeCount, values });
        if (value !== undefined) values[key] = def.parse(value, flag);
      } catch (err) {
        throw new Error(`${owner}: the default of option "${key}" on ${nodeCount} node${nodeCount === 1 ? '' : 's'} is refused by its own check: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

function defaultOf<T>(def: OptionDef<T>, ctx: OptionContext): T | undefined {
  return typeof def.default === 'function' ? (def.default as (ctx: OptionContext) => T)(ctx) : def.default;
}

function optional<T>(spec: Common<T>): Pick<OptionDef<T>, 'flag' | 'default'> {
  return { ...(spec.flag !== undefined && { flag: spec.flag }), ...(spec.default !== undefined && { default: spec.default }) };
}

/** A number from a JSON number or a CLI string; undefined when it is neither. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : undefined;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}
