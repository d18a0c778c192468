// What the built-in faults share: the nemesis contract (from the core); targets.ts picks node targets.

export type { Nemesis, NemesisContext } from '../src/define/fault.js';

