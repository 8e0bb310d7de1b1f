/** The registry of benchmarks: one line per benchmark module. */
import type { Benchmark } from './bench.js';
import { powerflowDay } from './powerflow-day.js';

export const benchmarks: readonly Benchmark[] = [
  powerflowDay,
];
