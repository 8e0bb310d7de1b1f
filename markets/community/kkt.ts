/**
 * Optimality certificates for a cleared community market: the KKT conditions of seed 000, Eq. (1)
 * under Eqs. (2)–(18), evaluated at a returned point with the returned community prices as the
 * multipliers of Eq. (3). A point with all residuals ≈ 0 is optimal (the problem is convex), whoever
 * computed it — this is how the fast solver is shown exact and the oracle shown right.
 *
 * Also the cheap run-time invariants of DESIGN rule 9 (balance per agent and community, bounds),
 * which every clearing function checks before returning.
 */
import { SolverError } from '../errors.js';
import { chargeLimitKw, dischargeLimitKw } from './battery.js';
import { type CanonicalMarket, toCanonical } from './canonical.js';
import { type BatteryAgent, type CommunityDay, type CommunityProblem, type CommunityResult, type DayResult, GRID_ID } from './model.js';

/** Largest violations found, each ≥ 0. */
export interface KktReport {
  /** Balance (Eqs. (2)–(8)), bounds (Eqs. (12)–(17)) and soc bounds, kW (soc: fraction). */
  readonly primalKw: number;
  /** Dual feasibility and stationarity: prices against grid prices, fees and agents' marginal values, EUR/kWh. */
  readonly dualEurPerKwh: number;
  /** Complementarity: flow × price gap on every border trade, EUR/h. */
  readonly complementarityEurPerH: number;
}

/** Whether every residual of `r` is at most `tol`. */
export function kktHolds(r: KktReport, tol: number): boolean {
  return r.primalKw <= tol && r.dualEurPerKwh <= tol && r.complementarityEurPerH <= tol;
}

/** Primal residuals only (balances, bounds, soc), kW. Cheap: O(agents + flows). */
export function primalResidualKw(problem: CommunityProblem, m: CanonicalMarket, result: CommunityResult): number {
  let worst = 0;
  const bump = (v: number) => {
    if (!(v <= worst)) worst = Number.isNaN(v) ? Infinity : v;
  };
  const nc = m.nCommunities;
  const phiSum = new Float64Array(nc);
  const alphaSum = new Float64Array(nc);
  const betaSum = new Float64Array(nc);
  result.agents.forEach((a, i) => {
    const c = m.communityOf[i];
    const d = a.pKw + a.sKw;
    bump(m.lo[i] - d);
    bump(d - m.hi[i]);
    const ag = problem.agents[i];
    if (ag.kind === 'battery') {
      bump(Math.abs(a.pKw));
      if (a.soc !== null) {
        bump(ag.socMin - a.soc);
        bump(a.soc - ag.socMax);
      } else bump(Infinity);
    } else bump(Math.abs(a.sKw));
    bump(-a.alphaKw);
    bump(-a.betaKw);
    // seed 000, Eq. (2)
    bump(Math.abs(a.pKw + a.sKw + a.phiKw - a.alphaKw + a.betaKw));
    phiSum[c] += a.phiKw;
    alphaSum[c] += a.alphaKw;
    betaSum[c] += a.betaKw;
  });
  const index = new Map(problem.communities.map((c, k) => [c.id, k]));
  const into = new Float64Array(nc);
  const outOf = new Float64Array(nc);
  for (const f of result.flows) {
    bump(-f.kw);
    const from = f.from === GRID_ID ? -1 : (index.get(f.from) ?? -2);
    const to = f.to === GRID_ID ? -1 : (index.get(f.to) ?? -2);
    if (from === -2 || to === -2) bump(Infinity);
    if (from >= 0) outOf[from] += f.kw;
    if (to >= 0) into[to] += f.kw;
  }
  result.communities.forEach((c, k) => {
    bump(Math.abs(phiSum[k])); // Eq. (3)
    bump(Math.abs(alphaSum[k] - c.importKw)); // Eq. (4)
    bump(Math.abs(betaSum[k] - c.exportKw)); // Eq. (5)
    bump(Math.abs(into[k] - c.importKw)); // Eqs. (6), (8)
    bump(Math.abs(outOf[k] - c.exportKw)); // Eqs. (7), (8)
  });
  return worst;
}

/**
 * KKT residuals of `result` for the canonical market `m` (built from `problem`, or with battery
 * values replaced by stored-energy values for the day-ahead check).
 */
export function kktResidualsCanonical(problem: CommunityProblem, m: CanonicalMarket, result: CommunityResult): KktReport {
  const primalKw = primalResidualKw(problem, m, result);
  let dual = 0;
  let comp = 0;
  const price = result.communities.map((c) => c.priceEurPerKwh);
  for (const p of price) dual = Math.max(dual, m.exportPrice - p, p - m.importPrice, Number.isFinite(p) ? 0 : Infinity);
  if (price.length > 1) dual = Math.max(dual, Math.max(...price) - Math.min(...price) - m.fee);
  // agents: λ_c must lie between the right and left marginal values w'(d+), w'(d−) unless at a bound
  result.agents.forEach((a, i) => {
    const d = a.pKw + a.sKw;
    const lam = price[m.communityOf[i]];
    const tolKw = 1e-9 * (1 + Math.abs(d));
    // within rounding of the kink at d = 0 the whole subgradient [bPos, bNeg] applies
    const right = (d >= -tolKw ? m.bPos[i] : m.bNeg[i]) - m.a[i] * d;
    const left = (d > tolKw ? m.bPos[i] : m.bNeg[i]) - m.a[i] * d;
    if (d > m.lo[i] + tolKw) dual = Math.max(dual, lam - left);
    if (d < m.hi[i] - tolKw) dual = Math.max(dual, right - lam);
  });
  // border trades: positive only where the price gap equals the trade's price
  const index = new Map(result.communities.map((c, k) => [c.id, k]));
  for (const f of result.flows) {
    const from = f.from === GRID_ID ? -1 : (index.get(f.from) as number);
    const to = f.to === GRID_ID ? -1 : (index.get(f.to) as number);
    let gap: number;
    if (from < 0) gap = m.importPrice - price[to];
    else if (to < 0) gap = price[from] - m.exportPrice;
    else gap = price[from] + m.fee - price[to];
    comp = Math.max(comp, Math.abs(f.kw * gap));
  }
  return { primalKw, dualEurPerKwh: Math.max(0, dual), complementarityEurPerH: comp };
}

/** KKT residuals of a one-period result. An infeasible result has infinite residuals. */
export function kktResiduals(problem: CommunityProblem, result: CommunityResult): KktReport {
  if (result.status !== 'optimal') return { primalKw: Infinity, dualEurPerKwh: Infinity, complementarityEurPerH: Infinity };
  return kktResidualsCanonical(problem, toCanonical(problem), result);
}

/**
 * Run-time invariant (DESIGN rule 9): balances and bounds hold to `tolKw`. Throws `SolverError`
 * naming `model` otherwise — that would be a bug in a solver, not a property of the input.
 */
export function assertMarketInvariants(model: string, problem: CommunityProblem, m: CanonicalMarket, result: CommunityResult, tolKw = 1e-6): void {
  if (result.status !== 'optimal') return;
  const r = primalResidualKw(problem, m, result);
  if (!(r <= tolKw * (1 + problem.agents.length))) throw new SolverError(model, 'invariant violated', `market balance or bounds off by ${r} kW`);
}

/**
 * KKT residuals of a day-ahead result. `energyValueEurPerKwh[t][i]` is ν, the value of a kWh stored
 * by battery i at the end of hour t (the multiplier of Eq. (9) across hours). Each hour must then be
 * a market in which batteries value stored energy at ν within their power limits, and ν must follow
 * the soc trajectory: ν_t = (1 − λ_sd)·ν_{t+1} + (v_t − v_{t+1}) while soc is strictly inside its
 * bounds, with the sign the bound allows when it touches one (terminal value v at the end).
 */
export function dayAheadKktResiduals(day: CommunityDay, result: DayResult, energyValueEurPerKwh: readonly Float64Array[]): KktReport {
  let primal = 0;
  let dual = 0;
  let comp = 0;
  const T = day.hours.length;
  const first = day.hours[0];
  const soc = Float64Array.from(first.agents, (a) => (a.kind === 'battery' ? a.soc : NaN));
  for (let t = 0; t < T; t++) {
    const p = day.hours[t];
    const r = result.hours[t];
    const withStart = { ...p, agents: p.agents.map((ag, i) => (ag.kind === 'battery' ? { ...ag, soc: soc[i] } : ag)) };
    const m = toCanonical(withStart);
    // batteries: value ν_t per stored kWh, limited by power only (soc is checked along the chain)
    const lo = m.lo.slice();
    const hi = m.hi.slice();
    const bPos = m.bPos.slice();
    const bNeg = m.bNeg.slice();
    p.agents.forEach((ag, i) => {
      if (ag.kind !== 'battery') return;
      lo[i] = -dischargeLimitKw(ag);
      hi[i] = chargeLimitKw(ag);
      bPos[i] = energyValueEurPerKwh[t][i] * ag.etaCh;
      bNeg[i] = energyValueEurPerKwh[t][i] / ag.etaDis;
    });
    const k = kktResidualsCanonical(withStart, { ...m, lo, hi, bPos, bNeg }, r);
    primal = Math.max(primal, k.primalKw);
    dual = Math.max(dual, k.dualEurPerKwh);
    comp = Math.max(comp, k.complementarityEurPerH);
    r.agents.forEach((a, i) => {
      if (a.soc !== null) soc[i] = a.soc;
    });
    // the chain condition on ν at the end of hour t
    p.agents.forEach((ag, i) => {
      if (ag.kind !== 'battery') return;
      const b = ag as BatteryAgent;
      const nu = energyValueEurPerKwh[t][i];
      let g: number;
      if (t + 1 < T) {
        const nb = day.hours[t + 1].agents[i] as BatteryAgent;
        g = b.valueEurPerKwh - nb.valueEurPerKwh + (1 - nb.selfDischargePerPeriod) * energyValueEurPerKwh[t + 1][i] - nu;
      } else g = b.valueEurPerKwh - nu;
      const s = soc[i];
      const tolSoc = 1e-9;
      // g > 0: more stored energy would pay, so soc must be at its maximum; g < 0: at its minimum
      if (g > 0 && s < b.socMax - tolSoc) dual = Math.max(dual, g);
      const floor = t + 1 < T || b.terminalSocMin === undefined ? b.socMin : Math.max(b.socMin, b.terminalSocMin);
      if (g < 0 && s > floor + tolSoc) dual = Math.max(dual, -g);
      if (s < floor - tolSoc) primal = Math.max(primal, floor - s);
    });
  }
  return { primalKw: primal, dualEurPerKwh: dual, complementarityEurPerH: comp };
}
