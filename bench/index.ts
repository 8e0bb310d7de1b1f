/** The registry of benchmarks: one line per benchmark module. */
import type { Benchmark } from './bench.js';
import { auction10k, auctionCliff, auctionDay } from './auction.js';
import { auctionExplain10k, auctionExplainDay } from './explain.js';
import { community10kHour, communityCs2Hour, communityDayAhead, communityDayAheadCs2Batteries } from './community.js';
import { communityManagersCs2Day } from './community-managers.js';
import { powerflow8500Day, powerflow8500Snapshot } from './powerflow-8500.js';
import { powerflowControls123, powerflowControls8500 } from './powerflow-controls.js';
import { powerflowCostaRicaDay, powerflowDay } from './powerflow-day.js';
import { branchFlowsDay } from './branch-flows.js';
import { memRunPaper004Second, memTimeseries10k } from './memory.js';
import { sim10kAgents, sim2kAgents } from './sim-scale.js';
import { simPaper004Minute, simPaper004Second } from './simulation.js';
import { report100k } from './report.js';
import { sweep30 } from './sweep.js';
import { clouds10kForecast, simJ1FeederElements } from './feeder-elements.js';

export const benchmarks: readonly Benchmark[] = [
  auctionDay, auction10k, auctionCliff,
  auctionExplainDay, auctionExplain10k,
  communityCs2Hour, community10kHour, communityDayAhead, communityDayAheadCs2Batteries,
  communityManagersCs2Day,
  powerflowDay,
  powerflowCostaRicaDay,
  branchFlowsDay,
  powerflow8500Snapshot,
  powerflow8500Day,
  powerflowControls123,
  powerflowControls8500,
  simPaper004Minute,
  simPaper004Second,
  sim2kAgents,
  sim10kAgents,
  memRunPaper004Second,
  memTimeseries10k,
  report100k,
  sweep30,
  simJ1FeederElements,
  clouds10kForecast,
];
