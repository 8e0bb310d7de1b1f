/** The typed errors live in the leaf module ../errors.ts (every layer may import it); re-exported here for src/. */
export * from '../errors.js';
