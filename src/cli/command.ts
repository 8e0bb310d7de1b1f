/**
 * A CLI command is one file under src/cli/commands/ plus one line in its index: it declares its
 * arguments on a commander `Command` and runs with the CLI's io.
 */
import type { Command } from 'commander';
import type { CliIo } from './io.js';

export interface CliCommand {
  /** Adds the sub-command to `program`; its action must call `run` with the parsed arguments. */
  register(program: Command, io: CliIo): void;
}

/** Parses a numeric option, failing with a message that names the flag. */
export function parseNumberOption(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new InvalidOptionValue(`${flag} expects a number, got '${value}'`);
  }
  return n;
}

/** Checks a convergence tolerance against TOLERANCE_RANGE_PU, naming `field` in the message. */
export function checkTolerance(field: string, tolerance: number): void {
  if (!(tolerance >= TOLERANCE_RANGE_PU.min && tolerance <= TOLERANCE_RANGE_PU.max)) {
    throw new InvalidOptionValue(`${field} must be between ${TOLERANCE_RANGE_PU.min} and ${TOLERANCE_RANGE_PU.max} pu (looser is no power flow, tighter never converges), got ${tolerance}`);
  }
}

import { TOLERANCE_RANGE_PU } from '../limits.js';
import { UsageError } from '../errors.js';
class InvalidOptionValue extends UsageError {}
