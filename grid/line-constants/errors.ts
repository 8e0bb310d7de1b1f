/**
 * Errors of the line-constants library. They are `LemsimError`s (input problems, not bugs) without a
 * location: the caller that maps an OpenDSS object onto these types knows the file and line and
 * wraps the message into a `DssError`.
 */
import { LemsimError } from '../../errors.js';

/** Conductor or geometry data that cannot describe a real line (zero radius, overlapping wires…). */
export class LineConstantsError extends LemsimError {
  constructor(
    /** What was being built when the problem was found, e.g. `conductor 3` or `CNData`. */
    readonly subject: string,
    readonly detail: string,
  ) {
    super(`${subject}: ${detail}`);
    this.name = 'LineConstantsError';
  }
}
