/**
 * The block auction of seed 004 as a pure function (DESIGN rule 4): `clear(book, config)` returns a
 * `ClearingResult` and touches nothing else. Periods are independent — each is validated, put in merit
 * order, solved for maximum welfare (seed 004, Eqs. (1)–(2); the per-peer limits of Eqs. (3)–(4) are
 * built into the blocks by the offer helpers, whose blocks of one peer never add up past q_MAX), priced
 * by the chosen rule and checked, so a caller may shard periods across workers with `clearPeriod`.
 *
 * Solution method per period: the exact structured path (`merit-order.ts`: merit order, imbalance DP,
 * branch and bound) first; only when it cannot prove the optimum within its limits, the MILP backend in
 * `config.solver` (HiGHS by default in the CLI).
 * `method: 'milp'` skips the structured path, which tests and the benchmark use to compare backends.
 * A backend that fails or returns a selection breaking the grid limits makes the period
 * `solver_failed` with nothing accepted — a status, never NaN, and never a crash of the other periods.
 *
 * After pricing, market balance and individual rationality are checked at run time (DESIGN rule 9):
 * balance always, individual rationality as the rule promises it — always for `uniform` (a violation
 * is a bug and throws), and for `midpoint` reported as the status `paradoxically_accepted`.
 */
import { type AuctionBook, type GridTerms, type PeriodBook, validateBook } from './orders.js';
import { type Acceptance, type Flows, type PreparedPeriod, flowsOf, periodMilp, preparePeriod, withinGridLimits } from './period-model.js';
import { DEFAULT_MAX_NODES, solveStructured } from './merit-order.js';
import { reducedCostFixing } from './core-dp.js';
import { localSearchIncumbent } from './local-search.js';
import { PRICE_TOL, type PricingRule, midpointPrice, paradoxical, supportingRange, uniformPrice } from './pricing.js';
import type { MilpSolver, MilpSolverName } from '../solvers/milp.js';
import { InvariantError, assertMarketBalance, individualRationalityViolations } from '../invariants.js';

export interface ClearingConfig {
  readonly pricing: PricingRule;
  /** MILP backend for periods the structured path cannot prove (and for `method: 'milp'`). */
  readonly solver?: MilpSolver;
  /** `structured` (default): the exact structured path, MILP only as fallback. `milp`: always the backend. */
  readonly method?: 'structured' | 'milp';
  /** Node limit of the structured branch and bound. */
  readonly maxNodes?: number;
  /** Wall-clock limit per MILP solve, seconds (off by default: a wall-clock limit makes results depend on the machine). */
  readonly timeLimitS?: number;
  /**
   * Largest period (free blocks) handed to the MILP fallback; above it an unproven period keeps the
   * structured incumbent and reports its optimality gap. Default `DEFAULT_MILP_MAX_BLOCKS`.
   */
  readonly milpMaxBlocks?: number;
}

/**
 * Default `milpMaxBlocks`. HiGHS handles the period's single dense balance row poorly: on books of
 * random block sizes (bench auction-cliff) it took 3–17 s from 1,000 to 4,000 blocks, 50–75 s at
 * 20,000 and over 100 s at 60,000, with little relation between size and time. Up to this size the
 * fallback proves the optimum in seconds; above it the structured incumbent and its proven gap are
 * the answer, in bounded, deterministic time.
 */
export const DEFAULT_MILP_MAX_BLOCKS = 5000;

/** A relative gap this small counts as proven (HiGHS's own `mip_rel_gap` here). */
export const PROVEN_REL_GAP = 1e-9;

/**
 * `cleared`: welfare-optimal selection (for `uniform`: when the optimum admits no price, the best
 * priceable selection of the candidate-price search) with every accepted block in the money at the price.
 * `paradoxically_accepted`: `midpoint` only — the welfare optimum keeps a block the price puts out of the
 * money. `solver_failed`: no proven solution; nothing accepted; `detail` says why.
 */
export type PeriodStatus = 'cleared' | 'paradoxically_accepted' | 'solver_failed';

/** What solved the period's welfare problem. */
export type SolveMethod = 'structured' | MilpSolverName;

export interface PeriodResult {
  readonly id: string;
  readonly status: PeriodStatus;
  /** Welfare of the accepted selection over the period (seed 004, Eq. (1) plus grid terms), EUR. */
  readonly welfareEur: number;
  /** Welfare of the unrestricted optimum, EUR; above `welfareEur` when `uniform` had to give it up. */
  readonly welfareOptimumEur: number;
  /** Price for peer blocks, EUR/kWh; null when nothing is traded. */
  readonly priceEurPerKwh: number | null;
  /** Power bought from the upstream grid over the period, kW (≥ 0). */
  readonly importKw: number;
  /** Power sold to the upstream grid over the period, kW (≥ 0). */
  readonly exportKw: number;
  /** Order ids, in book order. */
  readonly acceptedSupply: readonly string[];
  readonly acceptedDemand: readonly string[];
  /** Rejected blocks in the money at the price (supply ids, then demand ids, in book order). */
  readonly paradoxicallyRejected: readonly string[];
  /** Accepted blocks out of the money at the price (only ever non-empty under `midpoint`). */
  readonly paradoxicallyAccepted: readonly string[];
  readonly method: SolveMethod;
  /** Welfare solves of the period (more than one when `uniform` had to search for a priceable selection). */
  readonly iterations: number;
  /**
   * Proven upper bound on the welfare optimum, EUR (the merit-order LP relaxation, or the optimum
   * itself when proven). `welfareOptimumEur` is the best selection found, never above it.
   */
  readonly welfareBoundEur: number;
  /**
   * Relative optimality gap of the welfare problem: (bound − best found) / |bound|, 0 when the optimum
   * is proven (to `PROVEN_REL_GAP`). Non-zero only when the structured search and the MILP fallback
   * could not close it within their bounds; `detail` then says why.
   */
  readonly optimalityGap: number;
  readonly detail?: string;
}

export interface ClearingResult {
  readonly periods: readonly PeriodResult[];
  /** Σ period welfare, EUR. */
  readonly welfareEur: number;
  /** Largest `optimalityGap` of any period (0 when every period is proven optimal). */
  readonly maxOptimalityGap: number;
}

type WelfareSolve =
  | { readonly ok: true; readonly acceptance: Acceptance; readonly flows: Flows; readonly method: SolveMethod; readonly boundEurPerH: number; readonly detail?: string }
  | { readonly ok: false; readonly detail: string; readonly method: SolveMethod };

/**
 * Effort for the candidate solves of the `uniform` search: cheap and without MILP. The search is a
 * heuristic (as EUPHEMIA's is), so a candidate's best feasible selection counts even when unproven.
 */
const CANDIDATE_BUDGET = { maxNodes: 200, coreDpMaxWork: 2e6, fallback: false, acceptUnproven: true } as const;

function solveWelfare(
  p: PreparedPeriod,
  excluded: Acceptance,
  config: ClearingConfig,
  budget: { maxNodes?: number; coreDpMaxWork?: number; fallback?: boolean; acceptUnproven?: boolean } = {},
): WelfareSolve {
  let unproven = '';
  let milpExcluded = excluded;
  let milpForced: Acceptance | undefined;
  let incumbent: { acceptance: Acceptance; flows: Flows; boundEurPerH: number } | undefined;
  if (config.method !== 'milp' || budget.fallback === false) {
    const blocks = p.demand.kw.length + p.supply.kw.length;
    // the branch and bound's work is nodes × blocks: cap it for large books (the gap is reported)
    const maxNodes = Math.min(budget.maxNodes ?? config.maxNodes ?? DEFAULT_MAX_NODES, Math.max(50, Math.ceil(MAX_BNB_WORK / Math.max(1, blocks))));
    const s = solveStructured(p, excluded, { maxNodes, coreDpMaxWork: budget.coreDpMaxWork });
    if (s.proven) {
      const flows = flowsOf(p, s.acceptance);
      return { ok: true, acceptance: s.acceptance, flows, method: 'structured', boundEurPerH: flows.welfareEurPerH };
    }
    let best = { acceptance: s.acceptance, flows: flowsOf(p, s.acceptance) };
    if (s.lambdaEurPerKwh !== undefined) {
      const ls = localSearchIncumbent(p, excluded, s.lambdaEurPerKwh);
      const f = flowsOf(p, ls);
      if (withinGridLimits(p.grid, f) && f.welfareEurPerH > best.flows.welfareEurPerH) best = { acceptance: ls, flows: f };
    }
    incumbent = { ...best, boundEurPerH: Math.max(s.boundEurPerH, best.flows.welfareEurPerH) };
    const gap = incumbent.boundEurPerH - best.flows.welfareEurPerH;
    if (budget.acceptUnproven || gap <= PROVEN_REL_GAP * Math.max(1, Math.abs(incumbent.boundEurPerH))) {
      return { ok: true, ...best, method: 'structured', boundEurPerH: gap <= PROVEN_REL_GAP * Math.max(1, Math.abs(incumbent.boundEurPerH)) ? best.flows.welfareEurPerH : incumbent.boundEurPerH };
    }
    unproven = `structured search stopped at ${s.nodes} nodes`;
    const limit = config.milpMaxBlocks ?? DEFAULT_MILP_MAX_BLOCKS;
    if (budget.fallback !== false && config.solver && blocks > limit) {
      return { ok: true, ...best, method: 'structured', boundEurPerH: incumbent.boundEurPerH, detail: `${unproven}; ${blocks} blocks exceed the MILP fallback's ${limit}: best selection found, gap reported` };
    }
    if (s.lambdaEurPerKwh !== undefined) {
      // the MILP only needs the blocks whose reduced surplus is within the gap of the incumbent
      const fixing = reducedCostFixing(p, excluded, s.lambdaEurPerKwh, flowsOf(p, s.acceptance).welfareEurPerH);
      if (fixing) {
        milpExcluded = {
          demand: excluded.demand.map((x, k) => x | fixing.fixedOut.demand[k]),
          supply: excluded.supply.map((x, k) => x | fixing.fixedOut.supply[k]),
        };
        milpForced = fixing.fixedIn;
      }
    }
  }
  // an unproven incumbent is still the answer when the MILP cannot do better
  const keep = (why: string): WelfareSolve =>
    incumbent ? { ok: true, acceptance: incumbent.acceptance, flows: incumbent.flows, method: 'structured', boundEurPerH: incumbent.boundEurPerH, detail: why } : { ok: false, detail: why, method: config.solver?.name ?? 'structured' };
  if (budget.fallback === false) return keep(unproven);
  const solver = config.solver;
  if (!solver) return keep(`${unproven || 'method milp'}; no MILP solver configured`);
  const { model, demandVar, supplyVar } = periodMilp(p, milpExcluded, `auction period '${p.book.id}'`, milpForced);
  const sol = solver.solve(model, config.timeLimitS !== undefined ? { timeLimitS: config.timeLimitS } : {});
  if (sol.status !== 'optimal') return incumbent ? keep(`${unproven}; MILP fallback: ${sol.detail}`) : { ok: false, detail: sol.detail, method: solver.name };
  const acceptance: Acceptance = { demand: new Uint8Array(demandVar.length), supply: new Uint8Array(supplyVar.length) };
  // binaries come back within the integrality tolerance of 0 or 1
  for (let k = 0; k < demandVar.length; k++) {
    if (milpForced?.demand[k] || (demandVar[k] >= 0 && sol.values[demandVar[k]] > 0.5)) acceptance.demand[k] = 1;
  }
  for (let k = 0; k < supplyVar.length; k++) {
    if (milpForced?.supply[k] || (supplyVar[k] >= 0 && sol.values[supplyVar[k]] > 0.5)) acceptance.supply[k] = 1;
  }
  const flows = flowsOf(p, acceptance);
  if (!withinGridLimits(p.grid, flows)) {
    const why = `${solver.name} returned a selection needing ${flows.importKw} kW import / ${flows.exportKw} kW export, beyond the grid limits`;
    return incumbent ? keep(`${unproven}; ${why}`) : { ok: false, detail: why, method: solver.name };
  }
  if (incumbent && incumbent.flows.welfareEurPerH > flows.welfareEurPerH) return keep(`${unproven}; the MILP's optimum is below the incumbent`);
  return { ok: true, acceptance, flows, method: solver.name, boundEurPerH: flows.welfareEurPerH };
}

/** Work cap of the structured branch and bound, node visits × blocks (2000 nodes at 2,000 blocks). */
const MAX_BNB_WORK = 4e6;

/** Ids of flagged merit-order positions, in book order. */
function idsInBookOrder(p: PreparedPeriod, side: 'demand' | 'supply', flags: Uint8Array): string[] {
  const ps = p[side];
  const bookIdx: number[] = [];
  for (let k = 0; k < flags.length; k++) if (flags[k]) bookIdx.push(ps.order[k]);
  bookIdx.sort((x, y) => x - y);
  const orders = p.book[side];
  return bookIdx.map((i) => orders[i].id);
}

/**
 * Clears one period (already validated). Pure; independent of every other period.
 *
 * @param periodHours period length in hours: welfare rates in EUR/h become EUR.
 */
export function clearPeriod(book: PeriodBook, grid: GridTerms, periodHours: number, config: ClearingConfig): PeriodResult {
  const p = preparePeriod(book, grid);
  const none: Acceptance = { demand: new Uint8Array(book.demand.length), supply: new Uint8Array(book.supply.length) };
  const failed = (w: { detail: string; method: SolveMethod }, iterations: number): PeriodResult => ({
    id: book.id, status: 'solver_failed', welfareEur: 0, welfareOptimumEur: 0, priceEurPerKwh: null, importKw: 0, exportKw: 0,
    acceptedSupply: [], acceptedDemand: [], paradoxicallyRejected: [], paradoxicallyAccepted: [], method: w.method, iterations,
    welfareBoundEur: 0, optimalityGap: 0, detail: w.detail,
  });
  const w = solveWelfare(p, none, config);
  if (!w.ok) return failed(w, 1);
  const optimumEurPerH = w.flows.welfareEurPerH;
  const optimality: Optimality = { boundEurPerH: w.boundEurPerH, detail: w.detail };
  if (config.pricing === 'midpoint') {
    return finish(p, book, w.acceptance, w.flows, midpointPrice(p, w.acceptance, w.flows), periodHours, optimumEurPerH, w.method, 1, 'midpoint', optimality);
  }
  const range = supportingRange(p, w.acceptance, w.flows);
  if (range.lo <= range.hi + PRICE_TOL) {
    return finish(p, book, w.acceptance, w.flows, uniformPrice(p, w.acceptance, w.flows, range), periodHours, optimumEurPerH, w.method, 1, 'uniform', optimality);
  }
  // No price supports the welfare optimum. EUPHEMIA searches on with the paradoxical combination
  // excluded; here the search is over candidate prices π near the optimum's marginal price: at each,
  // only blocks in the money at π may be accepted and the grid only on its in-the-money side, and the
  // welfare problem is re-solved exactly on that restricted book. The best priceable selection wins
  // (the empty selection, worth zero, always is). Blocks it leaves in the money are reported as
  // paradoxically rejected.
  let best: { acceptance: Acceptance; flows: Flows; method: SolveMethod } = { acceptance: none, flows: flowsOf(p, none), method: w.method };
  let iterations = 1;
  for (const price of candidatePrices(p, w.acceptance, w.flows)) {
    const restricted: PreparedPeriod = {
      ...p,
      grid: {
        ...grid,
        maxImportKw: price >= grid.importPriceEurPerKwh ? grid.maxImportKw : 0,
        maxExportKw: price <= grid.exportPriceEurPerKwh ? grid.maxExportKw : 0,
      },
    };
    const out: Acceptance = { demand: new Uint8Array(book.demand.length), supply: new Uint8Array(book.supply.length) };
    for (let k = 0; k < out.demand.length; k++) out.demand[k] = p.demand.priceEurPerKwh[k] < price ? 1 : 0;
    for (let k = 0; k < out.supply.length; k++) out.supply[k] = p.supply.priceEurPerKwh[k] > price ? 1 : 0;
    iterations++;
    const c = solveWelfare(restricted, out, config, config.method === 'milp' ? {} : CANDIDATE_BUDGET);
    if (!c.ok) continue;
    const r = supportingRange(p, c.acceptance, c.flows);
    if (r.lo > r.hi + PRICE_TOL) continue; // e.g. above the import price without importing at the limit
    if (c.flows.welfareEurPerH > best.flows.welfareEurPerH + 1e-12) best = c;
  }
  const r = supportingRange(p, best.acceptance, best.flows);
  return finish(p, book, best.acceptance, best.flows, uniformPrice(p, best.acceptance, best.flows, r), periodHours, optimumEurPerH, best.method, iterations, 'uniform', optimality);
}

/** How close the period's welfare solve came to a proven optimum. */
interface Optimality {
  /** proven upper bound on the welfare optimum, EUR/h */
  readonly boundEurPerH: number;
  readonly detail?: string;
}

/** How many distinct block prices on each side of the optimum's marginal price `uniform` tries. */
export const UNIFORM_CANDIDATES_PER_SIDE = 8;

/**
 * Candidate uniform prices, in ascending order: the grid prices and the distinct block prices nearest
 * the midpoint of the welfare optimum (where a supporting price would have been).
 */
function candidatePrices(p: PreparedPeriod, a: Acceptance, f: Flows): number[] {
  const centre = midpointPrice(p, a, f) ?? (p.grid.importPriceEurPerKwh + p.grid.exportPriceEurPerKwh) / 2;
  const all = [...new Set([...p.demand.priceEurPerKwh, ...p.supply.priceEurPerKwh])].sort((x, y) => x - y);
  let at = 0;
  while (at < all.length && all[at] < centre) at++;
  const near = all.slice(Math.max(0, at - UNIFORM_CANDIDATES_PER_SIDE), at + UNIFORM_CANDIDATES_PER_SIDE);
  return [...new Set([...near, p.grid.exportPriceEurPerKwh, p.grid.importPriceEurPerKwh])].sort((x, y) => x - y);
}

function finish(
  p: PreparedPeriod, book: PeriodBook, a: Acceptance, f: Flows, price: number | null,
  periodHours: number, optimumEurPerH: number, method: SolveMethod, iterations: number, rule: PricingRule, optimality: Optimality,
): PeriodResult {
  // DESIGN rule 9: balance (Eq. (2) with the grid) always holds
  assertMarketBalance(`auction period '${book.id}'`, [f.supplyKw, f.importKw], [f.demandKw, f.exportKw]);
  let paradoxicallyAccepted: string[] = [];
  let paradoxicallyRejected: string[] = [];
  if (price !== null) {
    const par = paradoxical(p, a, price);
    paradoxicallyAccepted = [...idsInBookOrder(p, 'supply', par.accepted.supply), ...idsInBookOrder(p, 'demand', par.accepted.demand)];
    paradoxicallyRejected = [...idsInBookOrder(p, 'supply', par.rejected.supply), ...idsInBookOrder(p, 'demand', par.rejected.demand)];
    // DESIGN rule 9: individual rationality, checked independently of the pricing code
    const accepted: { id: string; side: 'sell' | 'buy'; limitEurPerKwh: number }[] = [];
    for (let k = 0; k < a.supply.length; k++) if (a.supply[k]) accepted.push({ id: p.supply.ids[k], side: 'sell', limitEurPerKwh: p.supply.priceEurPerKwh[k] });
    for (let k = 0; k < a.demand.length; k++) if (a.demand[k]) accepted.push({ id: p.demand.ids[k], side: 'buy', limitEurPerKwh: p.demand.priceEurPerKwh[k] });
    const violations = individualRationalityViolations(accepted, price, PRICE_TOL);
    if (violations.length !== paradoxicallyAccepted.length) {
      throw new InvariantError(`auction period '${book.id}': individual-rationality check disagrees with the pricing (${violations.join(', ')})`);
    }
    if (rule === 'uniform' && violations.length > 0) {
      throw new InvariantError(`auction period '${book.id}': uniform price ${price} leaves ${violations.join(', ')} out of the money`);
    }
  }
  const result: PeriodResult = {
    id: book.id,
    status: paradoxicallyAccepted.length > 0 ? 'paradoxically_accepted' : 'cleared',
    welfareEur: f.welfareEurPerH * periodHours,
    welfareOptimumEur: optimumEurPerH * periodHours,
    priceEurPerKwh: price,
    importKw: f.importKw,
    exportKw: f.exportKw,
    acceptedSupply: idsInBookOrder(p, 'supply', a.supply),
    acceptedDemand: idsInBookOrder(p, 'demand', a.demand),
    paradoxicallyRejected,
    paradoxicallyAccepted,
    method,
    iterations,
    welfareBoundEur: optimality.boundEurPerH * periodHours,
    optimalityGap: relativeGap(optimality.boundEurPerH, optimumEurPerH),
    ...(optimality.detail !== undefined ? { detail: optimality.detail } : {}),
  };
  const inBook = (side: 'supply' | 'demand'): Uint8Array => {
    const f = new Uint8Array(book[side].length);
    const merit = a[side];
    for (let k = 0; k < merit.length; k++) if (merit[k]) f[p[side].order[k]] = 1;
    return f;
  };
  acceptance.set(result, { book, supply: inBook('supply'), demand: inBook('demand') });
  return result;
}

/** Each result's acceptance in book order (position i of `book.supply`/`book.demand`), beside the ids it reports. */
const acceptance = new WeakMap<PeriodResult, { readonly book: PeriodBook; readonly supply: Uint8Array; readonly demand: Uint8Array }>();

/**
 * Which orders of `book` the clearing `result` accepted, by position (1: accepted), when `result`
 * cleared this very book; undefined otherwise. The same as looking each order's id up in the
 * accepted lists, without hashing tens of thousands of ids.
 */
export function acceptedInBook(result: PeriodResult, book: PeriodBook): { readonly supply: Uint8Array; readonly demand: Uint8Array } | undefined {
  const a = acceptance.get(result);
  return a && a.book === book ? a : undefined;
}

/** (bound − value) / |bound|, 0 within `PROVEN_REL_GAP` (and for a zero bound). */
function relativeGap(bound: number, value: number): number {
  const gap = bound - value;
  if (!(gap > PROVEN_REL_GAP * Math.max(1, Math.abs(bound)))) return 0;
  return gap / Math.abs(bound);
}

/**
 * Clears every period of `book`: validates it (a `ProblemError` naming period and order on bad
 * input), then clears each period independently. An empty period — or an empty book — clears to zero.
 */
export function clear(book: AuctionBook, config: ClearingConfig): ClearingResult {
  validateBook(book);
  const periods = book.periods.map((pb) => clearPeriod(pb, book.grid, book.periodHours, config));
  let welfareEur = 0;
  let maxOptimalityGap = 0;
  for (const r of periods) {
    welfareEur += r.welfareEur;
    maxOptimalityGap = Math.max(maxOptimalityGap, r.optimalityGap);
  }
  return { periods, welfareEur, maxOptimalityGap };
}
