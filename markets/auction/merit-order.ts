/**
 * The exact structured path: seed 004's welfare problem (Eqs. (1)–(2)) for one period solved without a
 * general MILP solver.
 *
 * Why it works: the period has a single coupling row (the balance of Eq. (2)), and the grid enters it
 * as two divisible orders — export is a demand order at the export price for up to `max_export_kw`,
 * import a supply order at the import price for up to `max_import_kw`. The LP relaxation of such a
 * one-row problem is solved exactly by the merit order (highest-value demand matched against cheapest
 * supply until the next match has no positive surplus), and a basic solution has at most ONE
 * fractional block — the marginal one. If the marginal item is a grid order (the usual case with an
 * unlimited grid and 0.5 kW blocks) the relaxation is integral and therefore the MILP optimum. If a
 * block is fractional, the exact imbalance DP of `core-dp.ts` repairs it when the quantities share a
 * quantum (0.5 kW blocks, watts); otherwise a depth-first branch and bound on the fractional block
 * (accept it / reject it) with the merit-order relaxation as bound closes the gap, as Horowitz–Sahni
 * do for knapsacks. A node limit bounds that search: past it the outcome is `proven: false` and the
 * clearing falls back to a MILP backend.
 *
 *   price                          merit order, one period (drawn for the unit test):
 *    0.19 |██ d1 (0.5 kW)
 *    0.10 |      ····· import (unlimited) ·····
 *    0.09 |   ██ d2 (1.0 kW)
 *    0.06 |  ▓▓▓ s2 (1.0 kW)       d1 ⟷ s1, d2 ⟷ s1 (0.5) + s2 (0.5): s2 half-accepted in the LP;
 *    0.05 |      ····· export (unlimited) ·····    integer: accept s2 whole and export 0.5 kW
 *    0.01 | ▓▓ s1 (1.0 kW)           (0.5·(0.06−0.05) loss < rejecting s2 and importing 0.5 kW)
 *         +------------------ kW
 *
 * Ties between equal prices follow the merit order of `preparePeriod` (id ascending) and equal-welfare
 * alternatives are pruned, so the first one found — the id-ordered one — is kept: deterministic.
 */
import { type Acceptance, KW_TOL, type PreparedPeriod, flowsOf, withinGridLimits } from './period-model.js';
import { solveByCoreDp } from './core-dp.js';

export interface StructuredOutcome {
  /**
   * True when the search finished within its limits: the acceptance is welfare-optimal. Otherwise the
   * acceptance is the best feasible selection found (possibly none).
   */
  readonly proven: boolean;
  readonly acceptance: Acceptance;
  /** Branch-and-bound nodes visited (1 when the merit order is already integral). */
  readonly nodes: number;
  /** Price of the merit order's fractional block (the LP dual), when there was one. */
  readonly lambdaEurPerKwh?: number;
  /**
   * Welfare of the merit-order LP relaxation at the root, EUR/h: an upper bound on every feasible
   * selection's welfare, so `boundEurPerH − welfare(acceptance)` bounds how far an unproven
   * acceptance can be from the optimum (0 when the relaxation is already integral).
   */
  readonly boundEurPerH: number;
}

/** Default node limit: far above what books of 0.5 kW blocks need, far below a slow search. */
export const DEFAULT_MAX_NODES = 2000;

/** A side of the market merged with its grid order, in merit order. `block[j]` is −1 for the grid. */
interface Stream {
  readonly price: Float64Array;
  readonly kw: Float64Array;
  readonly block: Int32Array;
  /** 0 free, 1 forced in, −1 forced out (or excluded). */
  readonly status: Int8Array;
}

function mergeGrid(price: Float64Array, kw: Float64Array, excluded: Uint8Array, gridPrice: number, gridKw: number, descending: boolean): Stream {
  const n = price.length;
  // blocks at the grid's price come first: local trade is preferred to the grid at equal welfare
  let at = 0;
  while (at < n && (descending ? price[at] >= gridPrice : price[at] <= gridPrice)) at++;
  const s: Stream = { price: new Float64Array(n + 1), kw: new Float64Array(n + 1), block: new Int32Array(n + 1), status: new Int8Array(n + 1) };
  for (let j = 0, k = 0; j <= n; j++) {
    if (j === at) {
      s.price[j] = gridPrice;
      s.kw[j] = gridKw;
      s.block[j] = -1;
    } else {
      s.price[j] = price[k];
      s.kw[j] = kw[k];
      s.block[j] = k;
      if (excluded[k]) s.status[j] = -1;
      k++;
    }
  }
  return s;
}

/**
 * Solves one period exactly by merit order plus branch and bound.
 *
 * @param excluded blocks (by merit-order position) that must stay rejected.
 * @param options node limit (beyond it the best acceptance found is returned with `proven: false`),
 *   whether to repair a fractional merit order with the exact imbalance DP (`core-dp.ts`) before
 *   branching (tests switch it off to exercise the branch and bound alone), and the DP's work limit.
 */
export interface StructuredOptions {
  /** Branch-and-bound node limit (default `DEFAULT_MAX_NODES`). */
  readonly maxNodes?: number;
  /** Try the imbalance DP before branching (default true; false forces branch and bound). */
  readonly useCoreDp?: boolean;
  /** Work limit of one DP pass, core size × imbalance states (default 4e7). */
  readonly coreDpMaxWork?: number;
}

export function solveStructured(p: PreparedPeriod, excluded: Acceptance, options: StructuredOptions = {}): StructuredOutcome {
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
  const D = mergeGrid(p.demand.priceEurPerKwh, p.demand.kw, excluded.demand, p.grid.exportPriceEurPerKwh, p.grid.maxExportKw ?? Infinity, true);
  const S = mergeGrid(p.supply.priceEurPerKwh, p.supply.kw, excluded.supply, p.grid.importPriceEurPerKwh, p.grid.maxImportKw ?? Infinity, false);
  const nD = D.kw.length;
  const nS = S.kw.length;

  // blocks forced in by branching act as one aggregate order of infinite priority per side
  let forcedDKw = 0;
  let forcedDValue = 0;
  let forcedSKw = 0;
  let forcedSCost = 0;

  // what the last relaxation found
  let endD = 0;
  let endS = 0;
  let fracSide = 0; // 0 none, 1 demand, 2 supply
  let fracPos = -1;

  const nextFree = (st: Stream, j: number, n: number): number => {
    let k = j + 1;
    while (k < n && (st.status[k] !== 0 || st.kw[k] <= KW_TOL)) k++;
    return k;
  };

  /** The merit-order LP relaxation at the current node; −Infinity when forced blocks cannot be matched. */
  const relax = (): number => {
    let value = forcedDValue - forcedSCost;
    let d = -1;
    let s = -1;
    let remD = forcedDKw;
    let remS = forcedSKw;
    if (remD <= KW_TOL) {
      d = nextFree(D, -1, nD);
      remD = d < nD ? D.kw[d] : 0;
    }
    if (remS <= KW_TOL) {
      s = nextFree(S, -1, nS);
      remS = s < nS ? S.kw[s] : 0;
    }
    while (d < nD && s < nS) {
      const pd = d < 0 ? Infinity : D.price[d];
      const ps = s < 0 ? -Infinity : S.price[s];
      if (!(pd > ps)) break; // only strictly positive surplus is traded
      const m = remD < remS ? remD : remS;
      value += m * ((d < 0 ? 0 : D.price[d]) - (s < 0 ? 0 : S.price[s]));
      remD -= m;
      remS -= m;
      if (remD <= KW_TOL) {
        d = nextFree(D, d, nD);
        remD = d < nD ? D.kw[d] : 0;
      }
      if (remS <= KW_TOL) {
        s = nextFree(S, s, nS);
        remS = s < nS ? S.kw[s] : 0;
      }
    }
    if (d < 0 || s < 0) return -Infinity;
    endD = d;
    endS = s;
    fracSide = 0;
    fracPos = -1;
    if (d < nD && D.block[d] >= 0 && remD < D.kw[d] - KW_TOL) {
      fracSide = 1;
      fracPos = d;
    } else if (s < nS && S.block[s] >= 0 && remS < S.kw[s] - KW_TOL) {
      fracSide = 2;
      fracPos = s;
    }
    return value;
  };

  const bestDemand = new Uint8Array(p.demand.kw.length);
  const bestSupply = new Uint8Array(p.supply.kw.length);
  let best = 0; // accepting nothing is always feasible and worth zero
  let nodes = 0;
  let aborted = false;

  const record = (value: number, eD: number, eS: number): void => {
    best = value;
    bestDemand.fill(0);
    bestSupply.fill(0);
    for (let j = 0; j < nD; j++) {
      const b = D.block[j];
      if (b >= 0 && (D.status[j] === 1 || (D.status[j] === 0 && j < eD && D.kw[j] > KW_TOL))) bestDemand[b] = 1;
    }
    for (let j = 0; j < nS; j++) {
      const b = S.block[j];
      if (b >= 0 && (S.status[j] === 1 || (S.status[j] === 0 && j < eS && S.kw[j] > KW_TOL))) bestSupply[b] = 1;
    }
  };

  const setStatus = (side: number, j: number, to: -1 | 0 | 1): void => {
    const st = side === 1 ? D : S;
    const from = st.status[j];
    const q = st.kw[j];
    const v = q * st.price[j];
    if (from === 1) {
      if (side === 1) (forcedDKw -= q), (forcedDValue -= v);
      else (forcedSKw -= q), (forcedSCost -= v);
    }
    st.status[j] = to;
    if (to === 1) {
      if (side === 1) (forcedDKw += q), (forcedDValue += v);
      else (forcedSKw += q), (forcedSCost += v);
    }
  };

  const tolerance = (): number => 1e-9 * Math.max(1, Math.abs(best));

  interface NodeState {
    readonly value: number;
    readonly fracSide: number;
    readonly fracPos: number;
    readonly endD: number;
    readonly endS: number;
  }
  const snapshot = (value: number): NodeState => ({ value, fracSide, fracPos, endD, endS });

  const dfs = (node: NodeState): void => {
    nodes++;
    if (node.value <= best + tolerance()) return;
    if (node.fracSide === 0) {
      record(node.value, node.endD, node.endS);
      return;
    }
    if (nodes >= maxNodes) {
      aborted = true;
      return;
    }
    const side = node.fracSide;
    const j = node.fracPos;
    setStatus(side, j, 1);
    const acceptIt = snapshot(relax());
    setStatus(side, j, -1);
    const rejectIt = snapshot(relax());
    // explore the better bound first so good incumbents prune early; equal bounds: accept first
    const order: Array<[1 | -1, NodeState]> = rejectIt.value > acceptIt.value ? [[-1, rejectIt], [1, acceptIt]] : [[1, acceptIt], [-1, rejectIt]];
    for (const [to, child] of order) {
      if (aborted) break;
      if (child.value === -Infinity || child.value <= best + tolerance()) continue;
      setStatus(side, j, to);
      dfs(child);
    }
    setStatus(side, j, 0);
  };

  const root = relax();
  let lambda: number | undefined;
  if (root !== -Infinity && fracSide !== 0) lambda = (fracSide === 1 ? D : S).price[fracPos];
  if (root !== -Infinity && fracSide !== 0 && options.useCoreDp !== false) {
    // a fractional block: repair exactly by the imbalance DP when the book's quantities allow it
    lambda = (fracSide === 1 ? D : S).price[fracPos];
    const dp = solveByCoreDp(p, excluded, lambda, options.coreDpMaxWork);
    // the DP's imbalance is exact to ~1e-12 kW; the limits are re-checked on the real sums all the same
    if (dp?.proven && withinGridLimits(p.grid, flowsOf(p, dp.acceptance))) return { proven: true, acceptance: dp.acceptance, nodes: 1, lambdaEurPerKwh: lambda, boundEurPerH: root };
    if (dp) {
      // not proven, but a good incumbent: the branch and bound starts from it
      const w = flowsOf(p, dp.acceptance);
      if (withinGridLimits(p.grid, w) && w.welfareEurPerH > best) {
        best = w.welfareEurPerH;
        bestDemand.set(dp.acceptance.demand);
        bestSupply.set(dp.acceptance.supply);
      }
    }
  }
  if (root !== -Infinity) dfs(snapshot(root));
  // root is −Infinity only when no selection is feasible but the empty one (worth 0)
  return { proven: !aborted, acceptance: { demand: bestDemand, supply: bestSupply }, nodes, boundEurPerH: root === -Infinity ? 0 : root, ...(lambda !== undefined ? { lambdaEurPerKwh: lambda } : {}) };
}
