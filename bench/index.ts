/** The registry of benchmarks: one line per benchmark module. */
import type { Benchmark } from './bench.js';
import { auction10k, auctionDay } from './auction.js';
import { community10kHour, communityCs2Hour, communityDayAhead } from './community.js';
import { powerflowCostaRicaDay, powerflowDay } from './powerflow-day.js';
import { memRunPaper004Second, memTimeseries10k } from './memory.js';
import { sim10kAgents, sim2kAgents } from './sim-scale.js';
import { simPaper004Minute, simPaper004Second } from './simulation.js';
import { sweep30 } from './sweep.js';

export const benchmarks: readonly Benchmark[] = [
  auctionDay, auction10k,
  communityCs2Hour, community10kHour, communityDayAhead,
  powerflowDay,
  powerflowCostaRicaDay,
  simPaper004Minute,
  simPaper004Second,
  sim2kAgents,
  sim10kAgents,
  memRunPaper004Second,
  memTimeseries10k,
  sweep30,
];
