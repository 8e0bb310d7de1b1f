/**
 * Exact structured clearing of one period of the seed 000 market — no iterative tolerance.
 *
 * Why it is exact: welfare is separable and concave per agent (see `canonical.ts`), the only
 * couplings are the community balances (Eq. (3)) and the border trades (Eqs. (4)–(8)), and grid prices
 * are fixed. The KKT conditions of Eq. (1) then say:
 *   - each agent answers its community price λ_c with its best response (closed form, `canonical.ts`);
 *   - λ_c ∈ [π_exp, π_imp] (a community can always trade with the grid) and a grid import/export
 *     is positive only at λ_c = π_imp / π_exp;
 *   - a trade from community j to c is positive only if λ_c = λ_j + fee, and λ_c ≤ λ_j + fee always.
 *     With the full mesh and one fee, all exporting communities therefore share one price μ and all
 *     importing ones pay μ + fee; a community is bounded by A = max(π_exp, μ) below and
 *     B = min(π_imp, μ + fee) above, and its net import as a function of μ is
 *       y_c(μ) = max(0, X_c(μ + fee)) + min(0, X_c(μ)),    X_c(λ) = Σ_{n∈c} d_n(λ).
 * Every d_n(λ) is piecewise affine in λ with known knots, so X_c and Σ_c y_c are piecewise affine with
 * known knots too. We bisect over the sorted knots (binary search: O(log K) evaluations) to find the
 * piece that holds the root and solve the affine equation on it — the root is exact up to rounding.
 * Linear agents (a = 0) make responses jump; the jump is shared pro rata to hit the balance exactly.
 *
 * Cost: O(N log N) for the knot sort plus O(N log N) response evaluations, N = number of agents.
 */
import { type CanonicalMarket, pushKnots, responseHigh, responseLow, toCanonical } from './canonical.js';
import { assertMarketInvariants } from './kkt.js';
import type { CommunityProblem, CommunityResult } from './model.js';
import { type CanonicalSolution, infeasibleResult, settle } from './settle.js';

/** X_c(λ) range: lowest and highest total best response of community c at price λ, kW. */
export function communityLow(m: CanonicalMarket, c: number, price: number): number {
  let s = 0;
  for (let k = m.start[c], e = m.start[c + 1]; k < e; k++) s += responseLow(m, m.order[k], price);
  return s;
}
export function communityHigh(m: CanonicalMarket, c: number, price: number): number {
  let s = 0;
  for (let k = m.start[c], e = m.start[c + 1]; k < e; k++) s += responseHigh(m, m.order[k], price);
  return s;
}

/**
 * For f non-increasing in x, affine between consecutive `knots` (sorted), with value range
 * [fLow(x), fHigh(x)] at each x: the interval [left, right] of x ∈ [xMin, xMax] where
 * fLow(x) ≤ target ≤ fHigh(x). If f stays above target on [xMin, xMax] both ends are xMax; if
 * below, xMin. Exact up to rounding: the crossing inside a piece is solved in closed form.
 */
export function solveNonIncreasing(
  knots: Float64Array,
  xMin: number,
  xMax: number,
  fLow: (x: number) => number,
  fHigh: (x: number) => number,
  target: number,
): { left: number; right: number } {
  if (fHigh(xMin) < target) return { left: xMin, right: xMin };
  if (fLow(xMax) > target) return { left: xMax, right: xMax };
  // points: xMin, knots strictly inside, xMax
  let i0 = 0;
  while (i0 < knots.length && knots[i0] <= xMin) i0++;
  let i1 = knots.length;
  while (i1 > i0 && knots[i1 - 1] >= xMax) i1--;
  const count = i1 - i0 + 2;
  const point = (j: number) => (j === 0 ? xMin : j === count - 1 ? xMax : knots[i0 + j - 1]);

  // left: smallest j with fLow(point j) ≤ target (exists: j = count − 1)
  let lo = 0;
  let hi = count - 1;
  if (fLow(xMin) <= target) hi = 0;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fLow(point(mid)) <= target) hi = mid;
    else lo = mid;
  }
  let left: number;
  if (hi === 0) left = xMin;
  else {
    const xa = point(hi - 1);
    const xb = point(hi);
    const fa = fLow(xa); // right limit at xa, > target
    const fb = fHigh(xb); // left limit at xb
    left = fb >= target ? xb : xa + ((fa - target) / (fa - fb)) * (xb - xa);
  }
  // right: largest j with fHigh(point j) ≥ target (exists: j = 0)
  lo = 0;
  hi = count - 1;
  if (fHigh(xMax) >= target) lo = count - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fHigh(point(mid)) >= target) lo = mid;
    else hi = mid;
  }
  let right: number;
  if (lo === count - 1) right = xMax;
  else {
    const xa = point(lo);
    const xb = point(lo + 1);
    const fa = fLow(xa);
    const fb = fHigh(xb); // < target
    right = fa <= target ? xa : xa + ((fa - target) / (fa - fb)) * (xb - xa);
  }
  if (right < left) right = left; // rounding inside one affine piece
  return { left, right };
}

/** Finite values sorted ascending without repeats. */
export function sortedUnique(values: number[]): Float64Array {
  const a = Float64Array.from(values).sort();
  let w = 0;
  for (let r = 0; r < a.length; r++) {
    if (!Number.isFinite(a[r])) continue;
    if (w === 0 || a[r] !== a[w - 1]) a[w++] = a[r];
  }
  return a.subarray(0, w);
}

/** Whether trade between communities can ever pay (fee below the grid's import/export spread). */
export function interTradePays(m: CanonicalMarket): boolean {
  return m.nCommunities > 1 && m.fee < m.importPrice - m.exportPrice;
}

/**
 * Solves the canonical market exactly. Returns net demands, prices and flows; `undefined` when the
 * market is infeasible (`m.infeasible`).
 */
export function solveCanonical(m: CanonicalMarket): CanonicalSolution | undefined {
  if (m.infeasible !== undefined) return undefined;
  const nc = m.nCommunities;
  const pe = m.exportPrice;
  const pi = m.importPrice;
  const fee = m.fee;
  const scratch: number[] = [];
  const knots: Float64Array[] = new Array(nc);
  const autarkyLeft = new Float64Array(nc);
  const autarkyRight = new Float64Array(nc);
  for (let c = 0; c < nc; c++) {
    scratch.length = 0;
    for (let k = m.start[c]; k < m.start[c + 1]; k++) pushKnots(m, m.order[k], scratch);
    knots[c] = sortedUnique(scratch);
    // the autarky price(s) X_c(λ) ∋ 0, within [π_exp, π_imp] where they matter
    const r = solveNonIncreasing(knots[c], pe, pi, (x) => communityLow(m, c, x), (x) => communityHigh(m, c, x), 0);
    autarkyLeft[c] = r.left;
    autarkyRight[c] = r.right;
  }

  // per community: y_c(μ) range, with A = max(π_exp, μ), B = min(π_imp, μ + fee) (see module comment)
  const inter = interTradePays(m);
  const lowAt = (c: number, mu: number) => {
    const a = inter ? Math.max(pe, mu) : pe;
    const b = inter ? Math.min(pi, mu + fee) : pi;
    return Math.max(0, communityLow(m, c, b)) + Math.min(0, communityLow(m, c, a));
  };
  const highAt = (c: number, mu: number) => {
    const a = inter ? Math.max(pe, mu) : pe;
    const b = inter ? Math.min(pi, mu + fee) : pi;
    return Math.max(0, communityHigh(m, c, b)) + Math.min(0, communityHigh(m, c, a));
  };

  let mu = pe;
  if (inter) {
    // μ ∈ [π_exp, π_imp − fee]: the inter-community market Σ_c y_c(μ) = 0
    scratch.length = 0;
    for (let c = 0; c < nc; c++) {
      const kc = knots[c];
      for (let j = 0; j < kc.length; j++) scratch.push(kc[j], kc[j] - fee);
      scratch.push(autarkyLeft[c], autarkyRight[c], autarkyLeft[c] - fee, autarkyRight[c] - fee);
    }
    const muKnots = sortedUnique(scratch);
    const sumLow = (x: number) => {
      let s = 0;
      for (let c = 0; c < nc; c++) s += lowAt(c, x);
      return s;
    };
    const sumHigh = (x: number) => {
      let s = 0;
      for (let c = 0; c < nc; c++) s += highAt(c, x);
      return s;
    };
    const r = solveNonIncreasing(muKnots, pe, pi - fee, sumLow, sumHigh, 0);
    mu = (r.left + r.right) / 2;
  }

  // net import per community: inside its range, hitting the inter-community balance when possible
  const yLow = new Float64Array(nc);
  const yHigh = new Float64Array(nc);
  let totalLow = 0;
  let totalHigh = 0;
  for (let c = 0; c < nc; c++) {
    yLow[c] = lowAt(c, mu);
    yHigh[c] = highAt(c, mu);
    totalLow += yLow[c];
    totalHigh += yHigh[c];
  }
  const y = new Float64Array(nc);
  const share = (lo: number, hi: number) => (hi > lo ? (Math.min(hi, Math.max(lo, 0)) - lo) / (hi - lo) : 0);
  const thetaAll = share(totalLow, totalHigh);
  for (let c = 0; c < nc; c++) {
    // with inter-community trade one share θ balances the pool; without, each community trades with
    // the grid alone and takes the point of its range closest to autarky
    const theta = inter ? thetaAll : share(yLow[c], yHigh[c]);
    y[c] = yLow[c] + theta * (yHigh[c] - yLow[c]);
  }

  // community prices and agent responses
  const price = new Float64Array(nc);
  const d = new Float64Array(m.nAgents);
  const A = inter ? Math.max(pe, mu) : pe;
  const B = inter ? Math.min(pi, mu + fee) : pi;
  for (let c = 0; c < nc; c++) {
    let p: number;
    if (y[c] > 0) p = B;
    else if (y[c] < 0) p = A;
    else {
      // autarkic: the middle of the autarky prices that lie in [A, B]
      const l = Math.max(A, Math.min(B, autarkyLeft[c]));
      const r = Math.max(A, Math.min(B, autarkyRight[c]));
      p = (l + r) / 2;
    }
    price[c] = p;
    y[c] = respondAt(m, c, p, y[c], d);
  }
  return { dKw: d, priceEurPerKwh: price, flows: routeFlows(y, inter) };
}

/**
 * Community c clears internally at price `price` against net import `yKw`: each member answers with
 * its best response, and where responses jump (linear agents) one share θ of the jump makes Σ d hit
 * `yKw` (seed 000, Eq. (3)). Writes the members' net demands into `d`; returns the community's net
 * import Σ d (equal to `yKw` unless `yKw` lies outside the responses at that price).
 */
export function respondAt(m: CanonicalMarket, c: number, price: number, yKw: number, d: Float64Array): number {
  const p = price;
  let sumLo = 0;
  let sumHi = 0;
  for (let k = m.start[c]; k < m.start[c + 1]; k++) {
    const i = m.order[k];
    sumLo += responseLow(m, i, p);
    sumHi += responseHigh(m, i, p);
  }
  const theta = sumHi > sumLo ? Math.min(1, Math.max(0, (yKw - sumLo) / (sumHi - sumLo))) : 0;
  let total = 0;
  let roomiest = -1;
  let room = 0;
  for (let k = m.start[c]; k < m.start[c + 1]; k++) {
    const i = m.order[k];
    const lo = responseLow(m, i, p);
    const di = theta === 0 ? lo : lo + theta * (responseHigh(m, i, p) - lo);
    d[i] = di;
    total += di;
    const r = Math.min(di - m.lo[i], m.hi[i] - di);
    if (r > room) {
      room = r;
      roomiest = i;
    }
  }
  // rounding leaves Σ d a few ulps off the net import the prices call for; the agent furthest from
  // its bounds absorbs that, so an autarkic community shows no 1e-15 kW trade with the grid
  const residual = total - yKw;
  if (residual !== 0 && roomiest >= 0 && Math.abs(residual) <= Math.min(room, 1e-9 * (1 + Math.abs(yKw)))) {
    d[roomiest] -= residual;
    return yKw;
  }
  return total;
}

/**
 * Border flows from net imports: exporters (y < 0) serve importers (y > 0) first, in community order,
 * when inter-community trade pays; what is left trades with the grid (index −1). Optimal for the given
 * net imports: every kWh between communities saves π_imp − π_exp − fee > 0 against the grid, and no
 * community both imports and exports (that would pay a fee or the grid spread for nothing).
 */
export function routeFlows(y: Float64Array, inter: boolean): Array<{ from: number; to: number; kw: number }> {
  const flows: Array<{ from: number; to: number; kw: number }> = [];
  // imbalances of a few ulps between exporters and importers are rounding, not trade with the grid
  let scale = 0;
  for (const v of y) scale = Math.max(scale, Math.abs(v));
  const eps = 1e-12 * (1 + scale);
  const left = Float64Array.from(y, (v) => Math.abs(v));
  if (inter) {
    let e = 0;
    for (let c = 0; c < y.length; c++) {
      if (y[c] <= 0) continue;
      while (left[c] > 0) {
        while (e < y.length && (y[e] >= 0 || left[e] === 0)) e++;
        if (e === y.length) break;
        const kw = Math.min(left[c], left[e]);
        flows.push({ from: e, to: c, kw });
        left[c] -= kw;
        left[e] -= kw;
        if (left[e] <= eps) left[e] = 0;
        if (left[c] <= eps) left[c] = 0;
      }
    }
  }
  for (let c = 0; c < y.length; c++) {
    if (left[c] <= eps) continue;
    if (y[c] > 0) flows.push({ from: -1, to: c, kw: left[c] });
    else if (y[c] < 0) flows.push({ from: c, to: -1, kw: left[c] });
  }
  return flows;
}

/**
 * Clears one period exactly with the structured method (see module comment). The problem must be
 * valid (`validateProblem`); an infeasible battery gives status `infeasible`, never NaN.
 */
export function clearCommunityFast(problem: CommunityProblem): CommunityResult {
  const m = toCanonical(problem);
  const sol = solveCanonical(m);
  if (!sol) return infeasibleResult(m.infeasible ?? 'infeasible');
  const result = settle(problem, m, sol);
  assertMarketInvariants('community-fast', problem, m, result);
  return result;
}
