// Interns model states as small integers, so the search stores and compares ints, never states.
import type { AnyModel } from './model.js';

/** Maps states to dense ids 0, 1, 2, ... using the model's hash/equal, or the state itself if primitive. */
export class StateTable<State> {
  readonly states: State[] = [];
  private readonly byKey = new Map<unknown, number | number[]>();
  private readonly keyOf: (state: State) => unknown;
  private readonly equal: ((a: State, b: State) => boolean) | undefined;

  constructor(model: AnyModel) {
    const hash = model.hash?.bind(model) as ((s: State) => string | number) | undefined;
    this.keyOf = hash ?? ((s: State) => (typeof s === 'object' && s !== null ? JSON.stringify(s) : s));
    this.equal = hash ? (model.equal?.bind(model) as ((a: State, b: State) => boolean) | undefined) : undefined;
  }

  /** The id of `state`, adding it when new. */
  intern(state: State): number {
    const key = this.keyOf(state);
    const found = this.byKey.get(key);
    if (found === undefined) {
      this.states.push(state);
      this.byKey.set(key, this.states.length - 1);
      return this.states.length - 1;
    }
    if (!this.equal) return found as number;
    const ids = typeof found === 'number' ? [found] : found;
    for (const id of ids) if (this.equal(this.states[id]!, state)) return id;
    this.states.push(state);
    this.byKey.set(key, [...ids, this.states.length - 1]);
    return this.states.length - 1;
  }
}
