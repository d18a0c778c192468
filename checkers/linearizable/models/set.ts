// The `set` model: add(x) and read -> all elements. The state is the sorted array of canonical
// elements; elements are never removed, which is what makes crashed adds easy to prune.
import { ILLEGAL, UNKNOWN, type Model, type Operation, type OpView } from '../model.js';
import { canonicalValue, describeBadOp, showValue, type Canonical } from './canonical-value.js';

export type SetInput = { f: 'add'; value: Canonical } | { f: 'read' };

/** A read's elements, sorted and canonical; null for add. */
export type SetOutput = readonly Canonical[] | null;

type SetState = readonly Canonical[];

/** A grow-only set, initially empty. */
export function setModel(): Model<SetState, SetInput, SetOutput> {
  const key = (elements: readonly Canonical[]): string => JSON.stringify(elements);
  const show = (elements: readonly Canonical[]): string => `#{${elements.map(showValue).join(' ')}}`;
  return {
    name: 'set',
    init: () => [],
    step(state, input, output) {
      if (input.f === 'read') {
        if (output === UNKNOWN) return state;
        return output !== null && sameElements(state, output) ? state : ILLEGAL;
      }
      if (state.includes(input.value)) return state;
      return sortElements([...state, input.value]);
    },
    readOnly: (input) => input.f === 'read',
    hash: key,
    equal: sameElements,
    couldBecomeLegal(operations) {
      // Elements are never removed: a read can still succeed only if it holds every present element.
      return (state, i) => {
        const { input, output } = operations[i]!;
        return input.f !== 'read' || output === UNKNOWN || output === null || state.every((e) => output.includes(e));
      };
    },
    fromOp(op: OpView) {
      if (op.f === 'add') return { input: { f: 'add', value: canonicalValue(op.value) }, output: op.known ? null : UNKNOWN };
      if (op.f === 'read') {
        if (!op.known) return undefined;
        if (!Array.isArray(op.result)) throw new Error(describeBadOp('set', op.f, op.result, 'read -> an array (or EDN set) of elements'));
        return { input: { f: 'read' }, output: sortElements([...new Set(op.result.map(canonicalValue))]) };
      }
      throw new Error(describeBadOp('set', op.f, op.value, 'add | read'));
    },
    describeOperation(input, output) {
      if (input.f === 'add') return `add ${showValue(input.value)}${output === UNKNOWN ? ' (unknown)' : ''}`;
      return output === UNKNOWN || output === null ? 'read (unknown)' : `read -> ${show(output)}`;
    },
    describeState: show,
    explainIllegal: (state, input, output) =>
      `${input.f} returned ${output === UNKNOWN || output === null ? 'nil' : show(output)} but the set held ${show(state)}`,
    crashObservers(operations: readonly Operation<SetInput, SetOutput>[]) {
      // An add of x is seen only by reads that contain x.
      return operations.map((op) => {
        if (op.output !== UNKNOWN) return undefined;
        if (op.input.f === 'read') return [];
        const element = op.input.value;
        const seenBy: number[] = [];
        operations.forEach((other, i) => {
          if (other.input.f === 'read' && Array.isArray(other.output) && other.output.includes(element)) seenBy.push(i);
        });
        return seenBy;
      });
    },
  };
}

function sortElements(elements: Canonical[]): Canonical[] {
  return elements.sort((a, b) => {
    const ka = `${typeof a}:${String(a)}`;
    const kb = `${typeof b}:${String(b)}`;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function sameElements(a: readonly Canonical[], b: readonly Canonical[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
