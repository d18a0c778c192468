// The db contract lives in the core (src/db-contract.ts); adapters import it from here.
export * from '../db-contract.js';
