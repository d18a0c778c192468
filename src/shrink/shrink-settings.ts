// How much shrinking an invalid run may do, apart from the shrinker (shrink-run.ts), so the command
// line can show the default without loading it.

/** How much shrinking an invalid run may do; `budgetS` 0 turns it off. */
export interface ShrinkSettings {
  budgetS: number;
  maxCalls: number;
  /** Hears a line now and then on a long shrink. */
  progress?: (line: string) => void;
}

/** A few seconds per invalid run, and at most this many checker calls. */
export const DEFAULT_SHRINK: ShrinkSettings = { budgetS: 5, maxCalls: 2000 };
