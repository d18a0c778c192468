// Values as models compare them: primitives stay as they are, anything else becomes a tagged JSON
// string, so equal values are `===` and states stay cheap to hash.

/** A value models can compare with `===`. */
export type Canonical = string | number | boolean | null;

const JSON_TAG = '\u0000json:';

/** Turns a history value into a primitive that is `===` for structurally equal values (undefined -> null). */
export function canonicalValue(value: unknown): Canonical {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  return JSON_TAG + JSON.stringify(value);
}

/** Shows a canonical value the way a person wrote it: numbers bare, strings quoted, nil for null. */
export function showValue(value: Canonical | undefined): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return value.startsWith(JSON_TAG) ? value.slice(JSON_TAG.length) : JSON.stringify(value);
  return String(value);
}

/** The function name and value of an op the model does not know, for errors. */
export function describeBadOp(model: string, f: string, value: unknown, expected: string): string {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? 'undefined';
  } catch {
    shown = String(value);
  }
  return `${model} model: cannot read op f="${f}" value=${shown}; expected ${expected}`;
}
