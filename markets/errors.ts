/**
 * The market library's errors (DESIGN rule 8 and the layering rule: markets/ imports nothing outside
 * itself, so its errors live here). A `MarketError` is an input or solver outcome, never a bug: the
 * CLI prints its message alone and exits with `exitCode`. `ProblemError` names the problem file and
 * the field path (`agents[3] (bat1).soc`), `SolverError` the model and the solver's status.
 */

/** Base class of every input or solver error the market library throws. */
export class MarketError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
}

/** A problem in a market problem (a JSON problem file or one built in code): names the field path. */
export class ProblemError extends MarketError {
  constructor(
    readonly file: string | undefined,
    readonly fieldPath: string,
    readonly detail: string,
  ) {
    super(`${file ? `${file}: ` : ''}${fieldPath ? `${fieldPath}: ` : ''}${detail}`);
    this.name = 'ProblemError';
  }
}

/** A solver failed or returned a status that is not an optimum. */
export class SolverError extends MarketError {
  constructor(
    readonly model: string,
    readonly status: string,
    detail?: string,
  ) {
    super(`${model}: solver status ${status}${detail ? ` (${detail})` : ''}`);
    this.name = 'SolverError';
  }
}
