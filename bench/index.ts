/** The registry of benchmarks: one line per benchmark module. */
import type { Benchmark } from './bench.js';

export const benchmarks: readonly Benchmark[] = [
];
