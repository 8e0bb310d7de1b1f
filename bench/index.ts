/** The registry of benchmarks: one line per benchmark module. */
import type { Benchmark } from './bench.js';
import { auction10k, auctionDay } from './auction.js';
import { community10kHour, communityCs2Hour, communityDayAhead, communityDayAheadCs2Batteries } from './community.js';
import { powerflowControls123, powerflowControls8500 } from './powerflow-controls.js';
import { powerflowCostaRicaDay, powerflowDay } from './powerflow-day.js';
import { memRunPaper004Second, memTimeseries10k } from './memory.js';
import { sim10kAgents, sim2kAgents } from './sim-scale.js';
import { simPaper004Minute, simPaper004Second } from './simulation.js';

export const benchmarks: readonly Benchmark[] = [
  auctionDay, auction10k,
  communityCs2Hour, community10kHour, communityDayAhead, communityDayAheadCs2Batteries,
  powerflowDay,
  powerflowCostaRicaDay,
  powerflowControls123,
  powerflowControls8500,
  simPaper004Minute,
  simPaper004Second,
  sim2kAgents,
  sim10kAgents,
  memRunPaper004Second,
  memTimeseries10k,
];
