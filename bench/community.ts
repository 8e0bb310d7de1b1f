/**
 * Benchmarks of the multi-community market (seed 000): one hour of the paper's Case Study 2 size
 * (272 agents, 5 communities), one hour of 10,000 agents in 100 communities, and a 24-hour
 * day-ahead of 272 agents. `ms` is the structured solver, `oracle_ms` the generic QP (HiGHS) on the
 * same instance; when HiGHS fails, `oracle_error` says how instead. Figures only, no assertions.
 */
import { clearDayAhead, clearDayAheadWith } from '../markets/community/day-ahead.js';
import { clearDayAheadQp, clearDayHourly } from '../markets/community/day.js';
import { clearCommunityFast } from '../markets/community/fast-solver.js';
import { dayAheadKktResiduals, type KktReport, kktResiduals } from '../markets/community/kkt.js';
import { loadHighs } from '../markets/solvers/highs.js';
import { standardBatteryUnits } from '../markets/community/battery.js';
import type { CommunityAgent, CommunityDay, CommunityProblem } from '../markets/community/model.js';
import { clearCommunityQp } from '../markets/community/qp-oracle.js';
import { caseStudy2Like, seededRandom, syntheticDay, syntheticProblem } from '../markets/community/synthetic.js';
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

/**
 * A day shaped like paper 000's Case Study 2 after its first reinforcement (what `lemsim run
 * scenarios/paper000-cs2.yaml` clears in iteration 1): 92 inelastic loads with 2 kW of PV each
 * (quadratic cost a = 0.01, b = 0.02) in 5 communities, and `batteries` Standard Battery Units
 * (wear 0.001, stored energy worth 0, ending the day at their starting soc: `terminal_soc:
 * initial`) spread over four communities as the violating buses are (68, 18, 19, 10 of 115 there).
 * Synthetic (seeded loads and a solar bell): the bench must not read /work/shared.
 */
export function caseStudy2BatteryDay(batteries = 115, seed = 3): CommunityDay {
  const rnd = seededRandom(seed);
  const communities = Array.from({ length: 5 }, (_, k) => ({ id: `c${k + 1}` }));
  const loads = Array.from({ length: 92 }, () => 0.3 + 2.5 * rnd() * rnd());
  const share = [68, 18, 19, 10, 0];
  const batteryCommunity = (k: number) => {
    let r = (k * 115) / batteries;
    for (let c = 0; c < 5; c++) if ((r -= share[c]) < 0) return c;
    return 0;
  };
  const hours = Array.from({ length: 24 }, (_, t) => {
    const sun = Math.max(0, Math.sin(((t - 6) / 12) * Math.PI));
    const demand = 0.5 + 0.4 * Math.exp(-((t - 8) ** 2) / 4) + 0.9 * Math.exp(-((t - 19) ** 2) / 6);
    const agents: CommunityAgent[] = [];
    loads.forEach((kw, k) => {
      const community = communities[Math.floor((k * 5) / 92)].id;
      const d = kw * demand;
      agents.push({ kind: 'consumer', id: `load${k}`, community, pMinKw: d, pMaxKw: d, aEurPerKwhPerKw: 0, bEurPerKwh: 0.1 });
      agents.push({ kind: 'producer', id: `pv${k}`, community, pMinKw: 0, pMaxKw: 2 * 0.8 * sun, aEurPerKwhPerKw: 0.01, bEurPerKwh: 0.02 });
    });
    for (let k = 0; k < batteries; k++) {
      agents.push({ kind: 'battery', id: `bat${k}`, community: communities[batteryCommunity(k)].id, ...standardBatteryUnits(1), aEurPerKwhPerKw: 0.001, valueEurPerKwh: 0, ...(t === 23 ? { terminalSocMin: 0.5 } : {}) });
    }
    return { periodHours: 1, grid: { importPriceEurPerKwh: 0.1, exportPriceEurPerKwh: 0.05 }, interCommunityFeeEurPerKwh: 0.01, communities, agents };
  });
  return { hours };
}

/**
 * The day-ahead market of `caseStudy2BatteryDay`, with batteries pooled into banks (`ms`, today's
 * path) and one battery per battery in the QP (`unpooled_ms`, the path before: ~420 s on the real
 * CS2 day of iteration 1), on the same instance in the same run, and both certified.
 */
export const communityDayAheadCs2Batteries: Benchmark = {
  name: 'community-day-ahead-cs2-batteries',
  async run() {
    const day = caseStudy2BatteryDay();
    const highs = await loadHighs();
    const ms = await timeMs(() => clearDayAheadWith(highs, day), 3, 1);
    const pooled = clearDayAheadWith(highs, day);
    const t0 = process.hrtime.bigint();
    const unpooled = clearDayAheadWith(highs, day, { poolBatteries: false });
    const unpooledMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const o = await oracle(() => clearDayAheadQp(day, { timeLimitS: 600 }));
    return {
      hours: day.hours.length,
      agents: day.hours[0].agents.length,
      batteries: day.hours[0].agents.filter((a) => a.kind === 'battery').length,
      ms: round(ms, 1),
      unpooled_ms: round(unpooledMs, 1),
      speedup: round(unpooledMs / ms, 1),
      ...o,
      welfare_eur: pooled.welfareEur,
      unpooled_welfare_eur: unpooled.welfareEur,
      welfare_diff_eur: o.oracle_welfare_eur != null && pooled.welfareEur !== null ? Math.abs(o.oracle_welfare_eur - pooled.welfareEur) : null,
      kkt_max_residual: maxResidual(dayAheadKktResiduals(day, pooled, pooled.energyValueEurPerKwh ?? [])),
      unpooled_kkt_max_residual: maxResidual(dayAheadKktResiduals(day, unpooled, unpooled.energyValueEurPerKwh ?? [])),
      peak_mb: peakMb(),
    };
  },
};
