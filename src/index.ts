// faultline's public API: `import { defineDb, defineWorkload, defineFault, runTest } from 'faultline'`.
// Everything exported here is covered by semantic versioning; modules reached any other way are
// internal and may change. Definitions in a user's repository are made with these functions, as
// the built-ins are.

// Databases: what a node needs, how it starts and becomes ready, and the clients it serves.
export { defineDb, CLIENT_KINDS, RUNTIME_NAMES } from './define/db.js';
export type { ClientKind, DbDefinition, DbDefinitionInput, RuntimeName } from './define/db.js';
export { OpFailure, canRecover, hasDataFiles, hasMembership, hasPrimaries } from './db-contract.js';
export type {
  BankConnection, BankDb, CounterConnection, CounterDb, DataFilesDb, Db, DbContext, DbSession, ListMicroOp, MembershipChange, MembershipDb, PrimaryDb,
  RecoverableDb, RegisterConnection, RegisterDb, RegisterMicroOp, RwRegisterConnection, RwRegisterDb, SessionDb, SetConnection, SetDb, TxnConnection, TxnDb,
} from './db-contract.js';
export { nodeImage } from './runtime/node-image.js';
export type { NodeImage, NodeImageDir, NodeImagePackages } from './runtime/node-image.js';
export { awaitNodes, hostOf, nodeLog } from './db/readiness.js';

// Workloads: generators of client ops, the clients that perform them, and their checkers.
export { defineWorkload } from './define/workload.js';
export type { CheckerContext, ReportSection, WorkloadContext, WorkloadDefinition, WorkloadDefinitionInput } from './define/workload.js';
export { escapeHtml } from './html-escape.js';
export { failedResult, FINAL_QUIESCE_S } from './workload.js';
export type { Client, ClientResult, Workload, WorkloadOptions } from './workload.js';
export * as generators from './generator.js';
export type { CheckContext, Checker, CheckResult, Validity } from './checker.js';
export { checkHistory, linearizable, models } from '../checkers/linearizable/index.js';
export { ILLEGAL, UNKNOWN } from '../checkers/linearizable/index.js';
export type { AnyModel, Keyed, KeyOutcome, LinearizableOptions, LinearizableResult, Model, Operation, OpView, Outcome, UnknownCause } from '../checkers/linearizable/index.js';
export type { LinearizabilityFailure, WitnessOp } from './checker.js';

// Faults: what a fault needs from the runtime, how it starts and heals, and its heal order.
export { defineFault, HEAL_RANK } from './define/fault.js';
export type { FaultContext, FaultDefinition, FaultDefinitionInput, Nemesis, NemesisContext } from './define/fault.js';

// Options of any part: declared once, they give the flag, its help, its default and its check.
export { option } from './define/options.js';
export type { OptionContext, OptionDef, OptionSchema, OptionValues } from './define/options.js';

// Running and checking from code, with the built-ins and the caller's definitions.
export { recheckRun, registryWith, runTest } from './api.js';
export type { RunOptions } from './api.js';
export type { RunFacts, RunOutcome } from './run.js';
export type { Registry } from './define/registry.js';
export type { SpecOptions, TestSpec, PartSpec } from './spec.js';

// What the contracts above mention.
export type { History, Op, OpDraft, OpType, Process } from './op.js';
export type { Random } from './random.js';
export type { Address, Deferred, NodeFaultOutcome, ProcessSpec, Runtime } from './runtime/runtime.js';
// A database with more listeners than the one port the local runtime gives a node (a client port
// beside its cluster port) picks the others with holdNodePort; hasNodeAddresses says whether the
// node has an address of its own instead (containers), where it can use its usual ports.
export { hasNodeAddresses } from './runtime/runtime.js';
export type { NodeAddressed } from './runtime/runtime.js';
export { holdNodePort } from './runtime/node-ports.js';
export type { HeldPort } from './runtime/node-ports.js';
export type { Grudge } from './runtime/grudge.js';

// What a user's files export, loaded by path (--db ./x.ts) or named in faultline.config.ts.
export type { AnyDefinition, Definition, DefinitionKind, DefinitionOf } from './define/definition.js';
export type { FaultlineConfig } from './define/config.js';
