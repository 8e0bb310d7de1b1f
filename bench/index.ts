/** The registry of benchmarks: one line per benchmark module. */
import type { Benchmark } from './bench.js';
import { auction10k, auctionDay } from './auction.js';
import { powerflowCostaRicaDay, powerflowDay } from './powerflow-day.js';

export const benchmarks: readonly Benchmark[] = [
  auctionDay, auction10k,
  powerflowDay,
  powerflowCostaRicaDay,
];
