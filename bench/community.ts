/**
 * Benchmarks of the multi-community market (seed 000): one hour of the paper's Case Study 2 size
 * (272 agents, 5 communities), one hour of 10,000 agents in 100 communities, and a 24-hour
 * day-ahead of 272 agents. `ms` is the structured solver, `oracle_ms` the generic QP (HiGHS) on the
 * same instance; when HiGHS fails, `oracle_error` says how instead. Figures only, no assertions.
 */
import { clearDayAhead } from '../markets/community/day-ahead.js';
import { clearDayAheadQp, clearDayHourly } from '../markets/community/day.js';
import { clearCommunityFast } from '../markets/community/fast-solver.js';
import { dayAheadKktResiduals, type KktReport, kktResiduals } from '../markets/community/kkt.js';
import type { CommunityProblem } from '../markets/community/model.js';
import { clearCommunityQp } from '../markets/community/qp-oracle.js';
import { caseStudy2Like, syntheticDay, syntheticProblem } from '../markets/community/synthetic.js';
import { type Benchmark, median, peakMb } from './bench.js';

/** The oracle gets at most this long per instance (HiGHS `time_limit`); past it, `oracle_error`. */
const ORACLE_TIME_LIMIT_S = 30;

const maxResidual = (k: KktReport) => Math.max(k.primalKw, k.dualEurPerKwh, k.complementarityEurPerH);

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Median wall time of `f` over `runs` runs after `warmup` unmeasured ones, ms. */
async function timeMs(f: () => unknown, runs: number, warmup: number): Promise<number> {
  for (let k = 0; k < warmup; k++) await f();
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = process.hrtime.bigint();
    await f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

/** The oracle's time, or why it failed — the bench reports either, it never crashes on it. */
async function oracle(f: () => Promise<{ welfareEur: number | null }>): Promise<{ oracle_ms: number | null; oracle_welfare_eur?: number | null; oracle_error?: string }> {
  const t0 = process.hrtime.bigint();
  try {
    const r = await f();
    return { oracle_ms: round(Number(process.hrtime.bigint() - t0) / 1e6, 1), oracle_welfare_eur: r.welfareEur };
  } catch (err) {
    return { oracle_ms: null, oracle_error: (err as Error).message };
  }
}

async function hourBench(problem: CommunityProblem, runs: number): Promise<Record<string, unknown>> {
  const ms = await timeMs(() => clearCommunityFast(problem), runs, Math.max(3, runs >> 2));
  const r = clearCommunityFast(problem);
  await clearCommunityQp(caseStudy2Like(99)).catch(() => undefined); // load HiGHS outside the timing
  const o = await oracle(() => clearCommunityQp(problem, { timeLimitS: ORACLE_TIME_LIMIT_S }));
  return {
    agents: problem.agents.length,
    communities: problem.communities.length,
    ms: round(ms),
    ...o,
    welfare_eur: r.welfareEur,
    welfare_diff_eur: o.oracle_welfare_eur != null && r.welfareEur !== null ? Math.abs(o.oracle_welfare_eur - r.welfareEur) : null,
    kkt_max_residual: maxResidual(kktResiduals(problem, r)),
    peak_mb: peakMb(),
  };
}

export const communityCs2Hour: Benchmark = {
  name: 'community-cs2-hour',
  run: () => hourBench(caseStudy2Like(), 300),
};

export const community10kHour: Benchmark = {
  name: 'community-10k-hour',
  run: () => hourBench(syntheticProblem({ communities: 100, agents: 10_000, batteries: 200, seed: 10 }), 20),
};

export const communityDayAhead: Benchmark = {
  name: 'community-day-ahead',
  async run() {
    const day = syntheticDay(caseStudy2Like());
    const ms = await timeMs(() => clearDayAhead(day), 5, 2);
    const ahead = await clearDayAhead(day);
    const hourlyMs = await timeMs(() => clearDayHourly(day), 5, 2);
    const hourly = await clearDayHourly(day);
    const o = await oracle(() => clearDayAheadQp(day, { timeLimitS: ORACLE_TIME_LIMIT_S }));
    return {
      hours: day.hours.length,
      agents: day.hours[0].agents.length,
      ms: round(ms, 1),
      ...o,
      welfare_eur: ahead.welfareEur,
      welfare_diff_eur: o.oracle_welfare_eur != null && ahead.welfareEur !== null ? Math.abs(o.oracle_welfare_eur - ahead.welfareEur) : null,
      kkt_max_residual: maxResidual(dayAheadKktResiduals(day, ahead, ahead.energyValueEurPerKwh ?? [])),
      hourly_ms: round(hourlyMs, 1),
      hourly_welfare_eur: hourly.welfareEur,
      peak_mb: peakMb(),
    };
  },
};
