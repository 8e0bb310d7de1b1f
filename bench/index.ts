/** The registry of benchmarks: one line per benchmark module. */
import type { Benchmark } from './bench.js';
import { auction10k, auctionCliff, auctionDay } from './auction.js';
import { community10kHour, communityCs2Hour, communityDayAhead } from './community.js';
import { powerflowCostaRicaDay, powerflowDay } from './powerflow-day.js';
import { simPaper004Minute, simPaper004Second } from './simulation.js';
import { report100k } from './report.js';

export const benchmarks: readonly Benchmark[] = [
  auctionDay, auction10k, auctionCliff,
  communityCs2Hour, community10kHour, communityDayAhead,
  powerflowDay,
  powerflowCostaRicaDay,
  simPaper004Minute,
  simPaper004Second,
  report100k,
];
