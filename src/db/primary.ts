// The primaries capability lives in the core (src/db-contract.ts); adapters import it from here.
export { hasPrimaries, type PrimaryDb } from '../db-contract.js';
