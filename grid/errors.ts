/**
 * The grid library's errors (DESIGN rule 8 and the layering rule: grid/ imports nothing outside
 * itself, so its errors live here). A `GridError` is an input problem — a feeder, a time range, a
 * control setting — never a bug: the CLI prints its message alone and exits with `exitCode`.
 * `DssError` names the OpenDSS script's file and line.
 */

/** Base class of every input error the grid library throws. */
export class GridError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number = 1;
}

/** Where in an OpenDSS script something was found. `line` is 1-based. */
export interface DssLocation {
  readonly file: string;
  readonly line: number;
}

/** A problem in an OpenDSS script: names the file and line and what was expected. */
export class DssError extends GridError {
  constructor(
    readonly location: DssLocation | undefined,
    readonly detail: string,
  ) {
    super(location ? `${location.file}:${location.line}: ${detail}` : detail);
    this.name = 'DssError';
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
