// The `fifo-queue` model: enqueue(x) and dequeue -> the oldest element, or nil when empty. The
// state is the queue's contents, oldest first.
import { ILLEGAL, UNKNOWN, type Model, type OpView } from '../model.js';
import { canonicalValue, describeBadOp, showValue, type Canonical } from './canonical-value.js';

export type QueueInput = { f: 'enqueue'; value: Canonical } | { f: 'dequeue' };

type QueueState = readonly Canonical[];

/** An unbounded FIFO queue, initially empty. A dequeue that returned nil found it empty. */
export function fifoQueueModel(): Model<QueueState, QueueInput, Canonical> {
  const show = (queue: QueueState): string => `[${queue.map(showValue).join(' ')}]`;
  return {
    name: 'fifo-queue',
    init: () => [],
    step(queue, input, output) {
      if (input.f === 'enqueue') return [...queue, input.value];
      if (output === UNKNOWN) return queue.length === 0 ? queue : queue.slice(1);
      if (output === null) return queue.length === 0 ? queue : ILLEGAL;
      return queue.length > 0 && queue[0] === output ? queue.slice(1) : ILLEGAL;
    },
    readOnly: (input, output) => input.f === 'dequeue' && output === null,
    hash: (queue) => JSON.stringify(queue),
    fromOp(op: OpView) {
      if (op.f === 'enqueue') return { input: { f: 'enqueue', value: canonicalValue(op.value) }, output: op.known ? null : UNKNOWN };
      if (op.f === 'dequeue') return { input: { f: 'dequeue' }, output: op.known ? canonicalValue(op.result) : UNKNOWN };
      throw new Error(describeBadOp('fifo-queue', op.f, op.value, 'enqueue | dequeue'));
    },
    describeOperation(input, output) {
      if (input.f === 'enqueue') return `enqueue ${showValue(input.value)}${output === UNKNOWN ? ' (unknown)' : ''}`;
      return output === UNKNOWN ? 'dequeue (unknown)' : `dequeue -> ${showValue(output)}`;
    },
    describeState: show,
    explainIllegal: (queue, input, output) =>
      `${input.f} returned ${showValue(output === UNKNOWN ? null : output)} but the queue held ${show(queue)}`,
  };
}
