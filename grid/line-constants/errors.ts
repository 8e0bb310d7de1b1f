/**
 * Errors of the line-constants library. They are `GridError`s (input problems, not bugs) without a
 * location: the caller that maps an OpenDSS object onto these types knows the file and line and
 * wraps the message into a `DssError`.
 */
import { GridError } from '../errors.js';

/** Conductor or geometry data that cannot describe a real line (zero radius, overlapping wires…). */
export class LineConstantsError extends GridError {
  constructor(
    /** What was being built when the problem was found, e.g. `conductor 3` or `CNData`. */
    readonly subject: string,
    readonly detail: string,
  ) {
    super(`${subject}: ${detail}`);
    this.name = 'LineConstantsError';
  }
}
