/** The registry of CLI sub-commands: one line per command. */
import type { CliCommand } from '../command.js';

export const commands: readonly CliCommand[] = [
];
