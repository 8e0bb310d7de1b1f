/** The registry of CLI sub-commands: one line per command. */
import type { CliCommand } from '../command.js';
import { clearAuctionCommand } from './clear-auction.js';
import { clearCommunityCommand } from './clear-community.js';
import { compareCommand } from './compare.js';
import { debugCommand } from './debug.js';
import { describeCommand } from './describe.js';
import { inspectCommand } from './inspect.js';
import { powerflowCommand } from './powerflow.js';
import { runCommand } from './run.js';
import { sweepCommand } from './sweep.js';
import { timeseriesCommand } from './timeseries.js';
import { workerCommand } from './worker.js';

export const commands: readonly CliCommand[] = [
  clearAuctionCommand,
  clearCommunityCommand,
  powerflowCommand,
  timeseriesCommand,
  describeCommand,
  runCommand,
  debugCommand,
  compareCommand,
  inspectCommand,
  sweepCommand,
  workerCommand,
];
