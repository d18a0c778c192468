// faultline's public API: `import { defineFault, option } from 'faultline'`. Everything exported here
// is covered by semantic versioning; modules reached any other way are internal and may change.
// Definitions in a user's repository are made with these functions, as the built-ins are.

export { defineFault, HEAL_RANK } from './define/fault.js';
export type { FaultDefinition, FaultDefinitionInput, Nemesis, NemesisContext } from './define/fault.js';

export { option } from './define/options.js';
export type { OptionContext, OptionDef, OptionSchema, OptionValues } from './define/options.js';

// The contract a fault's nemesis works with (NemesisContext): the run's nodes, database and randomness.
export type { Op, OpType, Process } from './op.js';
export type { Random } from './random.js';
export type { Address, Deferred, NodeFaultOutcome, ProcessSpec, Runtime } from './runtime/runtime.js';
// Db and DbContext (NemesisContext.db, .dbCtx) are exported when defineDb moves the db contract into
// the core (step 4): src/db/ is outside the core, and the import rule test keeps the core from it.

// What a user's files export, loaded by path (--db ./x.ts) or named in faultline.config.ts.
export type { Definition, DefinitionKind, DefinitionOf } from './define/definition.js';
export type { FaultlineConfig } from './define/config.js';

// To be added by the lead as they land (issue 13, docs/DESIGN.md "Steps"):
// defineDb and its types, defineWorkload and its types, runTest, checkHistory, generators, models.
