// The bank checker (Jepsen's bank): transfers between accounts must keep the total constant, and no
// read may show a negative balance unless the system allows them.
//
//   { f: 'transfer', value: { from, to, amount } } -> ok | fail | info
//   { f: 'read',     value: null }                 -> ok { [account]: balance }
//
// Every ok read is checked on its own (a snapshot must be consistent whatever else happened). The
// expected total is the `total` option, else the first ok read's sum. Accounts are compared by their
// string form, so an EDN read {0 100} and a JSON read {"0": 100} name the same account.
import type { Checker, CheckResult, Validity, WitnessOp } from '../src/checker.js';
import type { History } from '../src/op.js';
import { outcomeOf, positionedPairs } from './positioned-pairs.js';
import { showValue, witnessOp } from './witness-op.js';

export interface BankOptions {
  /** The constant total; default: the sum of the first ok read. */
  total?: number;
  /** Whether balances may go below zero (default false). */
  negativeAllowed?: boolean;
  /** The accounts every read must show, and the only ones it may show; default: not checked. */
  accounts?: readonly (string | number)[];
}

export type BankErrorType = 'wrong-total' | 'negative-value' | 'nil-balance' | 'missing-account' | 'unexpected-account';

/** One read that breaks a rule. */
export interface BankError {
  type: BankErrorType;
  op: WitnessOp;
  /** For wrong-total: the read's sum and the expected one. */
  total?: number;
  expected?: number;
  /** For negative-value: the negative balances by account. */
  negative?: Record<string, number>;
  /** For nil-balance, missing-account and unexpected-account: the accounts concerned. */
  accounts?: string[];
}

export interface BankResult extends CheckResult {
  valid: Validity;
  summary: string;
  readCount: number;
  errorCount: number;
  firstError: BankError | null;
  /** Per error type: how many, the first, the worst (furthest off) and the last. */
  errors: Partial<Record<BankErrorType, { count: number; first: BankError; worst: BankError; last: BankError }>>;
  expectedTotal: number | null;
  /** For a chart of the total over time: [time s, total] per ok read, in completion order. */
  totals: [number, number][];
}

/** A bank checker with the given rules. */
export function bank(options: BankOptions = {}): Checker {
  return (history) => checkBank(history, options);
}

/** Checks a bank history now; what `bank` runs. */
export function checkBank(history: History, options: BankOptions = {}): BankResult {
  // In completion order, as Jepsen checks them: the first error is the first read to return a bad state.
  const reads = positionedPairs(history, ['read']).filter((p) => outcomeOf(p) === 'ok').sort((a, b) => a.completeAt - b.completeAt);
  const accounts = options.accounts?.map(String);
  let expected = options.total ?? null;
  const totals: [number, number][] = [];
  const errors: BankError[] = [];
  for (const read of reads) {
    const balances = read.complete!.value;
    if (typeof balances !== 'object' || balances === null || Array.isArray(balances)) {
      throw new Error(`op ${read.complete!.index}: read returned ${showValue(balances)}; expected a map of account to balance`);
    }
    const entries = Object.entries(balances as Record<string, unknown>);
    const witness = (text: string): WitnessOp => witnessOp(read.invoke, read.complete, `read: ${text}`);
    const nil = entries.filter(([, b]) => typeof b !== 'number' || !Number.isFinite(b)).map(([a]) => a);
    if (nil.length > 0) errors.push({ type: 'nil-balance', op: witness(`no balance for ${nil.join(', ')}`), accounts: nil });
    if (accounts) {
      const missing = accounts.filter((a) => !Object.hasOwn(balances, a));
      const unexpected = entries.map(([a]) => a).filter((a) => !accounts.includes(a));
      if (missing.length > 0) errors.push({ type: 'missing-account', op: witness(`accounts ${missing.join(', ')} missing`), accounts: missing });
      if (unexpected.length > 0) errors.push({ type: 'unexpected-account', op: witness(`unexpected accounts ${unexpected.join(', ')}`), accounts: unexpected });
    }
    const numbers = entries.filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));
    const total = numbers.reduce((sum, [, b]) => sum + b, 0);
    totals.push([read.complete!.time / 1e9, total]);
    expected ??= total;
    if (total !== expected) errors.push({ type: 'wrong-total', op: witness(`total ${total}, expected ${expected}`), total, expected });
    const negative = numbers.filter(([, b]) => b < 0);
    if (!options.negativeAllowed && negative.length > 0) {
      errors.push({ type: 'negative-value', op: witness(`negative ${negative.map(([a, b]) => `${a}=${b}`).join(', ')}`), negative: Object.fromEntries(negative) });
    }
  }
  const byType: BankResult['errors'] = {};
  for (const error of errors) {
    const entry = byType[error.type];
    if (!entry) byType[error.type] = { count: 1, first: error, worst: error, last: error };
    else {
      entry.count++;
      entry.last = error;
      if (severity(error) > severity(entry.worst)) entry.worst = error;
    }
  }
  const first = errors[0] ?? null;
  const valid: Validity = errors.length > 0 ? false : reads.length === 0 ? 'unknown' : true;
  const kinds = Object.entries(byType).map(([type, e]) => `${e.count} ${type}`).join(', ');
  return {
    valid,
    summary:
      reads.length === 0
        ? 'no successful read'
        : first
          ? `${kinds} in ${reads.length} reads; first: op ${first.op.index}, ${first.op.description.replace(/^read: /, '')}`
          : `${reads.length} reads, every total ${expected}${options.negativeAllowed ? '' : ', no negative balance'}`,
    readCount: reads.length,
    errorCount: errors.length,
    firstError: first,
    errors: byType,
    expectedTotal: expected,
    totals,
  };
}

/** How far off an error is, to pick the worst of a type. */
function severity(error: BankError): number {
  if (error.type === 'wrong-total') return Math.abs((error.total ?? 0) - (error.expected ?? 0));
  if (error.type === 'negative-value') return -Math.min(...Object.values(error.negative ?? {}));
  return error.accounts?.length ?? 0;
}
