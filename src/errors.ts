/**
 * Typed, located errors of the simulator (DESIGN rule 8). grid/ and markets/ are pure libraries with
 * their own errors (`GridError` ⊃ `DssError`; `MarketError` ⊃ `ProblemError`, `SolverError`), re-exported
 * here so that agents/ and src/ import every error class from one place. Every error a user can cause
 * by their input — a `LemsimError` or a library's input error, see `isInputError` — is printed by the
 * CLI as its message alone (no stack trace) with its `exitCode`. Anything else that escapes is a bug
 * and is printed with its stack.
 */
import { GridError } from '../grid/errors.js';
import { MarketError } from '../markets/errors.js';

export { DssError, type DssLocation, GridError, excerpt } from '../grid/errors.js';
export { MarketError, ProblemError, SolverError } from '../markets/errors.js';

/** An error caused by input (or a solver outcome) rather than by a bug, from any layer. */
export type InputError = LemsimError | GridError | MarketError;

/** True for an error caused by input rather than by a bug: the CLI prints it without a stack trace. */
export function isInputError(err: unknown): err is InputError {
  return err instanceof LemsimError || err instanceof GridError || err instanceof MarketError;
}

/** Base class of the simulator's own input errors (scenarios, usage, outputs, plugins). */
export class LemsimError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
}

/** A problem in a scenario (file or object): names the field path. */
export class ScenarioError extends LemsimError {
  constructor(
    readonly file: string | undefined,
    readonly fieldPath: string,
    readonly detail: string,
  ) {
    super(`${file ? `${file}: ` : ''}${fieldPath ? `${fieldPath}: ` : ''}${detail}`);
    this.name = 'ScenarioError';
  }
}

/** Bad command-line usage. */
export class UsageError extends LemsimError {
  override readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The simulation's result files were written, but its report could not be drawn: exit 4, so a
 * script can tell "results complete, report missing" from a failed run (1–3) and from success.
 */
export class ReportFailedError extends LemsimError {
  override readonly exitCode = 4;
  constructor(message: string) {
    super(message);
    this.name = 'ReportFailedError';
  }
}

/** A power flow that did not converge: results were written and say so; the exit code is 3. */
export class NotConvergedError extends LemsimError {
  override readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = 'NotConvergedError';
  }
}
