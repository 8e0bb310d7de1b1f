/** A benchmark: a name and a function returning its figures (numbers, strings, flags). */
export interface Benchmark {
  readonly name: string;
  run(): Promise<Record<string, unknown>>;
}

/** Peak resident set size so far, in MB (process-wide). */
export function peakMb(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

/** Seconds elapsed since `start` (a `process.hrtime.bigint()` reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Median of a list of timings (the machine is shared: one slow run must not set the figure). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
