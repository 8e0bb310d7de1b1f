/**
 * auction-day and auction-10k: the block auction of seed 004 on synthetic books (markets/auction/
 * synthetic-book.ts). Targets (issue 4): 55 peers × 288 five-minute periods ≤ 0.2 s; one period of
 * 10,000 peers × 6 blocks ≤ 0.5 s; memory flat across periods. `ms` is the default path (exact merit
 * order, HiGHS only where it cannot prove the optimum); `highs_ms` and `lp_solver_ms` solve every period
 * as a MILP with that backend — the comparison is part of the result. Figures only, no assertions.
 */
import { type ClearingConfig, type ClearingResult, clear } from '../markets/auction/clearing.js';
import type { AuctionBook } from '../markets/auction/orders.js';
import { syntheticDay, syntheticLargePeriod, syntheticUnevenPeriod } from '../markets/auction/synthetic-book.js';
import { loadMilpSolver } from '../markets/solvers/milp.js';
import { type Benchmark, peakMb, secondsSince } from './bench.js';

/** Per-period wall-clock limit for javascript-lp-solver: its branch and bound can run for minutes. */
const LP_SOLVER_LIMIT_S = 5;

function timed(book: AuctionBook, config: ClearingConfig, repeats: number): { ms: number; result: ClearingResult } {
  let best = Infinity;
  let result: ClearingResult | undefined;
  for (let i = 0; i < repeats; i++) {
    const t = process.hrtime.bigint();
    result = clear(book, config);
    best = Math.min(best, secondsSince(t) * 1000);
  }
  return { ms: Math.round(best * 10) / 10, result: result! };
}

function summary(r: ClearingResult): { welfare_eur: number; failed: number; first_failure: string | undefined } {
  const failed = r.periods.filter((p) => p.status === 'solver_failed');
  return { welfare_eur: Math.round(r.welfareEur * 1e6) / 1e6, failed: failed.length, first_failure: failed[0]?.detail };
}

async function compare(book: AuctionBook, repeats: number): Promise<Record<string, unknown>> {
  const highs = await loadMilpSolver('highs');
  const lpSolver = await loadMilpSolver('lp-solver');
  const blocks = book.periods.reduce((n, p) => n + p.supply.length + p.demand.length, 0);
  // warm-up: JIT and the HiGHS WebAssembly instance
  clear(book, { pricing: 'midpoint', solver: highs });
  const heapBeforeMb = process.memoryUsage().heapUsed / 2 ** 20;
  const s = timed(book, { pricing: 'midpoint', solver: highs }, repeats);
  const heapAfterMb = process.memoryUsage().heapUsed / 2 ** 20;
  const u = timed(book, { pricing: 'uniform', solver: highs }, repeats);
  const h = timed(book, { pricing: 'midpoint', solver: highs, method: 'milp' }, 1);
  const l = timed(book, { pricing: 'midpoint', solver: lpSolver, method: 'milp', timeLimitS: LP_SOLVER_LIMIT_S }, 1);
  return {
    periods: book.periods.length,
    blocks,
    ms: s.ms,
    uniform_ms: u.ms,
    highs_ms: h.ms,
    lp_solver_ms: l.ms,
    structured_periods: s.result.periods.filter((p) => p.method === 'structured').length,
    welfare_eur: summary(s.result).welfare_eur,
    failed: summary(s.result).failed,
    highs_welfare_eur: summary(h.result).welfare_eur,
    highs_failed: summary(h.result).failed,
    lp_solver_welfare_eur: summary(l.result).welfare_eur,
    lp_solver_failed: summary(l.result).failed,
    ...(summary(l.result).first_failure ? { lp_solver_failure: summary(l.result).first_failure } : {}),
    lp_solver_limit_s: LP_SOLVER_LIMIT_S,
    uniform_welfare_eur: summary(u.result).welfare_eur,
    uniform_iterations: u.result.periods.reduce((n, p) => n + p.iterations, 0),
    heap_growth_mb: Math.round((heapAfterMb - heapBeforeMb) * 10) / 10,
    peak_mb: peakMb(),
  };
}

export const auctionDay: Benchmark = {
  name: 'auction-day',
  run: () => compare(syntheticDay(55, 288), 5),
};

export const auction10k: Benchmark = {
  name: 'auction-10k',
  run: () => compare(syntheticLargePeriod(10_000, 6), 3),
};

/**
 * auction-cliff (issue 11): one period of 20k, 40k and 60k blocks of uneven sizes with a ±10 kW grid
 * (syntheticUnevenPeriod), cleared on the default path — structured search, MILP fallback bounded to
 * DEFAULT_MILP_MAX_BLOCKS — with the optimality gap it proves; and, for the anchor, HiGHS forced on
 * the 20k book (method milp) under a 60 s limit, which is where the cliff was.
 */
export const auctionCliff: Benchmark = {
  name: 'auction-cliff',
  async run() {
    const highs = await loadMilpSolver('highs');
    const figures: Record<string, unknown> = {};
    for (const orders of [20_000, 40_000, 60_000]) {
      const book = syntheticUnevenPeriod(orders);
      const { ms, result } = timed(book, { pricing: 'midpoint', solver: highs }, 1);
      const p = result.periods[0];
      figures[`ms_${orders / 1000}k`] = ms;
      figures[`gap_${orders / 1000}k`] = p.optimalityGap;
      figures[`method_${orders / 1000}k`] = p.method;
    }
    const forced = timed(syntheticUnevenPeriod(20_000), { pricing: 'midpoint', solver: highs, method: 'milp', timeLimitS: 60 }, 1);
    figures.highs_only_ms_20k = forced.ms;
    figures.highs_only_status_20k = forced.result.periods[0].status;
    figures.highs_only_welfare_eur_20k = forced.result.periods[0].welfareEur;
    figures.default_welfare_eur_20k = timed(syntheticUnevenPeriod(20_000), { pricing: 'midpoint', solver: highs }, 1).result.periods[0].welfareEur;
    figures.peak_mb = peakMb();
    return figures;
  },
};
