/**
 * The inter-community market of seed 000 cleared from community managers' offers (issue 16): price
 * coordination, the dual decomposition of Eqs. (3)–(8).
 *
 * A manager's offer is its community's net-import curve X_c(λ): what its members together take
 * from outside at internal price λ (kW, > 0 imports), non-increasing and piecewise affine, built
 * from the members' canonical best responses (`canonical.ts`). Read the other way it is the
 * community's marginal value by quantity — the derivative of its value function — so the curve IS
 * the value function up to a constant. A strategy may shade it: a markup m_c on what the community
 * sells to the other communities (kept by the manager), a cap K_c on its upstream import.
 *
 * Clearing (exact, no iteration, the same KKT reasoning as `fast-solver.ts`): with one fee on a full
 * mesh, every community selling to others receives one price μ and every buyer pays μ + fee. At μ,
 * community c, with b = μ + fee and s = μ − m_c, trades with the others
 *   I_c(μ) = max(0, X_c(b) − K'_c)  (imports; K'_c = K_c if b ≥ π_imp, else 0: the grid is cheaper up to its cap)
 *   E_c(μ) = max(0, −X_c(s))         if s ≥ π_exp, else 0   (exports to others; below π_exp the grid pays more)
 * z_c = I_c − E_c is non-increasing in μ and piecewise affine with known knots, so Σ_c z_c(μ) = 0 is
 * solved exactly by `solveNonIncreasing`. Each community then clears internally against its traded
 * quantities at its price: b when it imports from others, s when it exports to them, otherwise the
 * price at which its members balance with the grid alone. A manager trades only its own community's
 * net position (no wheeling of grid power to a capped neighbour).
 *
 * With truthful offers (m_c = 0, K_c = ∞) this is the KKT system of the central QP (Eq. (1)), so
 * welfare equals the central solvers' (tested against `fast-solver.ts` and the HiGHS oracle).
 *
 * Settlement: members pay their community price for their net demand; the manager pays μ + fee per
 * kWh imported from others, receives μ per kWh sold to them, and trades with the grid at π_imp /
 * π_exp. Its surplus (the markup on exports, plus the scarcity rent (λ_c − π_imp)·K_c of a binding
 * import cap) is the manager's margin; Σ members' welfare + Σ margins = welfare of Eq. (1).
 */
import { SolverError } from '../errors.js';
import { type CanonicalMarket, pushKnots, responseHigh, responseLow, toCanonical } from './canonical.js';
import { respondAt, routeFlows, solveNonIncreasing, sortedUnique } from './fast-solver.js';
import { primalResidualKw } from './kkt.js';
import { type BatteryAgent, type CommunityProblem, type CommunityResult, GRID_ID, type GridPrices } from './model.js';
import { infeasibleResult, settle } from './settle.js';

/**
 * A community's net import by internal price (kW, imports > 0), piecewise affine. At knot k it takes
 * every value in [lowKw[k], highKw[k]] (a jump where linear members switch); between knots k and k+1
 * it runs affinely from lowKw[k] to highKw[k+1]; below the first knot it is highKw[0], above the last
 * lowKw[last]. An empty curve is 0 (a community without members). Plain arrays: it travels on the bus.
 */
export interface NetImportCurve {
  /** strictly increasing, EUR/kWh */
  readonly pricesEurPerKwh: readonly number[];
  readonly lowKw: readonly number[];
  readonly highKw: readonly number[];
}

/**
 * A manager's terms for one partner community (issue 16: a manager may refuse a named neighbour).
 * Trade between two communities needs both to accept each other; refused, neither sells to the
 * other (Eq. (8) then holds between accepting partners only).
 */
export interface PartnerTerms {
  /** false: no trade with that community, either way */
  readonly accept: boolean;
  /** markup on sales to that community, EUR/kWh ≥ 0, in place of the offer's `exportMarginEurPerKwh` */
  readonly exportMarginEurPerKwh?: number;
}

/** What a community manager bids into the inter-community market. */
export interface ManagerOffer {
  readonly community: string;
  /**
   * the community's net import by internal price (its members' aggregate, or shaded by the manager);
   * in a day-ahead market, of its members other than the batteries in `storage`
   */
  readonly curve: NetImportCurve;
  /** markup on each kWh the community sells to other communities, EUR/kWh ≥ 0 (the manager keeps it) */
  readonly exportMarginEurPerKwh: number;
  /** largest upstream (grid) import, kW ≥ 0; null: unlimited */
  readonly maxGridImportKw: number | null;
  /** per-partner terms by community id; a partner not named trades on the offer's own terms */
  readonly partners?: Readonly<Record<string, PartnerTerms>>;
  /**
   * day-ahead market only: the community's storage for this period, as banks of its identical
   * batteries (`poolBatteries`): with the curve, its value over the day of what it trades outside
   * (markets/community/managers-day.ts)
   */
  readonly storage?: readonly BatteryAgent[];
}

/** Whether `o` trades with community `partner` at all (both sides must accept: see `PartnerTerms`). */
export function acceptsPartner(o: ManagerOffer, partner: string): boolean {
  return !o.partners || !Object.hasOwn(o.partners, partner) || o.partners[partner].accept !== false;
}

/** The markup `o` keeps on each kWh it sells to `partner`, EUR/kWh. */
export function marginTo(o: ManagerOffer, partner: string): number {
  const t = o.partners && Object.hasOwn(o.partners, partner) ? o.partners[partner] : undefined;
  return t?.exportMarginEurPerKwh ?? o.exportMarginEurPerKwh;
}

/** Whether an offer sets partner-specific terms (the single-price clearing `clearOffers` cannot honour them). */
export function hasPartnerTerms(o: ManagerOffer): boolean {
  return o.partners !== undefined && Object.keys(o.partners).length > 0;
}

/** A community's part of the clearing. Powers kW for the period, money EUR for the period. */
export interface ManagerOutcome {
  readonly community: string;
  /** internal price, EUR/kWh: what members pay per kWh of net demand */
  readonly priceEurPerKwh: number;
  /** Σ members' net demand = net import, kW */
  readonly netImportKw: number;
  readonly gridImportKw: number;
  readonly gridExportKw: number;
  /** bought from each other community (by id), kW */
  readonly importFromKw: Readonly<Record<string, number>>;
  /** sold to each other community (by id), kW */
  readonly exportToKw: Readonly<Record<string, number>>;
  /** internal volume: what the members with net supply sell to those with net demand inside the community, kW */
  readonly internalVolumeKw: number;
  /** the manager's surplus: members' payments minus border settlements, EUR */
  readonly marginEur: number;
}

export interface ManagersResult extends CommunityResult {
  /** μ: price received per kWh sold between communities (buyers pay μ + fee), EUR/kWh; null without such trade */
  readonly interPriceEurPerKwh: number | null;
  readonly managers: readonly ManagerOutcome[];
}

/**
 * What is wrong with an offer (a strategy may build its own curve), or undefined: finite numbers,
 * prices strictly increasing, low ≤ high at each knot, and the curve non-increasing (a community
 * never takes more at a higher price), markup ≥ 0, cap ≥ 0 or null.
 */
export function offerProblem(o: ManagerOffer): string | undefined {
  const { pricesEurPerKwh: p, lowKw: lo, highKw: hi } = o.curve;
  if (!Array.isArray(p) || !Array.isArray(lo) || !Array.isArray(hi) || p.length !== lo.length || p.length !== hi.length) return 'curve: pricesEurPerKwh, lowKw and highKw must be arrays of one length';
  for (let k = 0; k < p.length; k++) {
    if (![p[k], lo[k], hi[k]].every(Number.isFinite)) return `curve point ${k} is not finite`;
    if (k > 0 && !(p[k] > p[k - 1])) return `curve prices must increase strictly (point ${k})`;
    if (!(lo[k] <= hi[k])) return `curve point ${k}: lowKw ${lo[k]} above highKw ${hi[k]}`;
    if (k > 0 && !(hi[k] <= lo[k - 1] + 1e-9 * (1 + Math.abs(lo[k - 1])))) return `curve point ${k}: net import rises with the price`;
  }
  if (!(o.exportMarginEurPerKwh >= 0) || !Number.isFinite(o.exportMarginEurPerKwh)) return `export margin ${o.exportMarginEurPerKwh} must be a finite number ≥ 0`;
  if (o.maxGridImportKw !== null && !(o.maxGridImportKw >= 0)) return `import cap ${o.maxGridImportKw} must be ≥ 0 or null`;
  if (o.partners !== undefined) {
    if (typeof o.partners !== 'object' || o.partners === null || Array.isArray(o.partners)) return 'partners must be an object keyed by community id';
    for (const [id, t] of Object.entries(o.partners)) {
      if (id === o.community) return `partners: a community cannot name itself (${id})`;
      if (typeof t !== 'object' || t === null || typeof t.accept !== 'boolean') return `partners.${id}.accept must be true or false`;
      const mk = t.exportMarginEurPerKwh;
      if (mk !== undefined && !(Number.isFinite(mk) && mk >= 0)) return `partners.${id}.exportMarginEurPerKwh ${mk} must be a finite number ≥ 0`;
    }
  }
  if (o.storage !== undefined && (!Array.isArray(o.storage) || o.storage.some((b) => b === null || typeof b !== 'object' || b.kind !== 'battery'))) return 'storage must be a list of batteries';
  return undefined;
}

/** Value range of `curve` at price λ: [low, high], kW. */
export function curveAt(curve: NetImportCurve, price: number): { low: number; high: number } {
  const p = curve.pricesEurPerKwh;
  const n = p.length;
  if (n === 0) return { low: 0, high: 0 };
  const tol0 = 1e-12 * (1 + Math.abs(price));
  if (price < p[0] - tol0) return { low: curve.highKw[0], high: curve.highKw[0] };
  if (price > p[n - 1] + tol0) return { low: curve.lowKw[n - 1], high: curve.lowKw[n - 1] };
  if (price < p[0]) return { low: curve.lowKw[0], high: curve.highKw[0] };
  if (price > p[n - 1]) return { low: curve.lowKw[n - 1], high: curve.highKw[n - 1] };
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (p[mid] <= price) lo = mid;
    else hi = mid;
  }
  const j = p[hi] <= price ? hi : lo;
  // a price a few ulps off a knot is that knot: μ ± fee or μ − markup, computed from a knot shifted
  // the other way, must see the jump there, or the inter-community balance skips it
  const tol = 1e-12 * (1 + Math.abs(price));
  if (price - p[j] <= tol) return { low: curve.lowKw[j], high: curve.highKw[j] };
  if (j + 1 < n && p[j + 1] - price <= tol) return { low: curve.lowKw[j + 1], high: curve.highKw[j + 1] };
  const t = (price - p[j]) / (p[j + 1] - p[j]);
  const v = curve.lowKw[j] + t * (curve.highKw[j + 1] - curve.lowKw[j]);
  return { low: v, high: v };
}

/**
 * Community c's truthful net-import curve: the sum of its members' best responses at every knot of
 * any member. Each response is constant below its first knot and above its last, and affine between
 * its own knots, so the sum is built in one sweep over the sorted knots (O(n log n), not O(n²)
 * evaluations): at each knot the sum's left limit is the last value plus slope × step, its right
 * limit adds the members' jumps there, and the slope changes by theirs.
 */
export function communityCurve(m: CanonicalMarket, c: number): NetImportCurve {
  const own: number[] = [];
  // events: price, jump (right − left limit) and slope change there, per member knot
  const evPrice: number[] = [];
  const evJump: number[] = [];
  const evSlope: number[] = [];
  let start = 0;
  for (let k = m.start[c]; k < m.start[c + 1]; k++) {
    const i = m.order[k];
    own.length = 0;
    pushKnots(m, i, own);
    // at most six knots: sorted and deduplicated in place (no allocation per member)
    const nk = sortSmallUnique(own);
    let slopeBefore = 0;
    for (let j = 0; j < nk; j++) {
      const x = own[j];
      const low = responseLow(m, i, x);
      const high = responseHigh(m, i, x);
      if (j === 0) start += high;
      const slopeAfter = j + 1 < nk ? (responseHigh(m, i, own[j + 1]) - low) / (own[j + 1] - x) : 0;
      evPrice.push(x);
      evJump.push(low - high);
      evSlope.push(slopeAfter - slopeBefore);
      slopeBefore = slopeAfter;
    }
  }
  const order = Uint32Array.from(evPrice.keys()).sort((u, v) => evPrice[u] - evPrice[v] || u - v);
  const pricesEurPerKwh: number[] = [];
  const lowKw: number[] = [];
  const highKw: number[] = [];
  let value = start;
  let slope = 0;
  let last = -Infinity;
  for (let r = 0; r < order.length; ) {
    const x = evPrice[order[r]];
    const high = pricesEurPerKwh.length === 0 ? value : value + slope * (x - last);
    let jump = 0;
    let dSlope = 0;
    for (; r < order.length && evPrice[order[r]] === x; r++) {
      jump += evJump[order[r]];
      dSlope += evSlope[order[r]];
    }
    pricesEurPerKwh.push(x);
    highKw.push(high);
    lowKw.push(high + jump);
    value = high + jump;
    slope += dSlope;
    last = x;
  }
  return { pricesEurPerKwh, lowKw, highKw };
}

/** Sorts a short list ascending in place, drops repeats and non-finite values; returns the count kept. */
function sortSmallUnique(a: number[]): number {
  for (let r = 1; r < a.length; r++) {
    const v = a[r];
    let w = r - 1;
    while (w >= 0 && a[w] > v) {
      a[w + 1] = a[w];
      w--;
    }
    a[w + 1] = v;
  }
  let n = 0;
  for (let r = 0; r < a.length; r++) {
    if (!Number.isFinite(a[r])) continue;
    if (n === 0 || a[r] !== a[n - 1]) a[n++] = a[r];
  }
  return n;
}

/** Every community's truthful offer (no markup, no cap), in the problem's community order. */
export function truthfulOffers(problem: CommunityProblem, m: CanonicalMarket = toCanonical(problem)): ManagerOffer[] {
  return problem.communities.map((c, k) => ({ community: c.id, curve: communityCurve(m, k), exportMarginEurPerKwh: 0, maxGridImportKw: null }));
}

/** The prices where a community's inter-community trade can change slope or jump, for μ. */
function pushOfferKnots(o: ManagerOffer, grid: GridPrices, fee: number, out: number[]): void {
  const ps = o.curve.pricesEurPerKwh;
  const margin = o.exportMarginEurPerKwh;
  for (const k of ps) out.push(k - fee, k + margin);
  out.push(grid.importPriceEurPerKwh - fee, grid.exportPriceEurPerKwh + margin);
  const cap = o.maxGridImportKw;
  for (const target of cap === null ? [0] : [0, cap]) {
    const r = rootOf(o.curve, target);
    if (r === undefined) continue;
    out.push(r.left - fee, r.right - fee, r.left + margin, r.right + margin);
  }
}

/** The price interval where `curve` takes `target`, if it does. */
function rootOf(curve: NetImportCurve, target: number): { left: number; right: number } | undefined {
  const ps = curve.pricesEurPerKwh;
  if (ps.length === 0) return undefined;
  const lo = ps[0] - 1;
  const hi = ps[ps.length - 1] + 1;
  const r = solveNonIncreasing(Float64Array.from(ps), lo, hi, (x) => curveAt(curve, x).low, (x) => curveAt(curve, x).high, target);
  return r.left === lo || r.right === hi ? undefined : r;
}

/** The knot of `curve` within rounding of `price`, or `price`. */
function snapToKnot(curve: NetImportCurve, price: number): number {
  const p = curve.pricesEurPerKwh;
  const tol = 1e-12 * (1 + Math.abs(price));
  let lo = 0;
  let hi = p.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (p[mid] <= price) lo = mid;
    else hi = mid;
  }
  for (const j of [lo, hi]) if (j >= 0 && j < p.length && Math.abs(p[j] - price) <= tol) return p[j];
  return price;
}

/** Snaps a price to a grid price within rounding (μ + fee lands a few ulps off π_imp). */
function snap(x: number, to: number): number {
  return Math.abs(x - to) <= 1e-12 * (1 + Math.abs(to)) ? to : x;
}

interface Ports {
  readonly b: number;
  readonly s: number;
}

/** Inter-community import range of one community at μ (imports > 0, exports < 0), kW. */
function interTrade(o: ManagerOffer, grid: GridPrices, fee: number, mu: number): { low: number; high: number; ports: Ports } {
  const pi = grid.importPriceEurPerKwh;
  const pe = grid.exportPriceEurPerKwh;
  const cap = o.maxGridImportKw ?? Infinity;
  const b = snap(mu + fee, pi);
  const s = snap(mu - o.exportMarginEurPerKwh, pe);
  const xb = curveAt(o.curve, b);
  // imports from others: below π_imp they are the cheapest source; at π_imp tied with the grid; above it only beyond the cap
  const iLow = b < pi ? Math.max(0, xb.low) : Math.max(0, xb.low - cap);
  const iHigh = b <= pi ? Math.max(0, xb.high) : Math.max(0, xb.high - cap);
  let eLow = 0;
  let eHigh = 0;
  if (s >= pe) {
    const xs = curveAt(o.curve, s);
    eHigh = Math.max(0, -xs.low);
    eLow = s > pe ? Math.max(0, -xs.high) : 0;
  }
  return { low: iLow - eHigh, high: iHigh - eLow, ports: { b, s } };
}

/** Price and net import of a community that trades with the grid alone, within [pLow, pHigh]. */
function aloneWithGrid(o: ManagerOffer, grid: GridPrices, pLow: number, pHigh: number): { price: number; yKw: number } | { infeasible: string } {
  const pi = grid.importPriceEurPerKwh;
  const pe = grid.exportPriceEurPerKwh;
  const cap = o.maxGridImportKw ?? Infinity;
  const curve = o.curve;
  const knots = Float64Array.from(curve.pricesEurPerKwh);
  const low = (x: number) => curveAt(curve, x).low;
  const high = (x: number) => curveAt(curve, x).high;
  const r = solveNonIncreasing(knots, pe, pi, low, high, 0);
  let price = (r.left + r.right) / 2;
  if (price >= pi && low(pi) > cap) {
    // short at π_imp beyond the cap: the price rises until the members' demand fits the cap
    const top = Math.max(pi, knots.length ? knots[knots.length - 1] : pi) + 1;
    if (low(top) > cap) return { infeasible: `community ${o.community} needs at least ${low(top)} kW, more than its upstream import cap of ${cap} kW` };
    const q = solveNonIncreasing(knots, pi, top, low, high, cap);
    price = (q.left + q.right) / 2;
  }
  price = Math.min(pHigh, Math.max(pLow, price));
  // the grid's net import at that price: (−∞, 0] at π_exp, [0, cap] at π_imp, cap above, else 0
  const gLo = price <= pe ? -Infinity : price > pi ? cap : 0;
  const gHi = price < pi ? 0 : cap;
  const x = curveAt(curve, price);
  const lo = Math.max(x.low, gLo);
  const hi = Math.min(x.high, gHi);
  return { price, yKw: Math.min(hi, Math.max(lo, 0)) };
}

/** Result of clearing offers: per community price, net import, trades; flows by community index (−1 grid). */
export interface OfferClearing {
  readonly interPriceEurPerKwh: number | null;
  readonly priceEurPerKwh: Float64Array;
  readonly netImportKw: Float64Array;
  readonly interKw: Float64Array;
  readonly gridImportKw: Float64Array;
  readonly gridExportKw: Float64Array;
  readonly marginEur: Float64Array;
  readonly flows: ReadonlyArray<{ from: number; to: number; kw: number }>;
}

/**
 * Clears the inter-community and upstream market from the managers' offers (see module comment).
 * `offers` in community order. Returns the per-community prices and quantities, or why no
 * clearing exists (an import cap below what a community must take).
 */
export function clearOffers(offers: readonly ManagerOffer[], grid: GridPrices, feeEurPerKwh: number, periodHours: number): OfferClearing | { infeasible: string } {
  const nc = offers.length;
  const pi = grid.importPriceEurPerKwh;
  const pe = grid.exportPriceEurPerKwh;
  const fee = feeEurPerKwh;
  for (const o of offers) {
    const problem = offerProblem(o);
    if (problem) throw new SolverError('community-managers', 'bad offer', `community ${o.community}: ${problem}`);
  }
  // μ's range: below π_exp + the smallest markup nobody sells to others; above π_imp − fee nobody
  // buys from them, unless a cap binds, when buyers may pay up to their curve's top
  const muMin = pe + Math.min(...offers.map((o) => o.exportMarginEurPerKwh));
  let muMax = pi - fee;
  const capBinds = offers.some((o) => o.maxGridImportKw !== null && curveAt(o.curve, pi).low > o.maxGridImportKw);
  if (capBinds) for (const o of offers) muMax = Math.max(muMax, ...o.curve.pricesEurPerKwh.map((k) => k - fee + 1));
  const inter = nc > 1 && muMin <= muMax;
  let mu: number | null = null;
  const z = new Float64Array(nc);
  const ports: Ports[] = offers.map(() => ({ b: Infinity, s: -Infinity }));
  if (inter) {
    const scratch: number[] = [];
    for (const o of offers) pushOfferKnots(o, grid, fee, scratch);
    const knots = sortedUnique(scratch);
    const sum = (x: number, high: boolean) => {
      let t = 0;
      for (const o of offers) {
        const r = interTrade(o, grid, fee, x);
        t += high ? r.high : r.low;
      }
      return t;
    };
    const r = solveNonIncreasing(knots, muMin, muMax, (x) => sum(x, false), (x) => sum(x, true), 0);
    mu = (r.left + r.right) / 2;
    const lows = new Float64Array(nc);
    const highs = new Float64Array(nc);
    let totalLow = 0;
    let totalHigh = 0;
    offers.forEach((o, c) => {
      const t = interTrade(o, grid, fee, mu as number);
      lows[c] = t.low;
      highs[c] = t.high;
      ports[c] = t.ports;
      totalLow += t.low;
      totalHigh += t.high;
    });
    if (totalLow > 1e-9 * (1 + Math.abs(totalHigh))) {
      const short = offers.filter((o) => o.maxGridImportKw !== null).map((o) => o.community);
      return { infeasible: `the communities' demand cannot be met: import caps of ${short.join(', ')} leave ${totalLow} kW short` };
    }
    // one share θ of every community's range balances the inter-community pool (Eq. (8))
    const theta = totalHigh > totalLow ? Math.min(1, Math.max(0, -totalLow / (totalHigh - totalLow))) : 0;
    for (let c = 0; c < nc; c++) z[c] = lows[c] + theta * (highs[c] - lows[c]);
  }
  const price = new Float64Array(nc);
  const y = new Float64Array(nc);
  const gi = new Float64Array(nc);
  const ge = new Float64Array(nc);
  const margin = new Float64Array(nc);
  const eps = 1e-12;
  for (let c = 0; c < nc; c++) {
    const o = offers[c];
    const cap = o.maxGridImportKw ?? Infinity;
    const { b, s } = ports[c];
    let p: number;
    let yc: number;
    if (z[c] > eps) {
      p = b;
      const g = b > pi ? cap : b === pi ? Math.min(cap, Math.max(0, curveAt(o.curve, b).low - z[c])) : 0;
      yc = z[c] + g;
    } else if (z[c] < -eps) {
      p = s;
      const e = s === pe ? Math.max(0, z[c] - curveAt(o.curve, s).high) : 0;
      yc = z[c] - e;
    } else {
      z[c] = 0;
      const alone = aloneWithGrid(o, grid, Math.max(pe, s), b);
      if ('infeasible' in alone) return alone;
      p = alone.price;
      yc = alone.yKw;
    }
    // the members answer this price exactly: a price ulps off a knot of their curve is that knot
    price[c] = snapToKnot(o.curve, p);
    y[c] = yc;
    const g = yc - z[c];
    gi[c] = Math.max(0, g);
    ge[c] = Math.max(0, -g);
  }
  return assemble(offers, grid, fee, periodHours, mu, price, y, z, gi, ge, margin);
}

function assemble(
  offers: readonly ManagerOffer[],
  grid: GridPrices,
  fee: number,
  h: number,
  mu: number | null,
  price: Float64Array,
  y: Float64Array,
  z: Float64Array,
  gi: Float64Array,
  ge: Float64Array,
  margin: Float64Array,
): OfferClearing {
  const flows = z.some((v) => v !== 0) ? routeFlows(z, true).filter((f) => f.from >= 0 && f.to >= 0) : [];
  offers.forEach((_, c) => {
    if (gi[c] > 0) flows.push({ from: -1, to: c, kw: gi[c] });
    if (ge[c] > 0) flows.push({ from: c, to: -1, kw: ge[c] });
    const imp = Math.max(0, z[c]);
    const exp = Math.max(0, -z[c]);
    const m = mu ?? 0;
    // members' payments − border settlements (module comment)
    margin[c] = h * (price[c] * y[c] - grid.importPriceEurPerKwh * gi[c] + grid.exportPriceEurPerKwh * ge[c] - (m + fee) * imp + m * exp);
  });
  return { interPriceEurPerKwh: mu, priceEurPerKwh: price, netImportKw: y, interKw: z, gridImportKw: gi, gridExportKw: ge, marginEur: margin, flows };
}

/**
 * One period cleared by managers: the inter-community market from `offers` (default: truthful),
 * then each community internally against its traded quantity at its price. Checks the balance
 * invariants (`assertManagerInvariants`) before returning.
 */
export function clearCommunityManagers(problem: CommunityProblem, offers?: readonly ManagerOffer[]): ManagersResult {
  const m = toCanonical(problem);
  if (m.infeasible !== undefined) return { ...infeasibleResult(m.infeasible), interPriceEurPerKwh: null, managers: [] };
  const bids = offers ?? truthfulOffers(problem, m);
  bids.forEach((o, k) => {
    if (o.community !== problem.communities[k]?.id) throw new SolverError('community-managers', 'bad offer', `offer ${k} is for '${o.community}', expected '${problem.communities[k]?.id}'`);
  });
  if (bids.length !== problem.communities.length) throw new SolverError('community-managers', 'bad offer', `${bids.length} offers for ${problem.communities.length} communities`);
  const oc = clearOffers(bids, problem.grid, problem.interCommunityFeeEurPerKwh, problem.periodHours);
  if ('infeasible' in oc) return { ...infeasibleResult(oc.infeasible), interPriceEurPerKwh: null, managers: [] };
  const d = new Float64Array(m.nAgents);
  for (let c = 0; c < m.nCommunities; c++) {
    const got = respondAt(m, c, oc.priceEurPerKwh[c], oc.netImportKw[c], d);
    const tol = 1e-9 * (1 + Math.abs(got));
    if (Math.abs(got - oc.netImportKw[c]) > tol) {
      // only a curve a strategy reshaped can promise what the members will not do at that price: the
      // period is reported infeasible with the reason (DESIGN rule 15), never settled off balance
      const reason = `community ${problem.communities[c].id}: its members take ${got} kW at ${oc.priceEurPerKwh[c]} EUR/kWh, but its manager's offer traded ${oc.netImportKw[c]} kW`;
      return { ...infeasibleResult(reason), interPriceEurPerKwh: null, managers: [] };
    }
  }
  const base = settle(problem, m, { dKw: d, priceEurPerKwh: oc.priceEurPerKwh, flows: oc.flows });
  const managers = outcomesOf(problem, m, base, oc.marginEur);
  const result: ManagersResult = { ...base, interPriceEurPerKwh: oc.interPriceEurPerKwh, managers };
  assertManagerInvariants(problem, m, result);
  return result;
}

/**
 * Each community's part of a cleared period (central or managers): price, trade with each partner
 * and the grid (from the flows), internal volume and net import (from the members' net demand), and
 * the manager's margin (`marginEur`, in community order; 0 when not given — the central clearing
 * leaves managers none).
 */
export function outcomesOf(problem: CommunityProblem, m: CanonicalMarket, r: CommunityResult, marginEur?: ArrayLike<number>): ManagerOutcome[] {
  const index = new Map(problem.communities.map((c, k) => [c.id, k]));
  const nc = problem.communities.length;
  const importFrom: Record<string, number>[] = Array.from({ length: nc }, () => ({}));
  const exportTo: Record<string, number>[] = Array.from({ length: nc }, () => ({}));
  const gridIn = new Float64Array(nc);
  const gridOut = new Float64Array(nc);
  for (const f of r.flows) {
    const from = f.from === GRID_ID ? -1 : (index.get(f.from) as number);
    const to = f.to === GRID_ID ? -1 : (index.get(f.to) as number);
    if (from < 0) gridIn[to] += f.kw;
    else if (to < 0) gridOut[from] += f.kw;
    else {
      importFrom[to][f.from] = (importFrom[to][f.from] ?? 0) + f.kw;
      exportTo[from][f.to] = (exportTo[from][f.to] ?? 0) + f.kw;
    }
  }
  return problem.communities.map((c, k) => {
    let buy = 0;
    let sell = 0;
    for (let j = m.start[k]; j < m.start[k + 1]; j++) {
      const a = r.agents[m.order[j]];
      const v = a.pKw + a.sKw;
      if (v > 0) buy += v;
      else sell -= v;
    }
    return {
      community: c.id,
      priceEurPerKwh: r.communities[k].priceEurPerKwh,
      netImportKw: buy - sell,
      gridImportKw: gridIn[k],
      gridExportKw: gridOut[k],
      importFromKw: importFrom[k],
      exportToKw: exportTo[k],
      internalVolumeKw: Math.min(buy, sell),
      marginEur: marginEur ? marginEur[k] : 0,
    };
  });
}

/**
 * Run-time invariants after a managers clearing (DESIGN rule 9): per agent and community balance
 * (Eqs. (2)–(7), Σ Φ = 0 per community: Eq. (3)); inter-community symmetry (Eq. (8): what each
 * community buys from another is what that one sells to it, and Σ bought = Σ sold); the upstream
 * balance (grid import − grid export = Σ members' net demand); and welfare adding up
 * (Σ members' welfare + Σ managers' margins = welfare of Eq. (1)). Throws `SolverError`.
 */
export function assertManagerInvariants(problem: CommunityProblem, m: CanonicalMarket, r: ManagersResult, tolKw = 1e-6): void {
  if (r.status !== 'optimal') return;
  const fail = (what: string) => {
    throw new SolverError('community-managers', 'invariant violated', what);
  };
  const scale = 1 + problem.agents.length;
  const primal = primalResidualKw(problem, m, r);
  if (!(primal <= tolKw * scale)) fail(`market balance or bounds off by ${primal} kW`);
  let bought = 0;
  let sold = 0;
  let gridNet = 0;
  const byId = new Map(r.managers.map((x) => [x.community, x]));
  for (const x of r.managers) {
    for (const [j, kw] of Object.entries(x.importFromKw)) {
      bought += kw;
      const other = byId.get(j)?.exportToKw[x.community] ?? NaN;
      if (!(Math.abs(other - kw) <= tolKw)) fail(`${x.community} buys ${kw} kW from ${j}, which sells it ${other} kW (Eq. 8)`);
    }
    for (const kw of Object.values(x.exportToKw)) sold += kw;
    gridNet += x.gridImportKw - x.gridExportKw;
    let inter = 0;
    for (const kw of Object.values(x.importFromKw)) inter += kw;
    for (const kw of Object.values(x.exportToKw)) inter -= kw;
    if (!(Math.abs(x.gridImportKw - x.gridExportKw + inter - x.netImportKw) <= tolKw * scale)) fail(`community ${x.community}: grid ${x.gridImportKw - x.gridExportKw} + others ${inter} kW ≠ net import ${x.netImportKw} kW`);
  }
  if (!(Math.abs(bought - sold) <= tolKw * scale)) fail(`communities buy ${bought} kW from each other but sell ${sold} kW (Eq. 8)`);
  let demand = 0;
  let members = 0;
  for (const a of r.agents) {
    demand += a.pKw + a.sKw;
    members += a.welfareEur;
  }
  if (!(Math.abs(gridNet - demand) <= tolKw * scale)) fail(`upstream balance: grid net import ${gridNet} kW, members' net demand ${demand} kW`);
  let margins = 0;
  for (const x of r.managers) margins += x.marginEur;
  const w = r.welfareEur as number;
  if (!(Math.abs(members + margins - w) <= 1e-9 * scale * (1 + Math.abs(w)))) fail(`welfare does not add up: members ${members} + managers ${margins} ≠ ${w} EUR`);
}
