/**
 * Typed, located errors (DESIGN rule 8), in a leaf module that imports nothing, so every layer —
 * grid/ and markets/ (pure libraries that import nothing outside themselves and this), agents/,
 * src/ — throws the same classes. Every error a user can cause by their input is a
 * `LemsimError`: the CLI prints its message alone (no stack trace) and exits non-zero. Anything else
 * that escapes is a bug and is printed with its stack.
 */

/** Base class of every error caused by input rather than by a bug. */
export class LemsimError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
}

/** Where in an OpenDSS script something was found. `line` is 1-based. */
export interface DssLocation {
  readonly file: string;
  readonly line: number;
}

/** A problem in an OpenDSS script: names the file and line and what was expected. */
export class DssError extends LemsimError {
  constructor(
    readonly location: DssLocation | undefined,
    readonly detail: string,
  ) {
    super(location ? `${location.file}:${location.line}: ${detail}` : detail);
    this.name = 'DssError';
  }
}

/** A problem in a scenario or problem file: names the field path. */
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

/** A solver failed or returned a status that is not an optimum. */
export class SolverError extends LemsimError {
  constructor(
    readonly model: string,
    readonly status: string,
    detail?: string,
  ) {
    super(`${model}: solver status ${status}${detail ? ` (${detail})` : ''}`);
    this.name = 'SolverError';
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

/**
 * A short, printable excerpt of input text for an error message (issue 11): at most `max`
 * characters of the offending token, control characters shown as escapes, so a message never
 * echoes a file (a key file, /proc/self/environ) at length.
 */
export function excerpt(text: string, max = 40): string {
  const flat = JSON.stringify(text.length > max ? text.slice(0, max) : text).slice(1, -1);
  return text.length > max ? `${flat}…` : flat;
}
