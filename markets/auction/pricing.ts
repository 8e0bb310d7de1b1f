/**
 * Pricing rules of the block auction, chosen by name. Both set one price per period for every peer
 * block; the upstream grid is always settled at its own import/export price.
 *
 * `midpoint` — seed 004, Sect. 2.1: "equilibrium price is approximated as a midpoint of marginal
 * producer and marginal consumer prices". Marginal producer price = the highest price among accepted
 * producers; when the community imports, the grid is an accepted producer at the import price.
 * Marginal consumer price = the lowest price among accepted consumers; when the community exports, the
 * grid is an accepted consumer at the export price. The welfare optimum is kept as it is, so a block
 * that had to be accepted for the optimum may end up out of the money (paradoxically accepted): the
 * period's status says so.
 *
 * `uniform` — as EUPHEMIA: a single price at which no accepted block is out of the money. The grid
 * orders count as divisible orders: importing below the import limit pins the price to the import
 * price, not importing caps it there, and the same for export. When the welfare optimum admits no such
 * price, the clearing searches on (EUPHEMIA's iteration; see `clearPeriod`) for the best selection
 * that has one.
 * Within the supporting range the price minimises the surplus the paradoxically rejected blocks forgo
 * — the in-the-money blocks left out — and sits at the middle of the minimising interval.
 *
 * No trade (no block accepted, no grid exchange): no price, `null`, under both rules.
 */
import type { Acceptance, Flows, PreparedPeriod, PreparedSide } from './period-model.js';
import { KW_TOL } from './period-model.js';

export type PricingRule = 'midpoint' | 'uniform';
export const pricingRules: readonly PricingRule[] = ['midpoint', 'uniform'];

/** Prices closer than this are equal (EUR/kWh). */
export const PRICE_TOL = 1e-9;

/** Whether anything changes hands in the period. */
export function traded(f: Flows): boolean {
  return f.supplyKw > KW_TOL || f.demandKw > KW_TOL || f.importKw > KW_TOL || f.exportKw > KW_TOL;
}

/** The `midpoint` price of an accepted set (EUR/kWh), or null when nothing is traded. */
export function midpointPrice(p: PreparedPeriod, a: Acceptance, f: Flows): number | null {
  if (!traded(f)) return null;
  let producer = -Infinity;
  let consumer = Infinity;
  for (let k = 0; k < a.supply.length; k++) if (a.supply[k]) producer = Math.max(producer, p.supply.priceEurPerKwh[k]);
  for (let k = 0; k < a.demand.length; k++) if (a.demand[k]) consumer = Math.min(consumer, p.demand.priceEurPerKwh[k]);
  if (f.importKw > KW_TOL) producer = Math.max(producer, p.grid.importPriceEurPerKwh);
  if (f.exportKw > KW_TOL) consumer = Math.min(consumer, p.grid.exportPriceEurPerKwh);
  // balance makes both sides non-empty whenever anything is traded
  return (producer + consumer) / 2;
}

/** A closed price interval; either end may be infinite. */
export interface PriceRange {
  readonly lo: number;
  readonly hi: number;
}

/** The prices at which the grid's divisible orders are consistent with the exchange in `f`. */
export function gridRange(p: PreparedPeriod, f: Flows): PriceRange {
  const g = p.grid;
  let lo = -Infinity;
  let hi = Infinity;
  if (f.importKw > KW_TOL) lo = Math.max(lo, g.importPriceEurPerKwh);
  if (g.maxImportKw === null || f.importKw < g.maxImportKw - KW_TOL) hi = Math.min(hi, g.importPriceEurPerKwh);
  if (f.exportKw > KW_TOL) hi = Math.min(hi, g.exportPriceEurPerKwh);
  if (g.maxExportKw === null || f.exportKw < g.maxExportKw - KW_TOL) lo = Math.max(lo, g.exportPriceEurPerKwh);
  return { lo, hi };
}

/** The prices at which no accepted block (and no grid order) is out of the money. Empty when lo > hi. */
export function supportingRange(p: PreparedPeriod, a: Acceptance, f: Flows): PriceRange {
  let { lo, hi } = gridRange(p, f);
  for (let k = 0; k < a.supply.length; k++) if (a.supply[k]) lo = Math.max(lo, p.supply.priceEurPerKwh[k]);
  for (let k = 0; k < a.demand.length; k++) if (a.demand[k]) hi = Math.min(hi, p.demand.priceEurPerKwh[k]);
  return { lo, hi };
}

/**
 * Minimises the convex piecewise-linear Σ_down q·(b − π)⁺ + Σ_up q·(π − b)⁺ over [lo, hi] and returns
 * the middle of the minimising interval (an end when it is unbounded), or null when it is unbounded on
 * both sides. Its slope right of π is −Σ_down q + Σ_{all b ≤ π} q, so the minimisers start where the
 * cumulative weight of the sorted kinks reaches the total down weight.
 */
export function middleOfArgmin(
  downB: ArrayLike<number>,
  downQ: ArrayLike<number>,
  upB: ArrayLike<number>,
  upQ: ArrayLike<number>,
  range: PriceRange,
): number | null {
  const n = downB.length + upB.length;
  const b = new Float64Array(n);
  const q = new Float64Array(n);
  let w = 0;
  for (let k = 0; k < downB.length; k++) {
    b[k] = downB[k];
    q[k] = downQ[k];
    w += downQ[k];
  }
  for (let k = 0; k < upB.length; k++) {
    b[downB.length + k] = upB[k];
    q[downB.length + k] = upQ[k];
  }
  const idx = Array.from({ length: n }, (_, k) => k).sort((i, j) => b[i] - b[j] || i - j);
  let start = -Infinity;
  let end = Infinity;
  if (w > KW_TOL) {
    let cum = 0;
    let foundStart = false;
    for (const k of idx) {
      cum += q[k];
      if (!foundStart && cum >= w - KW_TOL) {
        start = b[k];
        foundStart = true;
      }
      if (cum > w + KW_TOL) {
        end = b[k];
        break;
      }
    }
  } else if (n > 0) {
    end = b[idx[0]];
  }
  let lo = Math.max(start, range.lo);
  let hi = Math.min(end, range.hi);
  if (lo > hi) {
    // the unconstrained minimisers lie outside the range: the nearest end of the range is optimal
    lo = hi = end < range.lo ? range.lo : range.hi;
  }
  if (Number.isFinite(lo) && Number.isFinite(hi)) return (lo + hi) / 2;
  if (Number.isFinite(lo)) return lo;
  if (Number.isFinite(hi)) return hi;
  return null;
}

function pick(side: PreparedSide, flags: Uint8Array, want: number): { b: number[]; q: number[] } {
  const b: number[] = [];
  const q: number[] = [];
  for (let k = 0; k < flags.length; k++) {
    if (flags[k] === want) {
      b.push(side.priceEurPerKwh[k]);
      q.push(side.kw[k]);
    }
  }
  return { b, q };
}

/**
 * The `uniform` price of an accepted set whose supporting range is non-empty: the point of the range
 * that minimises the surplus forgone by in-the-money rejected blocks. Null when nothing is traded.
 */
export function uniformPrice(p: PreparedPeriod, a: Acceptance, f: Flows, range: PriceRange): number | null {
  if (!traded(f)) return null;
  const rd = pick(p.demand, a.demand, 0); // forgone q·(v − π)⁺: a "down" kink at v
  const rs = pick(p.supply, a.supply, 0); // forgone q·(π − c)⁺: an "up" kink at c
  return middleOfArgmin(rd.b, rd.q, rs.b, rs.q, range);
}

/** Merit-order positions of blocks out of the money at `price` (accepted) or in the money (rejected). */
export function paradoxical(p: PreparedPeriod, a: Acceptance, price: number): { accepted: Acceptance; rejected: Acceptance } {
  const acc = { demand: new Uint8Array(a.demand.length), supply: new Uint8Array(a.supply.length) };
  const rej = { demand: new Uint8Array(a.demand.length), supply: new Uint8Array(a.supply.length) };
  for (let k = 0; k < a.demand.length; k++) {
    const v = p.demand.priceEurPerKwh[k];
    if (a.demand[k] && v < price - PRICE_TOL) acc.demand[k] = 1;
    if (!a.demand[k] && v > price + PRICE_TOL) rej.demand[k] = 1;
  }
  for (let k = 0; k < a.supply.length; k++) {
    const c = p.supply.priceEurPerKwh[k];
    if (a.supply[k] && c > price + PRICE_TOL) acc.supply[k] = 1;
    if (!a.supply[k] && c < price - PRICE_TOL) rej.supply[k] = 1;
  }
  return { accepted: acc, rejected: rej };
}
