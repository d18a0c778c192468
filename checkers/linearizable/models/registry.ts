// The models a user can name (`--model cas-register`), and how a name with options becomes a model.
import type { AnyModel } from '../model.js';
import { fifoQueueModel } from './fifo-queue.js';
import { kvModel } from './kv.js';
import { mutexModel } from './mutex.js';
import { casRegisterModel, registerModel } from './register.js';
import { setModel } from './set.js';

/** Options a model name may carry, as in `cas-register;init=0;nil-read=any`. */
export type ModelOptions = Record<string, unknown>;

/** Each named model, built from its options. */
export const models = {
  register: (o: ModelOptions) => registerModel({ initial: o['init'], nilReadMatchesAny: o['nil-read'] === 'any' }),
  'cas-register': (o: ModelOptions) => casRegisterModel({ initial: o['init'], nilReadMatchesAny: o['nil-read'] === 'any' }),
  kv: () => kvModel(),
  mutex: (o: ModelOptions) => mutexModel({ held: o['init'] === 'held' || o['init'] === true }),
  set: () => setModel(),
  'fifo-queue': () => fifoQueueModel(),
} satisfies Record<string, (options: ModelOptions) => AnyModel>;

export type ModelName = keyof typeof models;

const optionsByModel: Record<ModelName, readonly string[]> = {
  register: ['init', 'nil-read'],
  'cas-register': ['init', 'nil-read'],
  kv: [],
  mutex: ['init'],
  set: [],
  'fifo-queue': [],
};

/** True when `name` is a registered model name. */
export function isModelName(name: string): name is ModelName {
  return Object.hasOwn(models, name);
}

/**
 * Resolves `NAME` or `NAME;key=value;...` (values JSON, else plain text) into a model. Throws an
 * error that lists the valid names or options.
 */
export function resolveModel(spec: string | AnyModel): AnyModel {
  if (typeof spec !== 'string') return spec;
  const [name = '', ...pairs] = spec.split(';').map((part) => part.trim());
  if (!isModelName(name)) {
    throw new Error(`unknown model "${name}" in "${spec}"; expected one of ${Object.keys(models).join(', ')}`);
  }
  const options: ModelOptions = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0 || !optionsByModel[name].includes(key)) {
      const valid = optionsByModel[name].map((o) => `${o}=...`).join(', ') || 'none';
      throw new Error(`bad option "${pair}" for model ${name} in "${spec}"; expected ${valid}`);
    }
    options[key] = parseOptionValue(pair.slice(eq + 1));
  }
  return models[name](options);
}

function parseOptionValue(text: string): unknown {
  if (text === 'nil') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
