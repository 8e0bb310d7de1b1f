/**
 * The day-ahead inter-community market of seed 000 cleared from community managers' offers (issue
 * 16): Eqs. (3)–(8) in every hour with the batteries across the day (Eqs. (9)–(13)), by price
 * coordination — the dual decomposition of the day's welfare problem on its coupling rows.
 *
 * The coupling. Communities meet only at their borders: in hour t community c's members and
 * batteries take Y_c,t from outside, from the grid at π_imp/π_exp or from the other communities.
 * Give each community's balance (Eq. (3)) a price λ_c,t: the Lagrangian splits into one problem per
 * community — its own day with its batteries, facing λ_c,t — plus the border problem, which trades
 * between communities and with the grid at those prices. The λ that make the communities' answers
 * meet at the borders (every kWh one sells another bought, Eq. (8); the grid takes the rest) are
 * the dual optimum, and since the day problem is a convex QP its dual has no gap.
 *
 * The offers. A manager cannot send its members' bids; it sends its community's value over the day
 * of what it trades outside, V_c(Y_c,1…Y_c,T), as data: per hour the net-import curve of its members
 * other than batteries (`ManagerOffer.curve`, the same curve the hourly market takes), and its
 * storage as banks of identical batteries (`ManagerOffer.storage`). V_c is the value of the
 * community's own day problem with those, so the offer is exact when truthful. Strategies shade it:
 * a markup on exports (per partner too), a cap on upstream import, partners it refuses.
 *
 * The clearing, in two stages, each exact:
 *   1. Coordination: the market operator finds the prices λ from the offers alone, as the multipliers
 *      of the offers' day problem (max Σ_c V_c − grid costs − fees − markups over the border trade:
 *      a pool per hour with one price μ_t, as the central QP writes it, or, when an offer sets
 *      per-partner terms, flows f_c→d,t ≥ 0 between partners that accept each other), written as a
 *      QP the way the central day-ahead solver writes the members' (`writePieces`, `writeBattery`,
 *      each hour reduced to its price window: `offerWindows`). The coordination is solved to its
 *      fixed point at once rather than by price iterations (a subgradient method converges to the
 *      same λ, slowly and only approximately). Its primal gives the traded quantities: the flows
 *      between communities and with the grid, and the storage's schedule.
 *   2. Decomposition: each community clears its own day against its traded quantities Y_c,t. Its
 *      storage follows a schedule that is optimal for its own day with the border pinned to Y: when
 *      its offer was its own (truthful curve and storage; a markup, cap or partner terms act at the
 *      border only) that is stage 1's schedule of its banks — a better one would have raised stage
 *      1's welfare — otherwise the community solves its own day QP (members' bids and batteries,
 *      border pinned). Then hour by hour its members clear exactly against Y at the batteries'
 *      schedule (`solveNonIncreasing`, `respondAt`), at stage 1's price moved into the exact range of
 *      prices at which they take Y (HiGHS's duals are exact to its tolerance only). With truthful
 *      offers the day equals the central clearing (tested against `clearDayAhead` and the HiGHS QP
 *      oracle, both ways of stage 2); a reshaped curve that promises what the members will not do
 *      makes the day infeasible with the reason, never settled off balance.
 * No wheeling: a manager trades its own community's net position only. A community that both buys
 * and sells in an hour in stage 1's optimum (free with a zero fee; worth it around a refused partner
 * or a neighbour's import cap) is held to one side per hour, the side of its net position, and
 * stage 1 is solved again (`coordinateDay`): exact where the fee is zero; around a refusal or a cap
 * it is the best trade with those sides, the non-convex problem's choice of sides left to stage 1.
 * Settlement per hour as in the hourly market: members pay their community price λ_c,t; a kWh c
 * sells to d earns c's manager λ_c,t + its markup to d and costs d's manager that plus the fee; the
 * managers trade with the grid at π_imp/π_exp. A manager's margin is its members' payments less
 * its border settlements, so Σ members' welfare + Σ margins = the day's welfare (checked every hour
 * with Eq. (3), Eq. (8), the upstream balance and the batteries' energy: `assertManagerInvariants`,
 * `assertStorageInvariants`).
 */
import { SolverError } from '../errors.js';
import type { HighsModule } from '../solvers/highs.js';
import { solveLpFormatWith } from '../solvers/highs.js';
import { chargeLimitKw, dischargeLimitKw, socAfter } from './battery.js';
import { type CanonicalMarket, pushKnots, responseHigh, responseLow, toCanonical } from './canonical.js';
import { type DayAheadSchedule, pinBatteries, poolBatteries, type QpText, unpool, withCeilingRetry, writeBattery, writePieces } from './day-ahead.js';
import { validateDay, withSoc } from './day.js';
import { respondAt, routeFlows, solveNonIncreasing, sortedUnique } from './fast-solver.js';
import { lpModel, lpNumber, OBJECTIVE_SCALE, objectiveTerm } from './lp-text.js';
import { acceptsPartner, assertManagerInvariants, clearOffers, communityCurve, curveAt, hasPartnerTerms, type ManagerOffer, type ManagerOutcome, type ManagersResult, marginTo, offerProblem, outcomesOf } from './managers.js';
import type { BatteryAgent, CommunityAgent, CommunityDay, CommunityProblem, DayResult, GridPrices } from './model.js';
import { infeasibleResult, settle } from './settle.js';

const HIGHS_QP_OPTIONS = { qp_regularization_value: 0, primal_feasibility_tolerance: 1e-10, dual_feasibility_tolerance: 1e-10 };

/** A day cleared by the managers: per hour a `ManagersResult` (its managers' rows included). */
export interface ManagersDayResult extends DayResult {
  readonly hours: readonly ManagersResult[];
}

/** Stage 1's answer: per hour and community the price and the traded quantities. */
export interface DayCoordination {
  /** λ[t][c], EUR/kWh */
  readonly priceEurPerKwh: Float64Array[];
  /** Y[t][c]: what community c takes from outside in hour t, kW (imports > 0) */
  readonly netImportKw: Float64Array[];
  /** per hour: flows between communities (indices) and with the grid (−1), kW > 0 */
  readonly flows: ReadonlyArray<ReadonlyArray<{ readonly from: number; readonly to: number; readonly kw: number }>>;
  /** ν[t][c][k]: value of a kWh stored in bank k of community c's storage at the end of hour t, EUR/kWh */
  readonly storageValueEurPerKwh: readonly (readonly Float64Array[])[];
  /** S[t][c][k]: net charging of bank k of community c's storage in hour t, kW */
  readonly storageKw: readonly (readonly Float64Array[])[];
  /** the offers' day welfare, EUR (what stage 1 maximises; markups count as costs) */
  readonly objectiveEur: number;
}

/** A price within rounding of a reference price is that price (duals come back to ~1e-12). */
function snapTo(x: number, refs: readonly number[]): number {
  for (const r of refs) if (Math.abs(x - r) <= 1e-9) return r;
  return x;
}

function infeasibleDay(reason: string): ManagersDayResult {
  return { status: 'infeasible', welfareEur: null, hours: [{ ...infeasibleResult(reason), interPriceEurPerKwh: null, managers: [] }], reason };
}

/** What is wrong with a day's offers (one per hour and community, in community order), or undefined. */
function dayOffersProblem(day: CommunityDay, offers: readonly (readonly ManagerOffer[])[]): string | undefined {
  const T = day.hours.length;
  const ids = day.hours[0].communities.map((c) => c.id);
  if (offers.length !== T) return `${offers.length} hours of offers for a day of ${T} hours`;
  for (let t = 0; t < T; t++) {
    if (offers[t].length !== ids.length) return `hour ${t}: ${offers[t].length} offers for ${ids.length} communities`;
    for (let c = 0; c < ids.length; c++) {
      const o = offers[t][c];
      if (o.community !== ids[c]) return `hour ${t}: offer ${c} is for '${o.community}', expected '${ids[c]}'`;
      const bad = offerProblem(o);
      if (bad) return `hour ${t}, community ${o.community}: ${bad}`;
      const banks = o.storage ?? [];
      const first = offers[0][c].storage ?? [];
      if (banks.length !== first.length || banks.some((b, k) => b.id !== first[k].id)) return `community ${o.community}: hour ${t} offers other storage than hour 0`;
    }
  }
  return undefined;
}

/**
 * Stage 1 (module comment): the prices and traded quantities of the day from the managers' offers
 * alone. `offers[t][c]` in community order. Returns why no clearing exists when import caps leave a
 * community short. Throws `SolverError` when HiGHS fails.
 */
export function coordinateDay(highs: HighsModule, grid: GridPrices, feeEurPerKwh: number, hoursH: readonly number[], offers: readonly (readonly ManagerOffer[])[]): DayCoordination | { infeasible: string } {
  const first = solveCoordination(highs, grid, feeEurPerKwh, hoursH, offers, undefined);
  if ('infeasible' in first || !wheels(first)) return first;
  // a community both bought and sold in an hour (free with a zero fee, or worth it around a refused
  // partner or an import cap): each community trades only its own net position, so the day is
  // solved again with each community's side in each hour fixed by the first solution's net import
  const side = first.netImportKw.map((row) => Int8Array.from(row, (y) => (y > WHEEL_EPS_KW ? 1 : y < -WHEEL_EPS_KW ? -1 : 0)));
  const second = solveCoordination(highs, grid, feeEurPerKwh, hoursH, offers, side);
  if ('infeasible' in second) return second;
  // no worse than the first (within HiGHS's tolerance): the first's multipliers price the second's
  // quantities too (every optimum pairs with every dual optimum of a convex QP), and they are the
  // border's prices also for a community left with no border in an hour
  const same = Math.abs(second.objectiveEur - first.objectiveEur) <= 1e-9 * (1 + Math.abs(first.objectiveEur));
  if (same) return { ...second, priceEurPerKwh: first.priceEurPerKwh, storageValueEurPerKwh: first.storageValueEurPerKwh };
  const priceEurPerKwh = second.priceEurPerKwh.map((row, t) => row.map((p, c) => (side[t][c] === 0 ? first.priceEurPerKwh[t][c] : p)));
  return { ...second, priceEurPerKwh };
}

/** Trade below this is rounding, kW. */
const WHEEL_EPS_KW = 1e-9;

/** Whether some community both takes in and sends out power in one hour (passes others' trade through). */
function wheels(d: DayCoordination): boolean {
  return d.flows.some((fl) => {
    const inKw = new Map<number, number>();
    const outKw = new Map<number, number>();
    for (const f of fl) {
      if (f.to >= 0) inKw.set(f.to, (inKw.get(f.to) ?? 0) + f.kw);
      if (f.from >= 0) outKw.set(f.from, (outKw.get(f.from) ?? 0) + f.kw);
    }
    for (const [c, kw] of inKw) if (kw > WHEEL_EPS_KW && (outKw.get(c) ?? 0) > WHEEL_EPS_KW) return true;
    return false;
  });
}

/**
 * Stage 1's QP. `side[t][c]`: +1 the community may only buy in hour t, −1 only sell, 0 neither;
 * undefined: both (see `coordinateDay`).
 */
function solveCoordination(highs: HighsModule, grid: GridPrices, feeEurPerKwh: number, hoursH: readonly number[], offers: readonly (readonly ManagerOffer[])[], side: readonly Int8Array[] | undefined): DayCoordination | { infeasible: string } {
  // price windows (as `clearDayAhead`'s): only where every pair trades on the same terms, since
  // the windows come from the exact single-price clearing, which knows no partner terms
  const windows = side === undefined && !offers.some((row) => row.some(hasPartnerTerms)) ? offerWindows(grid, feeEurPerKwh, hoursH, offers) : undefined;
  if (windows) {
    try {
      const r = solveCoordinationIn(highs, grid, feeEurPerKwh, hoursH, offers, side, windows);
      if ('infeasible' in r || insideWindows(r, windows)) return r;
    } catch (err) {
      // HiGHS's QP failing (error −1, even after the ceiling retry) on one model may not on the other
      if (!(err instanceof SolverError) || err.status !== 'error') throw err;
    }
  }
  // the monotonicity behind the windows failed, HiGHS failed on them, or there are none: every piece of every curve
  return solveCoordinationIn(highs, grid, feeEurPerKwh, hoursH, offers, side, undefined);
}

/** Per hour and community, the lowest and highest price any storage schedule can bring about, EUR/kWh. */
interface OfferWindows {
  readonly low: Float64Array[];
  readonly high: Float64Array[];
}

/**
 * Why these bound the day's prices (`priceWindow` in day-ahead.ts, from the offers): a community's
 * price never falls when any community's load rises, so every storage schedule gives prices between
 * those with all storage discharging at full power and all charging at full power, each hour
 * cleared exactly from the offers (`clearOffers`) with the curves shifted by that power. Returns
 * undefined where an hour cannot be cleared that way (an import cap short): no windows then.
 */
function offerWindows(grid: GridPrices, fee: number, hoursH: readonly number[], offers: readonly (readonly ManagerOffer[])[]): OfferWindows | undefined {
  const low: Float64Array[] = [];
  const high: Float64Array[] = [];
  for (let t = 0; t < offers.length; t++) {
    const at = (sign: 1 | -1) => {
      const shifted = offers[t].map((o) => {
        let kw = 0;
        for (const b of o.storage ?? []) kw += sign > 0 ? chargeLimitKw(b) : -dischargeLimitKw(b);
        const c = o.curve;
        const curve = c.pricesEurPerKwh.length > 0 ? { pricesEurPerKwh: c.pricesEurPerKwh, lowKw: c.lowKw.map((v) => v + kw), highKw: c.highKw.map((v) => v + kw) } : { pricesEurPerKwh: [grid.exportPriceEurPerKwh], lowKw: [kw], highKw: [kw] };
        return { ...o, curve, storage: undefined, partners: undefined };
      });
      const r = clearOffers(shifted, grid, fee, hoursH[t]);
      return 'infeasible' in r ? undefined : r.priceEurPerKwh;
    };
    const lo = at(-1);
    const hi = at(1);
    if (!lo || !hi) return undefined;
    low.push(lo);
    high.push(hi);
  }
  return { low, high };
}

function insideWindows(d: DayCoordination, w: OfferWindows): boolean {
  const tol = 1e-9;
  return d.priceEurPerKwh.every((row, t) => row.every((p, c) => p >= w.low[t][c] - tol && p <= w.high[t][c] + tol));
}

/** Stage 1's QP, with the curves' pieces inside `windows` only (undefined: every piece). */
function solveCoordinationIn(highs: HighsModule, grid: GridPrices, feeEurPerKwh: number, hoursH: readonly number[], offers: readonly (readonly ManagerOffer[])[], side: readonly Int8Array[] | undefined, windows: OfferWindows | undefined): DayCoordination | { infeasible: string } {
  const T = offers.length;
  const nc = T > 0 ? offers[0].length : 0;
  const pi = grid.importPriceEurPerKwh;
  const pe = grid.exportPriceEurPerKwh;
  const fee = feeEurPerKwh;
  const ids = nc > 0 ? offers[0].map((o) => o.community) : [];
  const bilateral = offers.some((row) => row.some(hasPartnerTerms));
  // the pairs that may trade: both accept each other (the same pairs every hour would be a
  // restriction strategies need not obey, so it is read per hour)
  const solve = (ceilings: ReadonlySet<string> | undefined) => {
    const q: QpText = { obj: [], quad: [], rows: [], bounds: [] };
    const unbounded: Array<[string, number]> = [];
    const flowVars: Array<{ t: number; from: number; to: number; v: string }> = [];
    for (let t = 0; t < T; t++) {
      const h = hoursH[t];
      // the hour's exact single-price clearing without storage: the QP's starting point only
      const start = clearOffers(offers[t].map((o) => ({ ...o, partners: undefined, storage: undefined })), grid, fee, h);
      const lhsOf: string[][] = [];
      const rhsOf: number[] = [];
      for (let c = 0; c < nc; c++) {
        const o = offers[t][c];
        const knots = o.curve.pricesEurPerKwh;
        // every piece of the curve (below its first knot and above its last it is constant), or
        // those inside the hour's price window: pieces above it are always taken, below never
        const top = windows ? windows.high[t][c] : Math.max(pi, knots.length ? knots[knots.length - 1] : pi);
        const bottom = windows ? Math.min(top, windows.low[t][c]) : Math.min(pe, knots.length ? knots[0] : pe);
        const prices: number[] = [top];
        for (let j = knots.length - 1; j >= 0; j--) if (knots[j] < prices[prices.length - 1] && knots[j] > bottom) prices.push(knots[j]);
        if (bottom < top) prices.push(bottom);
        const ref = 'infeasible' in start ? top : start.priceEurPerKwh[c];
        const { lhs, rhsKw } = writePieces(q, `d${t}_${c}_`, h, prices, ref, (x) => curveAt(o.curve, x).low, (x) => curveAt(o.curve, x).high);
        (o.storage ?? []).forEach((b, k) => {
          const key = `${c}b${k}`;
          const next = t + 1 < T ? ((offers[t + 1][c].storage ?? [])[k]?.valueEurPerKwh ?? 0) : 0;
          writeBattery(q, t, T, key, b, h, next, ceilings, unbounded);
          lhs.push(`- c${t}_${key}`, `+ x${t}_${key}`);
        });
        const gi = `gi${t}_${c}`;
        const ge = `ge${t}_${c}`;
        lhs.unshift(gi, `- ${ge}`);
        q.obj.push(objectiveTerm(h * pi, gi), objectiveTerm(-h * pe, ge));
        const buys = !side || side[t][c] > 0;
        const sells = !side || side[t][c] < 0;
        if (!buys) q.bounds.push(`${gi} = 0`);
        else if (o.maxGridImportKw !== null) q.bounds.push(`0 <= ${gi} <= ${lpNumber(o.maxGridImportKw)}`);
        if (!sells) q.bounds.push(`${ge} = 0`);
        lhsOf.push(lhs);
        rhsOf.push(rhsKw);
      }
      if (bilateral) {
        for (let c = 0; c < nc; c++) {
          for (let d = 0; d < nc; d++) {
            if (c === d || !acceptsPartner(offers[t][c], ids[d]) || !acceptsPartner(offers[t][d], ids[c])) continue;
            if (side && !(side[t][c] < 0 && side[t][d] > 0)) continue;
            // a kWh from c to d: the fee and c's markup to d are its cost in the offers' welfare
            const v = `f${t}_${c}_${d}`;
            const cost = fee + marginTo(offers[t][c], ids[d]);
            if (cost !== 0) q.obj.push(objectiveTerm(hoursH[t] * cost, v));
            lhsOf[c].push(`- ${v}`);
            lhsOf[d].push(`+ ${v}`);
            flowVars.push({ t, from: c, to: d, v });
          }
        }
      } else if (nc > 1) {
        // every pair trades on the same terms: one pool per hour, as the central QP writes it (one
        // price μ; the bilateral form's many equal routings made HiGHS's QP fail, error −1)
        const pool: string[] = [];
        for (let c = 0; c < nc; c++) {
          const qi = `qi${t}_${c}`;
          const qo = `qo${t}_${c}`;
          if (!side || side[t][c] > 0) {
            lhsOf[c].push(`+ ${qi}`);
            pool.push(`- ${qi}`);
            if (fee !== 0) q.obj.push(objectiveTerm(hoursH[t] * fee, qi));
          }
          if (!side || side[t][c] < 0) {
            lhsOf[c].push(`- ${qo}`);
            pool.push(`+ ${qo}`);
            const mk = offers[t][c].exportMarginEurPerKwh;
            if (mk !== 0) q.obj.push(objectiveTerm(hoursH[t] * mk, qo));
          }
        }
        if (pool.length > 0) q.rows.push(`pool${t}: ${pool.join(' ')} = 0`);
      }
      // balance of each community: what it takes from outside = its non-storage net demand + charging
      for (let c = 0; c < nc; c++) q.rows.push(`bal${t}_${c}: ${lhsOf[c].join(' ')} = ${lpNumber(rhsOf[c])}`);
    }
    const sol = solveLpFormatWith(highs, 'community-managers-day', lpModel(q.obj, q.quad, q.rows, q.bounds), HIGHS_QP_OPTIONS);
    const overCeiling = unbounded.filter(([e, ceiling]) => (sol.Columns[e]?.Primal ?? Infinity) > ceiling + 1e-9 * (1 + ceiling)).map(([e]) => e);
    return { sol, flowVars, overCeiling };
  };
  let r: ReturnType<typeof solve>;
  try {
    r = withCeilingRetry(solve);
  } catch (err) {
    if (err instanceof SolverError && /infeasible/i.test(err.status)) {
      const capped = offers[0].filter((o) => o.maxGridImportKw !== null).map((o) => o.community);
      return { infeasible: `no border trade meets every community's demand over the day${capped.length ? ` under the import caps of ${capped.join(', ')}` : ''}, or no storage schedule keeps every soc within its bounds` };
    }
    throw err;
  }
  const { sol, flowVars } = r;
  const dual = new Map<string, number>();
  for (const row of sol.Rows) dual.set(row.Name, row.Dual ?? NaN);
  const col = (name: string) => sol.Columns[name]?.Primal ?? 0;
  const priceEurPerKwh: Float64Array[] = [];
  const netImportKw: Float64Array[] = [];
  const flows: Array<Array<{ from: number; to: number; kw: number }>> = [];
  const storageValueEurPerKwh: Float64Array[][] = [];
  for (let t = 0; t < T; t++) {
    // the dual of an energy row is ∂(−welfare)/∂(energy added): minus the value of stored energy
    storageValueEurPerKwh.push(offers[t].map((o, c) => Float64Array.from(o.storage ?? [], (_, k) => -(dual.get(`s${t}_${c}b${k}`) ?? NaN) / OBJECTIVE_SCALE)));
    const lam = new Float64Array(nc);
    const y = new Float64Array(nc);
    const f: Array<{ from: number; to: number; kw: number }> = [];
    for (let c = 0; c < nc; c++) {
      const d = dual.get(`bal${t}_${c}`);
      if (d === undefined || !Number.isFinite(d)) throw new SolverError('community-managers-day', 'missing dual', `bal${t}_${c}`);
      lam[c] = snapTo(d / (OBJECTIVE_SCALE * hoursH[t]), [pi, pe]);
      const gi = Math.max(0, col(`gi${t}_${c}`));
      const ge = Math.max(0, col(`ge${t}_${c}`));
      if (gi > 1e-12) f.push({ from: -1, to: c, kw: gi });
      if (ge > 1e-12) f.push({ from: c, to: -1, kw: ge });
      y[c] += (gi > 1e-12 ? gi : 0) - (ge > 1e-12 ? ge : 0);
    }
    priceEurPerKwh.push(lam);
    netImportKw.push(y);
    flows.push(f);
  }
  for (const { t, from, to, v } of flowVars) {
    const kw = col(v);
    if (!(kw > 1e-12)) continue;
    flows[t].push({ from, to, kw });
    netImportKw[t][to] += kw;
    netImportKw[t][from] -= kw;
  }
  if (!bilateral && nc > 1) {
    for (let t = 0; t < T; t++) {
      // the pool's net positions, exporters serving importers in community order (`routeFlows`)
      const z = Float64Array.from({ length: nc }, (_, c) => col(`qi${t}_${c}`) - col(`qo${t}_${c}`));
      for (const f of routeFlows(z, true)) {
        if (f.from < 0 || f.to < 0 || !(f.kw > 1e-12)) continue;
        flows[t].push(f);
        netImportKw[t][f.to] += f.kw;
        netImportKw[t][f.from] -= f.kw;
      }
    }
  }
  const storageKw = offers.map((row, t) => row.map((o, c) => Float64Array.from(o.storage ?? [], (_, k) => col(`c${t}_${c}b${k}`) - col(`x${t}_${c}b${k}`))));
  return { priceEurPerKwh, netImportKw, flows, storageValueEurPerKwh, storageKw, objectiveEur: -sol.ObjectiveValue / OBJECTIVE_SCALE };
}

/** The day of community `c` alone (its agents, one community), and where its agents sit in the whole day. */
function communityDay(day: CommunityDay, c: number): { sub: CommunityDay; index: number[] } {
  const id = day.hours[0].communities[c].id;
  const index: number[] = [];
  day.hours[0].agents.forEach((a, i) => {
    if (a.community === id) index.push(i);
  });
  const hours = day.hours.map((p) => ({ ...p, communities: [{ id }], agents: index.map((i) => p.agents[i]) }));
  return { sub: { hours }, index };
}

/** Knots of the non-battery members of a one-community market, sorted. */
function memberKnots(m: CanonicalMarket, isBattery: Uint8Array): Float64Array {
  const buf: number[] = [];
  for (let i = 0; i < m.nAgents; i++) if (!isBattery[i]) pushKnots(m, i, buf);
  return sortedUnique(buf);
}

/** Σ members' response of a one-community market at price x (batteries pinned: their box is a point). */
function memberSum(m: CanonicalMarket, x: number, high: boolean): number {
  let s = 0;
  for (let i = 0; i < m.nAgents; i++) s += high ? responseHigh(m, i, x) : responseLow(m, i, x);
  return s;
}

/** Stage 2 for one community: its agents' net demand per hour, its prices and its batteries' stored-energy values. */
interface InternalDay {
  readonly dKw: Float64Array[];
  readonly priceEurPerKwh: Float64Array;
  readonly energyValueEurPerKwh: Float64Array[];
}

/**
 * Stage 2 (module comment): community `sub` (one community) clears its own day against its net
 * import `yKw[t]`: the reduced day QP of its members and batteries (identical batteries pooled) with
 * the border pinned, then hour by hour the exact price at which its members take Y minus the
 * batteries' schedule. `refPrice[t]`: stage 1's price (the QP's starting point, and the price an
 * hour keeps when a whole range clears it and the QP's multiplier is outside that range by rounding).
 */
function clearInternally(highs: HighsModule, sub: CommunityDay, yKw: readonly number[], refPrice: readonly number[], bank: BankLookup, stage1Schedule: boolean): InternalDay | { infeasible: string } {
  const pooled = poolBatteries(sub);
  const isBattery = Uint8Array.from(pooled.day.hours[0].agents, (a) => (a.kind === 'battery' ? 1 : 0));
  let pooledS: Float64Array[];
  if (stage1Schedule) {
    // the offer was the community's own (truthful curve and storage): stage 1's storage schedule
    // is an optimum of the community's day against Y (a better one would have raised stage 1's
    // welfare), so the manager dispatches its storage as cleared
    pooledS = pooled.day.hours.map((p, t) => Float64Array.from(p.agents, (a, i) => (isBattery[i] ? (bank.schedule(t, a.id) ?? NaN) : 0)));
    if (pooledS.some((row) => row.some(Number.isNaN))) throw new SolverError('community-managers-day', 'internal', `community ${sub.hours[0].communities[0].id}: a bank without a stage-1 schedule`);
  } else {
    const own = ownSchedule(highs, pooled.day, isBattery, yKw, refPrice);
    if ('infeasible' in own) return own;
    pooledS = own.sKw;
  }
  const nu = pooled.day.hours.map((p, t) => Float64Array.from(p.agents, (a, i) => (isBattery[i] ? (bank.value(t, a.id) ?? 0) : 0)));
  const schedule = unpool({ sKw: pooledS, energyValueEurPerKwh: nu, windows: [], priceEurPerKwh: [] }, pooled, sub);
  return clearHours(sub, schedule, yKw, refPrice);
}

/** Stage 1's bank schedules and stored-energy values of one community, by bank id. */
interface BankLookup {
  schedule(t: number, id: string): number | undefined;
  value(t: number, id: string): number | undefined;
}

/**
 * The community's own day problem against its traded quantities (stage 2 with an offer that was not
 * its own): the reduced day QP of its members and (pooled) batteries with the border pinned to Y.
 * Returns the pooled batteries' schedule, or why none exists.
 */
function ownSchedule(highs: HighsModule, pd: CommunityDay, isBattery: Uint8Array, yKw: readonly number[], refPrice: readonly number[]): { sKw: Float64Array[] } | { infeasible: string } {
  const T = pd.hours.length;
  const id = pd.hours[0].communities[0].id;
  const solve = (ceilings: ReadonlySet<string> | undefined) => {
    const q: QpText = { obj: [], quad: [], rows: [], bounds: [] };
    const unbounded: Array<[string, number]> = [];
    for (let t = 0; t < T; t++) {
      const p = pd.hours[t];
      const h = p.periodHours;
      const m = toCanonical(p);
      const knots = memberKnots(m, isBattery);
      const top = Math.max(m.importPrice, knots.length ? knots[knots.length - 1] : m.importPrice);
      const bottom = Math.min(m.exportPrice, knots.length ? knots[0] : m.exportPrice);
      const prices: number[] = [top];
      for (let j = knots.length - 1; j >= 0; j--) if (knots[j] < prices[prices.length - 1] && knots[j] > bottom) prices.push(knots[j]);
      if (bottom < top) prices.push(bottom);
      const nonBattery = (x: number, high: boolean) => {
        let s = 0;
        for (let i = 0; i < m.nAgents; i++) if (!isBattery[i]) s += high ? responseHigh(m, i, x) : responseLow(m, i, x);
        return s;
      };
      const { lhs, rhsKw } = writePieces(q, `d${t}_`, h, prices, refPrice[t], (x) => nonBattery(x, false), (x) => nonBattery(x, true));
      p.agents.forEach((ag, i) => {
        if (!isBattery[i]) return;
        const next = t + 1 < T ? (pd.hours[t + 1].agents[i] as BatteryAgent).valueEurPerKwh : 0;
        writeBattery(q, t, T, `${i}`, ag as BatteryAgent, h, next, ceilings, unbounded);
        lhs.push(`- c${t}_${i}`, `+ x${t}_${i}`);
      });
      // the border is pinned: non-storage net demand + charging = Y (a row with no column: a free slack keeps it well-formed)
      if (lhs.length === 0) lhs.push(`+ z${t}`), q.bounds.push(`z${t} = 0`);
      q.rows.push(`bal${t}: ${lhs.join(' ')} = ${lpNumber(rhsKw - yKw[t])}`);
    }
    const sol = solveLpFormatWith(highs, 'community-managers-internal', lpModel(q.obj, q.quad, q.rows, q.bounds), HIGHS_QP_OPTIONS);
    const overCeiling = unbounded.filter(([e, ceiling]) => (sol.Columns[e]?.Primal ?? Infinity) > ceiling + 1e-9 * (1 + ceiling)).map(([e]) => e);
    return { sol, overCeiling };
  };
  let sol: ReturnType<typeof solve>['sol'];
  try {
    sol = withCeilingRetry(solve).sol;
  } catch (err) {
    if (err instanceof SolverError && /infeasible/i.test(err.status)) return { infeasible: `community ${id}: its members and batteries cannot take the day's traded quantities (${yKw.map((v) => v.toFixed(3)).join(', ')} kW) within their bounds` };
    throw err;
  }
  const n = pd.hours[0].agents.length;
  const sKw: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) if (isBattery[i]) s[i] = (sol.Columns[`c${t}_${i}`]?.Primal ?? 0) - (sol.Columns[`x${t}_${i}`]?.Primal ?? 0);
    sKw.push(s);
  }
  return { sKw };
}

/**
 * Stage 2, hour by hour: with the batteries at their schedule, the members' exact clearing price
 * against Y and their responses. Returns why not when they cannot take Y.
 */
function clearHours(sub: CommunityDay, schedule: DayAheadSchedule, yKw: readonly number[], refPrice: readonly number[]): InternalDay | { infeasible: string } {
  const T = sub.hours.length;
  const id = sub.hours[0].communities[0].id;
  // hour by hour: the members' exact clearing price at the batteries' schedule, and their responses
  const isBat = Uint8Array.from(sub.hours[0].agents, (a) => (a.kind === 'battery' ? 1 : 0));
  const soc = Float64Array.from(sub.hours[0].agents, (a) => (a.kind === 'battery' ? a.soc : NaN));
  const dKw: Float64Array[] = [];
  const price = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const p = withSoc(sub.hours[t], soc);
    const m = pinBatteries(toCanonical(p), schedule.sKw[t], isBat);
    const knots = memberKnots(m, isBat);
    const lo = Math.min(m.exportPrice, knots.length ? knots[0] : m.exportPrice) - 1;
    const hi = Math.max(m.importPrice, knots.length ? knots[knots.length - 1] : m.importPrice) + 1;
    // the prices at which the members take Y to within rounding: Y comes from stage 1's QP, a few
    // ulps off a bound (PV at its maximum) would otherwise pin the price to a corner of its range
    const eps = 1e-9 * (1 + Math.abs(yKw[t]));
    const fLow = (x: number) => memberSum(m, x, false);
    const fHigh = (x: number) => memberSum(m, x, true);
    const left = solveNonIncreasing(knots, lo, hi, fLow, fHigh, yKw[t] + eps).left;
    const right = Math.max(left, solveNonIncreasing(knots, lo, hi, fLow, fHigh, yKw[t] - eps).right);
    // stage 1's price, where the members take Y at it; it is exact only to HiGHS's tolerance, so it
    // is moved into the range of prices at which they do (a point where they respond smoothly)
    const lam = snapTo(Math.min(right, Math.max(left, refPrice[t])), [refPrice[t], m.importPrice, m.exportPrice]);
    const d = new Float64Array(m.nAgents);
    const got = respondAt(m, 0, lam, yKw[t], d);
    if (!(Math.abs(got - yKw[t]) <= 1e-7 * (1 + Math.abs(yKw[t])))) {
      return { infeasible: `community ${id}, hour ${t}: its members and batteries take ${got} kW at ${lam} EUR/kWh, but its manager traded ${yKw[t]} kW` };
    }
    dKw.push(d);
    price[t] = lam;
    p.agents.forEach((ag, i) => {
      if (ag.kind === 'battery') soc[i] = socAfter(ag as BatteryAgent, d[i], p.periodHours);
    });
  }
  return { dKw, priceEurPerKwh: price, energyValueEurPerKwh: schedule.energyValueEurPerKwh };
}

/**
 * The truthful day offers of `day`'s communities: per hour the curve of each community's members
 * other than batteries, and its batteries pooled into banks (`poolBatteries`).
 */
export function truthfulDayOffers(day: CommunityDay): ManagerOffer[][] {
  const nc = day.hours[0].communities.length;
  const perCommunity = Array.from({ length: nc }, (_, c) => {
    const { sub } = communityDay(day, c);
    const pooled = poolBatteries(sub).day;
    return pooled.hours.map((p) => dayOfferOf(p));
  });
  return day.hours.map((_, t) => perCommunity.map((o) => o[t]));
}

/**
 * One hour's truthful offer of a one-community problem whose identical batteries are already
 * pooled: the curve of its other members, and its batteries as storage.
 */
export function dayOfferOf(p: CommunityProblem): ManagerOffer {
  const id = p.communities[0].id;
  const members = p.agents.filter((a) => a.kind !== 'battery');
  const storage = p.agents.filter((a): a is BatteryAgent => a.kind === 'battery');
  const m = toCanonical({ ...p, agents: members });
  return { community: id, curve: communityCurve(m, 0), exportMarginEurPerKwh: 0, maxGridImportKw: null, storage };
}

/**
 * Whether a community's offers are its own truthful ones in curve and storage (a markup, a cap or
 * partner terms aside: those act at the border only), hour by hour.
 */
function isOwnOffer(sub: CommunityDay, offers: readonly ManagerOffer[]): boolean {
  const own = poolBatteries(sub).day.hours.map(dayOfferOf);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, k) => v === b[k]);
  return own.every((o, t) => {
    const x = offers[t];
    return same(x.curve.pricesEurPerKwh, o.curve.pricesEurPerKwh) && same(x.curve.lowKw, o.curve.lowKw) && same(x.curve.highKw, o.curve.highKw) && JSON.stringify(x.storage ?? []) === JSON.stringify(o.storage ?? []);
  });
}

/**
 * Clears `day` from the managers' day offers (`offers[t][c]`, community order; default: truthful) —
 * stage 1 then stage 2 (module comment) — and settles every hour. Checks the run-time invariants
 * of every hour (`assertManagerInvariants`) and of the storage over the day
 * (`assertStorageInvariants`). Returns status `infeasible` with the reason when the offers cannot
 * be cleared or a community cannot take what its manager traded. Throws `SolverError` when HiGHS
 * fails, and on offers that are not well-formed.
 */
export function clearDayByManagers(highs: HighsModule, day: CommunityDay, offers?: readonly (readonly ManagerOffer[])[], options: { readonly ownSchedules?: boolean } = {}): ManagersDayResult {
  validateDay(day);
  const first = day.hours[0];
  const m0 = toCanonical(first);
  if (m0.infeasible !== undefined) return infeasibleDay(m0.infeasible);
  const bids = offers ?? truthfulDayOffers(day);
  const bad = dayOffersProblem(day, bids);
  if (bad) throw new SolverError('community-managers-day', 'bad offer', bad);
  const T = day.hours.length;
  const nc = first.communities.length;
  const coord = coordinateDay(highs, first.grid, first.interCommunityFeeEurPerKwh, day.hours.map((p) => p.periodHours), bids);
  if ('infeasible' in coord) return infeasibleDay(coord.infeasible);
  // stage 2: every community on its own
  const n = first.agents.length;
  const dKw = Array.from({ length: T }, () => new Float64Array(n));
  const price = Array.from({ length: T }, () => new Float64Array(nc));
  const nu = Array.from({ length: T }, () => new Float64Array(n));
  for (let c = 0; c < nc; c++) {
    const { sub, index } = communityDay(day, c);
    const y = coord.netImportKw.map((row) => row[c]);
    const banks = bids[0][c].storage ?? [];
    const bankOf = (idOf: string) => banks.findIndex((b) => b.id === idOf);
    const bank: BankLookup = {
      schedule: (t, idOf) => (bankOf(idOf) < 0 ? undefined : coord.storageKw[t][c][bankOf(idOf)]),
      value: (t, idOf) => (bankOf(idOf) < 0 ? undefined : coord.storageValueEurPerKwh[t][c][bankOf(idOf)]),
    };
    const own = !options.ownSchedules && isOwnOffer(sub, bids.map((row) => row[c]));
    const inner = clearInternally(highs, sub, y, coord.priceEurPerKwh.map((row) => row[c]), bank, own);
    if ('infeasible' in inner) return infeasibleDay(inner.infeasible);
    for (let t = 0; t < T; t++) {
      price[t][c] = inner.priceEurPerKwh[t];
      index.forEach((i, k) => {
        dKw[t][i] = inner.dKw[t][k];
        nu[t][i] = inner.energyValueEurPerKwh[t][k];
      });
    }
  }
  // settlement, hour by hour along the batteries' soc path
  const soc = Float64Array.from(first.agents, (ag) => (ag.kind === 'battery' ? ag.soc : NaN));
  const hours: ManagersResult[] = [];
  let welfare = 0;
  for (let t = 0; t < T; t++) {
    const p = withSoc(day.hours[t], soc);
    const m = toCanonical(p);
    const base = settle(p, m, { dKw: dKw[t], priceEurPerKwh: price[t], flows: coord.flows[t] });
    const margins = marginsOf(p, bids[t], coord, t, price[t]);
    const managers: ManagerOutcome[] = outcomesOf(p, m, base, margins);
    const r: ManagersResult = { ...base, interPriceEurPerKwh: null, managers };
    assertManagerInvariants(p, m, r);
    hours.push(r);
    welfare += r.welfareEur as number;
    p.agents.forEach((ag, i) => {
      if (ag.kind === 'battery') soc[i] = socAfter(ag as BatteryAgent, dKw[t][i], p.periodHours);
    });
  }
  const result: ManagersDayResult = { status: 'optimal', welfareEur: welfare, hours, energyValueEurPerKwh: nu };
  assertStorageInvariants(day, result);
  return result;
}

/**
 * Each manager's margin in hour t, EUR: its members' payments (λ_c·Y_c) less its border
 * settlements — the grid at π_imp/π_exp, a kWh bought from d at d's price plus d's markup to it
 * plus the fee, a kWh sold to d at its own stage-1 price plus its markup to d (module comment).
 */
function marginsOf(p: CommunityProblem, offers: readonly ManagerOffer[], coord: DayCoordination, t: number, price: Float64Array): Float64Array {
  const h = p.periodHours;
  const pi = p.grid.importPriceEurPerKwh;
  const pe = p.grid.exportPriceEurPerKwh;
  const fee = p.interCommunityFeeEurPerKwh;
  const ids = p.communities.map((c) => c.id);
  const lamM = coord.priceEurPerKwh[t];
  const margin = new Float64Array(ids.length);
  for (let c = 0; c < ids.length; c++) margin[c] = h * price[c] * coord.netImportKw[t][c];
  for (const f of coord.flows[t]) {
    if (f.from < 0) margin[f.to] -= h * pi * f.kw;
    else if (f.to < 0) margin[f.from] += h * pe * f.kw;
    else {
      // the seller's stage-1 price plus its markup to the buyer; where that is the buyer's price less the fee within rounding, exactly that
      const sell = snapTo(lamM[f.from] + marginTo(offers[f.from], ids[f.to]), [lamM[f.to] - fee]);
      margin[f.from] += h * sell * f.kw;
      margin[f.to] -= h * (sell + fee) * f.kw;
    }
  }
  return margin;
}

/**
 * Run-time invariant of the storage over a cleared day (DESIGN rule 9; seed 000, Eqs. (9)–(11)):
 * every battery's soc follows Eq. (9) from its starting soc hour by hour, stays within [soc_min,
 * soc_max] and ends at or above its terminal floor; its charge within its power limits. Throws
 * `SolverError`.
 */
export function assertStorageInvariants(day: CommunityDay, r: DayResult, tol = 1e-7): void {
  if (r.status !== 'optimal') return;
  const first = day.hours[0];
  const soc = Float64Array.from(first.agents, (ag) => (ag.kind === 'battery' ? ag.soc : NaN));
  const T = day.hours.length;
  for (let t = 0; t < T; t++) {
    day.hours[t].agents.forEach((ag: CommunityAgent, i) => {
      if (ag.kind !== 'battery') return;
      const b = { ...ag, soc: soc[i] };
      const a = r.hours[t].agents[i];
      const expected = socAfter(b, a.sKw, day.hours[t].periodHours);
      const fail = (what: string) => {
        throw new SolverError('community-managers-day', 'invariant violated', `battery ${ag.id}, hour ${t}: ${what}`);
      };
      if (a.soc === null || !(Math.abs(a.soc - expected) <= tol)) fail(`soc ${a.soc} does not follow Eq. 9 (${expected})`);
      if (!(expected >= ag.socMin - tol && expected <= ag.socMax + tol)) fail(`soc ${expected} outside [${ag.socMin}, ${ag.socMax}]`);
      if (t === T - 1 && ag.terminalSocMin !== undefined && !(expected >= ag.terminalSocMin - tol)) fail(`ends the day at soc ${expected}, below its terminal floor ${ag.terminalSocMin}`);
      soc[i] = expected;
    });
  }
}
