/**
 * Exact repair of a fractional merit order by dynamic programming over the imbalance, on an
 * expanding "core" of blocks (after Pisinger's expanding-core knapsack algorithms).
 *
 * Take λ, the price of the fractional marginal block (the LP dual of the balance row, seed 004
 * Eq. (2)). Every block has a reduced surplus r = (v − λ)·q for demand, (λ − c)·q for supply, and the
 * welfare of ANY selection X is exactly Σ_{j∈X} r_j + g(N_X), where N_X = accepted demand − accepted
 * supply (kW) and g(N) = (λ − p_import)·N for N ≥ 0, (λ − p_export)·N for N < 0 (−∞ beyond the
 * grid limits). Writing X = S0 Δ F with S0 = {r > 0}, welfare = Σ_{S0} r − Σ_F |r_j| + g(N): a
 * min-cost subset-sum over the imbalance. Lagrangian duality bounds every selection that flips block j
 * by U − |r_j|, with U = Σ r⁺ + the grid's Lagrangian terms, so once the best selection Z found with
 * flips restricted to the core (the blocks of smallest |r|) satisfies U − Z ≤ min |r| outside the core,
 * it is optimal. Otherwise the core grows.
 *
 * The DP needs quantities on a common grid δ (0.5 kW blocks, watts, down to 0.1 W); when the book has
 * none, or the core would need too much work, it returns its best selection unproven and the caller
 * goes on with branch and bound from that incumbent.
 */
import { type Acceptance, KW_TOL, type PreparedPeriod } from './period-model.js';

const QUANTA = [1, 0.5, 0.25, 0.1, 0.05, 0.01, 0.005, 0.001, 0.0005, 0.0001];

/**
 * The coarsest δ of which every value is a multiple, to 1e-12 kW: only float round-off (~1e-16 kW) is
 * forgiven, never a real difference, so the DP's integer imbalance is the true one to far below KW_TOL.
 */
function quantum(values: ArrayLike<number>, count: number, extra: number): number | null {
  const fits = (x: number, d: number): boolean => Math.abs(x - Math.round(x / d) * d) <= 1e-12;
  for (const d of QUANTA) {
    let ok = fits(extra, d);
    for (let i = 0; ok && i < count; i++) ok = fits(values[i], d);
    if (ok) return d;
  }
  return null;
}

/** The DP's answer: `proven` when the selection is welfare-optimal, else the best feasible one it found (possibly empty). */
export interface CoreDpOutcome {
  readonly acceptance: Acceptance;
  readonly proven: boolean;
}

/**
 * The welfare-optimal acceptance for a period whose merit order has a fractional block at price
 * `lambdaEurPerKwh`. When the core would outgrow `maxWork`, or its quantities share no quantum, the
 * best selection found so far comes back with `proven: false`; null when λ leaves the Lagrangian bound
 * unbounded (it cannot for the fractional block's price with an unlimited grid side).
 *
 * @param maxWork limit on core size × imbalance states per DP pass.
 */
export function solveByCoreDp(p: PreparedPeriod, excluded: Acceptance, lambdaEurPerKwh: number, maxWork = 4e7): CoreDpOutcome | null {
  const lam = lambdaEurPerKwh;
  const g = p.grid;
  const nD = p.demand.kw.length;
  const n = nD + p.supply.kw.length;
  // block j < nD is demand position j, otherwise supply position j − nD
  const r = new Float64Array(n);
  const shiftKw = new Float64Array(n); // change of N when block j is flipped
  const inS0 = new Uint8Array(n);
  let r0 = 0;
  let n0Kw = 0;
  let live = 0;
  const order: number[] = [];
  for (let j = 0; j < n; j++) {
    const isD = j < nD;
    const k = isD ? j : j - nD;
    if ((isD ? excluded.demand : excluded.supply)[k]) continue;
    const q = (isD ? p.demand : p.supply).kw[k];
    const price = (isD ? p.demand : p.supply).priceEurPerKwh[k];
    r[j] = isD ? (price - lam) * q : (lam - price) * q;
    const sign = isD ? 1 : -1; // accepting demand raises N, accepting supply lowers it
    if (r[j] > 0) {
      inS0[j] = 1;
      r0 += r[j];
      n0Kw += sign * q;
      shiftKw[j] = -sign * q;
    } else {
      shiftKw[j] = sign * q;
    }
    order.push(j);
    live++;
  }
  // Lagrangian upper bound (weak duality holds for any λ): Σ r⁺ plus the best grid terms at λ
  let u = r0;
  if (lam > g.importPriceEurPerKwh) {
    if (g.maxImportKw === null) return null;
    u += (lam - g.importPriceEurPerKwh) * g.maxImportKw;
  }
  if (lam < g.exportPriceEurPerKwh) {
    if (g.maxExportKw === null) return null;
    u += (g.exportPriceEurPerKwh - lam) * g.maxExportKw;
  }
  const gridValue = (nKw: number): number => {
    if (nKw > KW_TOL) return g.maxImportKw !== null && nKw > g.maxImportKw + KW_TOL ? -Infinity : (lam - g.importPriceEurPerKwh) * nKw;
    if (nKw < -KW_TOL) return g.maxExportKw !== null && -nKw > g.maxExportKw + KW_TOL ? -Infinity : (lam - g.exportPriceEurPerKwh) * nKw;
    return 0;
  };
  const absR = (j: number): number => Math.abs(r[j]);
  // cheapest flips first; equal costs in merit order (demand, then supply), so ties resolve by id
  order.sort((a, b) => absR(a) - absR(b) || a - b);
  const tol = 1e-9 * Math.max(1, Math.abs(u));

  const selection = (flip: Uint8Array | null): Acceptance => {
    const acc: Acceptance = { demand: new Uint8Array(nD), supply: new Uint8Array(n - nD) };
    for (const j of order) {
      const on = flip === null ? inS0[j] : inS0[j] ^ flip[j];
      if (j < nD) acc.demand[j] = on;
      else acc.supply[j - nD] = on;
    }
    return acc;
  };
  // the best selection known so far bounds which flip costs can still matter: S0 itself, or nothing
  const s0 = r0 + gridValue(n0Kw);
  let known = 0;
  let knownAcc: Acceptance = { demand: new Uint8Array(nD), supply: new Uint8Array(n - nD) };
  if (s0 > 0) {
    known = s0;
    knownAcc = selection(null);
  }
  for (let core = Math.min(16, live); ; core = Math.min(core * 2, live)) {
    const shifts = new Float64Array(core);
    for (let i = 0; i < core; i++) shifts[i] = shiftKw[order[i]];
    const d = quantum(shifts, core, n0Kw);
    if (d === null) return { acceptance: knownAcc, proven: false };
    const units = new Int32Array(core);
    let lo = Math.round(n0Kw / d);
    let hi = lo;
    const start = lo;
    for (let i = 0; i < core; i++) {
      units[i] = Math.round(shifts[i] / d);
      if (units[i] > 0) hi += units[i];
      else lo += units[i];
    }
    const size = hi - lo + 1;
    if (core * size > maxWork) return { acceptance: knownAcc, proven: false };
    // flips costing more than U − known cannot beat what is known (Lagrangian bound)
    const budget = u - known + tol;
    const cost = new Float64Array(size).fill(Infinity);
    cost[start - lo] = 0;
    // states reached so far lie in [reachLo, reachHi]: each item only scans what it can extend
    let reachLo = start - lo;
    let reachHi = reachLo;
    const took = new Uint32Array(Math.ceil((core * size) / 32));
    for (let i = 0; i < core; i++) {
      const s = units[i];
      const c = absR(order[i]);
      if (c > budget) break; // the order is by cost: no later item fits either
      const base = i * size;
      if (s > 0) {
        for (let x = Math.min(size - 1, reachHi + s); x >= reachLo + s; x--) {
          const cand = cost[x - s] + c;
          if (cand < cost[x] && cand <= budget) {
            cost[x] = cand;
            took[(base + x) >>> 5] |= 1 << ((base + x) & 31);
          }
        }
        reachHi = Math.min(size - 1, reachHi + s);
      } else {
        for (let x = Math.max(0, reachLo + s); x <= reachHi + s; x++) {
          const cand = cost[x - s] + c;
          if (cand < cost[x] && cand <= budget) {
            cost[x] = cand;
            took[(base + x) >>> 5] |= 1 << ((base + x) & 31);
          }
        }
        reachLo = Math.max(0, reachLo + s);
      }
    }
    let bestW = -Infinity;
    let bestX = -1;
    for (let x = 0; x < size; x++) {
      if (cost[x] === Infinity) continue;
      const w = r0 - cost[x] + gridValue((x + lo) * d);
      if (w > bestW + 1e-12) {
        bestW = w;
        bestX = x;
      }
    }
    const outside = core < live ? absR(order[core]) : Infinity;
    if (bestX >= 0 && bestW > known) {
      const flip = new Uint8Array(n);
      let x = bestX;
      for (let i = core - 1; i >= 0; i--) {
        const bit = i * size + x;
        if (took[bit >>> 5] & (1 << (bit & 31))) {
          flip[order[i]] = 1;
          x -= units[i];
        }
      }
      known = bestW;
      knownAcc = selection(flip);
    }
    // any selection flipping a block outside the core is worth at most U − |r| ≤ U − outside
    if (core === live || outside >= u - known - tol) return { acceptance: knownAcc, proven: true };
  }
}

/**
 * Reduced-cost fixing for the MILP fallback: with λ and the Lagrangian bound U of the module comment,
 * a selection that flips block j is worth at most U − |r_j|, so when that is below the welfare of a
 * known feasible selection (`incumbentEurPerH`) block j keeps its side of S0 in every optimum. Returns
 * the blocks fixed in and out (the rest stay free for the solver), or null when U is unbounded.
 */
export function reducedCostFixing(
  p: PreparedPeriod,
  excluded: Acceptance,
  lambdaEurPerKwh: number,
  incumbentEurPerH: number,
): { readonly fixedIn: Acceptance; readonly fixedOut: Acceptance; readonly free: number } | null {
  const lam = lambdaEurPerKwh;
  const g = p.grid;
  let u = 0;
  const side = (s: PreparedPeriod['demand'], ex: Uint8Array, isD: boolean, f: (k: number, r: number) => void): void => {
    for (let k = 0; k < s.kw.length; k++) {
      if (ex[k]) continue;
      const r = isD ? (s.priceEurPerKwh[k] - lam) * s.kw[k] : (lam - s.priceEurPerKwh[k]) * s.kw[k];
      f(k, r);
    }
  };
  side(p.demand, excluded.demand, true, (_, r) => (u += Math.max(0, r)));
  side(p.supply, excluded.supply, false, (_, r) => (u += Math.max(0, r)));
  if (lam > g.importPriceEurPerKwh) {
    if (g.maxImportKw === null) return null;
    u += (lam - g.importPriceEurPerKwh) * g.maxImportKw;
  }
  if (lam < g.exportPriceEurPerKwh) {
    if (g.maxExportKw === null) return null;
    u += (g.exportPriceEurPerKwh - lam) * g.maxExportKw;
  }
  const gap = u - incumbentEurPerH + 1e-9 * Math.max(1, Math.abs(u));
  const fixedIn: Acceptance = { demand: new Uint8Array(p.demand.kw.length), supply: new Uint8Array(p.supply.kw.length) };
  const fixedOut: Acceptance = { demand: new Uint8Array(p.demand.kw.length), supply: new Uint8Array(p.supply.kw.length) };
  let free = 0;
  const fix = (into: 'demand' | 'supply') => (k: number, r: number) => {
    if (Math.abs(r) <= gap) free++;
    else if (r > 0) fixedIn[into][k] = 1;
    else fixedOut[into][k] = 1;
  };
  side(p.demand, excluded.demand, true, fix('demand'));
  side(p.supply, excluded.supply, false, fix('supply'));
  return { fixedIn, fixedOut, free };
}
