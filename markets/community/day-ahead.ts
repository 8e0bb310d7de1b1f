/**
 * Day-ahead clearing with the soc coupling across hours (seed 000, Eq. (9) across hours), exact and
 * fast enough for 24 h × hundreds of agents.
 *
 * The generic QP (one variable per agent and hour, `qp-oracle.ts`) took ~10 s for 24 h × 272 agents:
 * HiGHS's active-set QP solver moves one agent at a time. The structure lets us hand it a far
 * smaller QP with the same optimum:
 *   1. A community's non-battery agents only matter through their aggregate response X_c(λ). Its
 *      inverse is the community's aggregate marginal value; integrated, it is a concave
 *      piecewise-quadratic welfare W_c(y) of the community's non-battery net demand y, one piece per
 *      knot of X_c (`canonical.ts`). Each piece becomes a bounded variable with its own linear and
 *      quadratic cost; concavity makes the pieces fill in order, so this is exact.
 *   2. Only the pieces inside a price window are needed: prices never fall when any load rises, so
 *      every battery schedule gives prices between those with all batteries discharging and all
 *      charging at full power (`priceWindow`). Pieces above the window are always full, pieces
 *      below always empty. The final prices are checked against the windows (fallback: the full
 *      band [π_exp, π_imp], where prices always lie since every community can trade with the grid).
 *   3. The batteries keep their full model: charge, discharge and stored energy per hour, the energy
 *      rows linking hours, and the value v of the energy left at the end.
 *   4. With the battery schedule S from that QP, every hour is re-cleared by the exact fast solver
 *      (batteries pinned to S), which gives agent responses, prices and flows; the stored-energy
 *      values ν (duals of the energy rows) come back with the result so `dayAheadKktResiduals`
 *      can certify the intertemporal KKT conditions.
 * Exact up to HiGHS's feasibility tolerances (1e-10, no QP regularisation).
 */
import { SolverError } from '../errors.js';
import { type HighsModule, loadHighs, solveLpFormatWith } from '../solvers/highs.js';
import { chargeLimitKw, dischargeLimitKw, energyFloorKwh } from './battery.js';
import { type CanonicalMarket, pushKnots, responseHigh, responseLow, toCanonical } from './canonical.js';
import { settleDay, validateDay, withSoc } from './day.js';
import { lpModel, lpNumber, lpTerm, OBJECTIVE_SCALE, objectiveTerm, quadraticTerm } from './lp-text.js';
import { solveCanonical } from './fast-solver.js';
import type { BatteryAgent, CommunityAgent, CommunityDay, CommunityProblem, DayResult } from './model.js';
import { type CanonicalSolution, infeasibleResult } from './settle.js';

const HIGHS_QP_OPTIONS = { qp_regularization_value: 0, primal_feasibility_tolerance: 1e-10, dual_feasibility_tolerance: 1e-10 };

/** Sum of responses of the non-battery agents of community c at price λ (low or high end), kW. */
function sumNonBattery(m: CanonicalMarket, isBattery: Uint8Array, c: number, price: number, high: boolean): number {
  let s = 0;
  for (let k = m.start[c]; k < m.start[c + 1]; k++) {
    const i = m.order[k];
    if (isBattery[i]) continue;
    s += high ? responseHigh(m, i, price) : responseLow(m, i, price);
  }
  return s;
}

/** A day-ahead solution: battery schedules and their stored-energy values. */
export interface DayAheadSchedule {
  /** Net charging per hour and agent (0 for non-batteries), kW. */
  readonly sKw: Float64Array[];
  /** ν_t: value of a kWh stored at the end of hour t, per agent (batteries), EUR/kWh. */
  readonly energyValueEurPerKwh: Float64Array[];
  /** Per hour, the price window used to reduce the QP. */
  readonly windows: PriceWindow[];
  /**
   * λ[t][c]: community prices, the multipliers of the QP's balance rows. They are consistent with
   * ν; the exact re-clearing with pinned batteries cannot give them in an hour where a community
   * is balanced without the grid (any price in a range clears it, and only the battery's stored-
   * energy value picks one): issue 10 found the fast day-ahead's certificate off by up to the grid
   * price spread there.
   */
  readonly priceEurPerKwh: Float64Array[];
}

/**
 * Solves the reduced day-ahead QP (see module comment) with HiGHS and returns the battery
 * schedules. Throws `SolverError` when HiGHS fails.
 */
export async function solveDayAheadSchedule(day: CommunityDay, useWindows = true): Promise<DayAheadSchedule> {
  return solveDayAheadScheduleWith(await loadHighs(), day, useWindows);
}

/**
 * `solveDayAheadSchedule` with a loaded HiGHS module (synchronous).
 *
 * HiGHS's QP solver fails (error −1) on some days with self-discharge: the smallest one found is
 * three hours, one Standard Battery Unit, a load and a free PV plant (test/markets/community/
 * day-ahead-pooled.test.ts). The same model solves without the batteries' energy ceilings (soc_max),
 * or with the self-discharge removed. So on error the QP is solved again without the ceilings, and
 * the ceilings the solution exceeds are put back, one round at a time (constraint generation: a
 * relaxation's optimum that meets every dropped ceiling is the optimum of the full model). Throws
 * `SolverError` if HiGHS fails on a round too, or after `CEILING_ROUNDS` rounds.
 */
export function solveDayAheadScheduleWith(highs: HighsModule, day: CommunityDay, useWindows = true): DayAheadSchedule {
  return withCeilingRetry((ceilings) => solveReduced(highs, day, useWindows, ceilings)).schedule;
}

/**
 * Solves a day QP whose batteries' energy ceilings can be dropped (see `solveDayAheadScheduleWith`):
 * first with every ceiling; on HiGHS error −1 without them, putting back those the solution exceeds,
 * one round at a time. `solve(undefined)` keeps every ceiling, `solve(kept)` only those in `kept`,
 * and reports the columns over their dropped ceiling. Throws `SolverError`.
 */
export function withCeilingRetry<R extends { overCeiling: readonly string[] }>(solve: (ceilings: ReadonlySet<string> | undefined) => R): R {
  try {
    return solve(undefined);
  } catch (err) {
    if (!(err instanceof SolverError) || err.status !== 'error') throw err;
  }
  const kept = new Set<string>();
  for (let round = 0; round < CEILING_ROUNDS; round++) {
    const r = solve(kept);
    if (r.overCeiling.length === 0) return r;
    for (const e of r.overCeiling) kept.add(e);
  }
  throw new SolverError('community-day-ahead', 'error', `energy ceilings still exceeded after ${CEILING_ROUNDS} rounds without them`);
}

/** Rounds of putting back exceeded energy ceilings after HiGHS error −1 (see `solveDayAheadScheduleWith`). */
const CEILING_ROUNDS = 8;

/**
 * The reduced QP (module comment). `ceilings`: the energy columns that keep their soc_max bound
 * (undefined: all); `overCeiling` lists the columns without one whose energy exceeds soc_max.
 */
function solveReduced(highs: HighsModule, day: CommunityDay, useWindows: boolean, ceilings: ReadonlySet<string> | undefined): { schedule: DayAheadSchedule; overCeiling: string[] } {
  const T = day.hours.length;
  const first = day.hours[0];
  const n = first.agents.length;
  const nc = first.communities.length;
  const isBattery = Uint8Array.from(first.agents, (a) => (a.kind === 'battery' ? 1 : 0));
  const q: QpText = { obj: [], quad: [], rows: [], bounds: [] };
  const { obj, rows } = q;
  const knotBuf: number[] = [];
  const windows: PriceWindow[] = [];
  const unbounded: Array<[string, number]> = [];
  for (let t = 0; t < T; t++) {
    const p = day.hours[t];
    const h = p.periodHours;
    const m = toCanonical(p);
    const pe = m.exportPrice;
    const pi = m.importPrice;
    const poolIn: string[] = [];
    const poolOut: string[] = [];
    const window = useWindows ? priceWindow(p, m, isBattery) : fullBand(m);
    windows.push(window);
    for (let c = 0; c < nc; c++) {
      // knots of the community's non-battery response inside its price window, highest price first
      const top = window.highEurPerKwh[c];
      const bottom = window.lowEurPerKwh[c];
      knotBuf.length = 0;
      for (let k = m.start[c]; k < m.start[c + 1]; k++) if (!isBattery[m.order[k]]) pushKnots(m, m.order[k], knotBuf);
      const inside = Float64Array.from(knotBuf.filter((x) => x > bottom && x < top)).sort();
      const prices: number[] = [top];
      for (let j = inside.length - 1; j >= 0; j--) if (inside[j] !== prices[prices.length - 1]) prices.push(inside[j]);
      if (bottom < top) prices.push(bottom);
      const ref = window.referenceEurPerKwh[c];
      const { lhs, rhsKw } = writePieces(q, `d${t}_${c}_`, h, prices, ref, (x) => sumNonBattery(m, isBattery, c, x, false), (x) => sumNonBattery(m, isBattery, c, x, true));
      for (let k = m.start[c]; k < m.start[c + 1]; k++) {
        const i = m.order[k];
        if (!isBattery[i]) continue;
        lhs.push(`- c${t}_${i}`, `+ x${t}_${i}`);
      }
      const gi = `gi${t}_${c}`;
      const ge = `ge${t}_${c}`;
      // grid trade stays in every hour even where the window excludes the grid price: without these
      // columns HiGHS took five times longer (they give it an easy feasible start)
      lhs.unshift(`${gi}`, `- ${ge}`);
      obj.push(objectiveTerm(h * pi, gi), objectiveTerm(-h * pe, ge));
      if (nc > 1 && m.fee < pi - pe) {
        const qi = `qi${t}_${c}`;
        const qo = `qo${t}_${c}`;
        lhs.push(`+ ${qi}`, `- ${qo}`);
        poolIn.push(qi);
        poolOut.push(qo);
        if (m.fee !== 0) obj.push(objectiveTerm(h * m.fee, qi));
      }
      // balance: imports − exports = non-battery net demand + battery charging
      rows.push(`bal${t}_${c}: ${lhs.join(' ')} = ${lpNumber(rhsKw)}`);
    }
    if (poolIn.length > 0) rows.push(`pool${t}: ${[...poolOut.map((v) => `+ ${v}`), ...poolIn.map((v) => `- ${v}`)].join(' ')} = 0`);
    for (let i = 0; i < n; i++) {
      if (!isBattery[i]) continue;
      const next = t + 1 < T ? (day.hours[t + 1].agents[i] as BatteryAgent).valueEurPerKwh : 0;
      writeBattery(q, t, T, `${i}`, p.agents[i] as BatteryAgent, h, next, ceilings, unbounded);
    }
  }
  const text = lpModel(q.obj, q.quad, q.rows, q.bounds);
  const sol = solveLpFormatWith(highs, 'community-day-ahead', text, HIGHS_QP_OPTIONS);
  const dual = new Map<string, number>();
  for (const r of sol.Rows) dual.set(r.Name, r.Dual ?? NaN);
  const sKw: Float64Array[] = [];
  const nu: Float64Array[] = [];
  const lambda: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const lam = new Float64Array(nc);
    for (let c = 0; c < nc; c++) {
      const d = dual.get(`bal${t}_${c}`);
      if (d === undefined || !Number.isFinite(d)) throw new SolverError('community-day-ahead', 'missing dual', `bal${t}_${c}`);
      // ∂(scaled −welfare)/∂(demand): one more kWh brought into c costs λ·h
      lam[c] = d / (OBJECTIVE_SCALE * day.hours[t].periodHours);
    }
    lambda.push(lam);
    const s = new Float64Array(n);
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (!isBattery[i]) continue;
      const ch = sol.Columns[`c${t}_${i}`];
      const dis = sol.Columns[`x${t}_${i}`];
      if (!ch || !dis) throw new SolverError('community-day-ahead', 'missing column', `c${t}_${i}`);
      s[i] = ch.Primal - dis.Primal;
      // the dual of the energy row is ∂(−welfare)/∂(energy added): minus the value of stored energy
      v[i] = -(dual.get(`s${t}_${i}`) ?? NaN) / OBJECTIVE_SCALE;
    }
    sKw.push(s);
    nu.push(v);
  }
  // HiGHS's feasibility tolerance is 1e-10 (relative to the row); what exceeds the ceiling by more is put back
  const overCeiling = unbounded.filter(([e, ceiling]) => (sol.Columns[e]?.Primal ?? Infinity) > ceiling + 1e-9 * (1 + ceiling)).map(([e]) => e);
  return { schedule: { sKw, energyValueEurPerKwh: nu, windows, priceEurPerKwh: lambda }, overCeiling };
}

/** A QP being written as LP text: objective terms, quadratic terms, rows and bounds (`lp-text.ts`). */
export interface QpText {
  readonly obj: string[];
  readonly quad: string[];
  readonly rows: string[];
  readonly bounds: string[];
}

/**
 * Writes a community's concave welfare W(y) of its non-battery net demand y as bounded pieces (module
 * comment, step 1). `prices`: the knots inside the window, highest first (the window's top first and
 * its bottom last); `low`/`high`: the net demand's range at a price. y starts at low(top) and grows
 * piece by piece as the price falls: a jump [lo, hi] at each knot (linear agents at their marginal
 * price), an affine piece between knots. Returns the terms of y − low(top) for the balance row and
 * the row's constant (`y = rhsKw − Σ lhs` reads: lhs terms on the left, rhsKw on the right).
 */
export function writePieces(q: QpText, prefix: string, h: number, prices: readonly number[], ref: number, low: (x: number) => number, high: (x: number) => number): { lhs: string[]; rhsKw: number } {
  const lhs: string[] = [];
  let seg = 0;
  let filledKw = 0;
  const addPiece = (lengthKw: number, priceHigh: number, priceLow: number) => {
    if (!(lengthKw > 1e-12)) return;
    const v = `${prefix}${seg++}`;
    q.bounds.push(`0 <= ${v} <= ${lpNumber(lengthKw)}`);
    const curvature = (h * (priceHigh - priceLow)) / lengthKw;
    if (curvature > 0) q.quad.push(quadraticTerm(curvature, v));
    if (priceLow >= ref) {
      // a piece full at the reference price is written as what is left unused, u = length − δ,
      // so that the all-zero start of the QP is the reference market (fewer solver iterations):
      // −h·∫ marginal value becomes +h·priceLow·u + ½·curvature·u² (plus a constant)
      filledKw += lengthKw;
      lhs.push(`+ ${v}`);
      q.obj.push(objectiveTerm(h * priceLow, v));
    } else {
      // −h·∫ marginal value, the marginal value falling linearly from priceHigh to priceLow
      lhs.push(`- ${v}`);
      q.obj.push(objectiveTerm(-h * priceHigh, v));
    }
  };
  const y0 = low(prices[0]);
  let prevHi = y0;
  for (let j = 0; j < prices.length; j++) {
    const x = prices[j];
    const lo = low(x);
    const hi = high(x);
    if (j > 0) addPiece(lo - prevHi, prices[j - 1], x);
    addPiece(hi - lo, x, x);
    prevHi = hi;
  }
  return { lhs, rhsKw: y0 + filledKw };
}

/**
 * Writes battery `key`'s columns (charge c, discharge x, stored energy e of hour t), its energy row
 * (seed 000, Eq. (9) across hours), bounds and terms. `nextValue`: the next hour's value of stored
 * energy (0 after the last hour). `ceilings`/`unbounded`: see `solveReduced`.
 */
export function writeBattery(q: QpText, t: number, T: number, key: string, ag: BatteryAgent, h: number, nextValue: number, ceilings: ReadonlySet<string> | undefined, unbounded: Array<[string, number]>): void {
  const ch = `c${t}_${key}`;
  const dis = `x${t}_${key}`;
  const e = `e${t}_${key}`;
  const floor = lpNumber(energyFloorKwh(ag, t === T - 1));
  const ceiling = ag.socMax * ag.capacityKwh;
  q.bounds.push(`0 <= ${ch} <= ${lpNumber(chargeLimitKw(ag))}`, `0 <= ${dis} <= ${lpNumber(dischargeLimitKw(ag))}`, !ceilings || ceilings.has(e) ? `${floor} <= ${e} <= ${lpNumber(ceiling)}` : `${e} >= ${floor}`);
  if (ceilings && !ceilings.has(e)) unbounded.push([e, ceiling]);
  const keep = 1 - ag.selfDischargePerPeriod;
  // seed 000, Eq. (9) across hours
  if (t === 0) q.rows.push(`s${t}_${key}: ${e} ${lpTerm(-h * ag.etaCh, ch)} ${lpTerm(h / ag.etaDis, dis)} = ${lpNumber(keep * ag.soc * ag.capacityKwh)}`);
  else q.rows.push(`s${t}_${key}: ${e} ${lpTerm(-keep, `e${t - 1}_${key}`)} ${lpTerm(-h * ag.etaCh, ch)} ${lpTerm(h / ag.etaDis, dis)} = 0`);
  if (ag.valueEurPerKwh - nextValue !== 0) q.obj.push(objectiveTerm(-(ag.valueEurPerKwh - nextValue), e));
  if (ag.aEurPerKwhPerKw > 0) q.quad.push(quadraticTerm(ag.aEurPerKwhPerKw * h, ch), quadraticTerm(ag.aEurPerKwhPerKw * h, dis));
}

/** Range of community prices any battery schedule can bring about in one hour, EUR/kWh. */
export interface PriceWindow {
  readonly lowEurPerKwh: Float64Array;
  readonly highEurPerKwh: Float64Array;
  /** Prices with every battery idle: the QP's starting point. */
  readonly referenceEurPerKwh: Float64Array;
}

/** The whole band [π_exp, π_imp]: always valid, since a community can always trade with the grid. */
function fullBand(m: CanonicalMarket): PriceWindow {
  const nc = m.nCommunities;
  return { lowEurPerKwh: new Float64Array(nc).fill(m.exportPrice), highEurPerKwh: new Float64Array(nc).fill(m.importPrice), referenceEurPerKwh: new Float64Array(nc).fill(m.importPrice) };
}

/**
 * Why the window is exact: a community's price never falls when any community's load rises (one
 * commodity, substitutes everywhere), so every schedule's prices lie between those with all
 * batteries discharging at full power and all charging at full power. Pieces of W_c outside the
 * window are always full (above it) or empty (below it) and leave the QP. `clearDayAhead` checks the
 * final prices against the window and falls back to the full band if this ever failed.
 */
function priceWindow(p: CommunityProblem, m: CanonicalMarket, isBattery: Uint8Array): PriceWindow {
  const full = (sign: 1 | 0 | -1) => {
    const s = new Float64Array(m.nAgents);
    p.agents.forEach((ag, i) => {
      if (ag.kind === 'battery') s[i] = sign > 0 ? chargeLimitKw(ag) : sign < 0 ? -dischargeLimitKw(ag) : 0;
    });
    const sol = solveCanonical(pinBatteries(m, s, isBattery, false));
    if (!sol) throw new SolverError('community-day-ahead', 'internal', 'price window market infeasible');
    return sol.priceEurPerKwh;
  };
  return { lowEurPerKwh: full(-1), highEurPerKwh: full(1), referenceEurPerKwh: full(0) };
}

/**
 * Day-ahead clearing of `day` (all hours at once, soc coupled). Batteries' schedules come from the
 * reduced QP; each hour is then cleared exactly with batteries pinned to their schedule. Returns
 * status `infeasible` when no battery schedule keeps every soc in bounds.
 */
export async function clearDayAhead(day: CommunityDay, options: DayAheadOptions = {}): Promise<DayResult> {
  return clearDayAheadWith(await loadHighs(), day, options);
}

export interface DayAheadOptions {
  /**
   * Pool identical batteries of a community into one bank before the QP (`poolBatteries`; default
   * true). `false` hands HiGHS one battery per battery: the path before pooling, kept for the bench.
   */
  readonly poolBatteries?: boolean;
}

/** `clearDayAhead` with a loaded HiGHS module (synchronous: the simulation's market operator calls it). */
export function clearDayAheadWith(highs: HighsModule, day: CommunityDay, options: DayAheadOptions = {}): DayResult {
  validateDay(day);
  const m0 = toCanonical(day.hours[0]);
  if (m0.infeasible !== undefined) return { status: 'infeasible', welfareEur: null, hours: [infeasibleResult(m0.infeasible)], reason: m0.infeasible };
  let schedule: DayAheadSchedule;
  try {
    // identical batteries of a community act as one bank (see `poolBatteries`): the QP HiGHS sees
    // has one battery per bank instead of one per battery
    const pooled = options.poolBatteries === false ? { day, members: [] } : poolBatteries(day);
    schedule = unpool(solveDayAheadScheduleWith(highs, pooled.day), pooled, day);
    let cleared = reclear(day, schedule);
    if (!insideWindows(cleared, schedule.windows)) {
      // the monotonicity behind the windows failed (never seen): solve again on the full band
      schedule = unpool(solveDayAheadScheduleWith(highs, pooled.day, false), pooled, day);
      cleared = reclear(day, schedule);
    }
    return { ...settleDay(day, cleared), energyValueEurPerKwh: schedule.energyValueEurPerKwh };
  } catch (err) {
    if (err instanceof SolverError && /infeasible/i.test(err.status)) {
      return { status: 'infeasible', welfareEur: null, hours: [], reason: 'no battery schedule keeps every soc within its bounds over the day' };
    }
    throw err;
  }
}

/** Each hour cleared exactly by the fast solver with batteries pinned to the schedule. */
function reclear(day: CommunityDay, schedule: DayAheadSchedule): CanonicalSolution[] {
  const perHour: CanonicalSolution[] = [];
  const isBattery = Uint8Array.from(day.hours[0].agents, (a) => (a.kind === 'battery' ? 1 : 0));
  const soc = Float64Array.from(day.hours[0].agents, (ag) => (ag.kind === 'battery' ? ag.soc : NaN));
  for (let t = 0; t < day.hours.length; t++) {
    const p = withSoc(day.hours[t], soc);
    const m = pinBatteries(toCanonical(p), schedule.sKw[t], isBattery);
    const sol = solveCanonical(m);
    if (!sol) throw new SolverError('community-day-ahead', 'internal', `hour ${t} infeasible with pinned batteries`);
    // responses and flows from the exact re-clearing, prices from the day's QP (see `priceEurPerKwh`)
    perHour.push({ ...sol, priceEurPerKwh: schedule.priceEurPerKwh[t] });
    p.agents.forEach((ag, i) => {
      if (ag.kind === 'battery') soc[i] = nextSoc(ag, sol.dKw[i], p.periodHours);
    });
  }
  return perHour;
}

function insideWindows(perHour: readonly CanonicalSolution[], windows: readonly PriceWindow[]): boolean {
  const tol = 1e-9;
  return perHour.every((s, t) => s.priceEurPerKwh.every((p, c) => p >= windows[t].lowEurPerKwh[c] - tol && p <= windows[t].highEurPerKwh[c] + tol));
}

function nextSoc(b: BatteryAgent, sKw: number, h: number): number {
  const e = b.soc * b.capacityKwh * (1 - b.selfDischargePerPeriod) + (sKw >= 0 ? b.etaCh * sKw * h : (sKw * h) / b.etaDis);
  return Math.min(b.socMax, Math.max(b.socMin, e / b.capacityKwh));
}

/** The canonical market with battery i's net charging fixed to s[i] (box collapsed to a point). */
export function pinBatteries(m: CanonicalMarket, s: Float64Array, isBattery: Uint8Array, clip = true): CanonicalMarket {
  const lo = m.lo.slice();
  const hi = m.hi.slice();
  for (let i = 0; i < m.nAgents; i++) {
    // clipped into the hour's own range: the QP's rounding must not push soc out of bounds
    if (isBattery[i]) lo[i] = hi[i] = clip ? Math.min(m.hi[i], Math.max(m.lo[i], s[i])) : s[i];
  }
  return { ...m, lo, hi, infeasible: undefined };
}

/**
 * A day with each bank of identical batteries (same community, same parameters and soc in every
 * hour) replaced by one battery of k times the power and capacity, and wear curvature a/k.
 *
 * Why it is exact: the day-ahead QP is convex and symmetric in the members of a bank (swapping two
 * identical batteries maps feasible schedules to feasible schedules of equal welfare), so the
 * average of an optimum over all permutations, the equal split, is an optimum too. Under the equal
 * split every member holds the bank's soc, charges CH/k and discharges DIS/k: the energy rows are
 * the bank's divided by k, and the wear k·½·a·h·(CH/k)² = ½·(a/k)·h·CH². The bank's soc bounds,
 * rates, efficiencies, self-discharge and stored-energy values are its members'. Its stored-energy
 * value ν is each member's (one more kWh in the bank is one more kWh in any member at the
 * optimum). The unpooled schedule is certified on the original day by `dayAheadKktResiduals`.
 * On Case Study 2 (115 Standard Battery Units in 5 communities) this turns 115 batteries into 5.
 */
export interface PooledDay {
  readonly day: CommunityDay;
  /** For each agent of the pooled day, the agents of the original day it stands for. */
  readonly members: readonly (readonly number[])[];
}

/** The key under which batteries of one community pool: every parameter, in every hour. */
function bankKey(day: CommunityDay, i: number): string {
  return JSON.stringify(
    day.hours.map((p) => {
      const b = p.agents[i] as BatteryAgent;
      return [b.community, b.capacityKwh, b.powerKw, b.soc, b.socMin, b.socMax, b.etaCh, b.etaDis, b.rateChPerH, b.rateDisPerH, b.selfDischargePerPeriod, b.aEurPerKwhPerKw, b.valueEurPerKwh, b.terminalSocMin ?? null];
    }),
  );
}

/** Pools identical batteries (see `PooledDay`); a day without two identical batteries comes back as it is. */
export function poolBatteries(day: CommunityDay): PooledDay {
  const first = day.hours[0];
  const members: number[][] = [];
  const bank = new Map<string, number[]>();
  first.agents.forEach((ag, i) => {
    if (ag.kind !== 'battery') {
      members.push([i]);
      return;
    }
    const key = bankKey(day, i);
    const group = bank.get(key);
    if (group) group.push(i);
    else {
      const g = [i];
      bank.set(key, g);
      members.push(g);
    }
  });
  if (members.length === first.agents.length) return { day, members };
  const hours = day.hours.map((p) => ({
    ...p,
    agents: members.map((g): CommunityAgent => {
      const ag = p.agents[g[0]];
      if (g.length === 1 || ag.kind !== 'battery') return ag;
      const k = g.length;
      return { ...ag, capacityKwh: k * ag.capacityKwh, powerKw: k * ag.powerKw, aEurPerKwhPerKw: ag.aEurPerKwhPerKw / k };
    }),
  }));
  return { day: { hours }, members };
}

/** The pooled day's schedule on the original day: each member takes an equal share of its bank. */
export function unpool(s: DayAheadSchedule, pooled: PooledDay, day: CommunityDay): DayAheadSchedule {
  if (pooled.day === day) return s;
  const n = day.hours[0].agents.length;
  const spread = (rows: readonly Float64Array[], share: boolean) =>
    rows.map((row) => {
      const out = new Float64Array(n);
      pooled.members.forEach((g, j) => {
        for (const i of g) out[i] = share ? row[j] / g.length : row[j];
      });
      return out;
    });
  return { ...s, sKw: spread(s.sKw, true), energyValueEurPerKwh: spread(s.energyValueEurPerKwh, false) };
}
