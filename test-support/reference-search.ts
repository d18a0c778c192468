// A deliberately plain linearizability search, kept as the oracle that tests compare the fast
// search with: depth-first over "which op takes effect next", memoising (ops placed, state) as
// strings. No pruning, no deadlines, no forced moves. Exponential; small histories only.
import { ILLEGAL, UNKNOWN, type Model, type Operation } from '../checkers/linearizable/model.js';

/** True when some order of all definite ops, plus any subset of unknown ones, is legal and respects real time. */
export function isLinearizableReference<S, I, O>(model: Model<S, I, O>, operations: readonly Operation<I, O>[]): boolean {
  const parts = model.partition ? model.partition(operations) : [operations];
  return parts.every((part) => searchPart(model, part));
}

function searchPart<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[]): boolean {
  const placed = new Array<boolean>(ops.length).fill(false);
  const seen = new Set<string>();
  const definite = ops.filter((op) => op.output !== UNKNOWN).length;
  const keyOf = (state: S): string => JSON.stringify(model.hash ? model.hash(state) : state);
  const visit = (state: S, placedDefinite: number): boolean => {
    if (placedDefinite === definite) return true;
    const key = `${placed.map((p) => (p ? 1 : 0)).join('')}|${keyOf(state)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    let horizon = Infinity;
    ops.forEach((op, i) => {
      if (!placed[i] && op.return < horizon) horizon = op.return;
    });
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      if (placed[i] || op.call > horizon) continue;
      const next = model.step(state, op.input, op.output);
      if (next === ILLEGAL) continue;
      placed[i] = true;
      const found = visit(next as S, placedDefinite + (op.output === UNKNOWN ? 0 : 1));
      placed[i] = false;
      if (found) return true;
    }
    return false;
  };
  return visit(model.init(), 0);
}
