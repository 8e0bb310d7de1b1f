/**
 * A feasible incumbent for a period the exact structured path could not prove (uneven block sizes in
 * large books, where neither the imbalance DP nor a bounded branch and bound closes the gap): start
 * from the LP relaxation rounded down at its marginal price λ (every block strictly in the money at λ
 * accepted, the marginal ones rejected) and flip single blocks near the margin while the welfare,
 * penalised by any grid-limit excess, improves. Deterministic (fixed scan order, strict improvement),
 * O(window × passes). Together with the relaxation's bound it gives a proven optimality gap; it does
 * not claim optimality.
 */
import { type Acceptance, KW_TOL, type PreparedPeriod } from './period-model.js';

/** Blocks scanned on each side of the margin, per side of the market. */
export const LOCAL_SEARCH_WINDOW = 400;
const MAX_PASSES = 20;
/** EUR/h per kW beyond a grid limit: far above any price, so feasibility comes first. */
const PENALTY = 1e6;

/** The LP relaxation rounded down at λ, then improved by single flips; `excluded` blocks stay out. */
export function localSearchIncumbent(p: PreparedPeriod, excluded: Acceptance, lambdaEurPerKwh: number, window = LOCAL_SEARCH_WINDOW): Acceptance {
  const g = p.grid;
  const a: Acceptance = { demand: new Uint8Array(p.demand.kw.length), supply: new Uint8Array(p.supply.kw.length) };
  let demandKw = 0;
  let supplyKw = 0;
  let value = 0;
  for (let k = 0; k < a.demand.length; k++) {
    if (!excluded.demand[k] && p.demand.priceEurPerKwh[k] > lambdaEurPerKwh) {
      a.demand[k] = 1;
      demandKw += p.demand.kw[k];
      value += p.demand.kw[k] * p.demand.priceEurPerKwh[k];
    }
  }
  for (let k = 0; k < a.supply.length; k++) {
    if (!excluded.supply[k] && p.supply.priceEurPerKwh[k] < lambdaEurPerKwh) {
      a.supply[k] = 1;
      supplyKw += p.supply.kw[k];
      value -= p.supply.kw[k] * p.supply.priceEurPerKwh[k];
    }
  }
  // the grid closes the balance (as flowsOf); kW beyond a limit is penalised
  const score = (dKw: number, sKw: number, v: number): number => {
    let net = dKw - sKw;
    if (Math.abs(net) < KW_TOL) net = 0;
    const imp = net > 0 ? net : 0;
    const exp = net < 0 ? -net : 0;
    const over = Math.max(0, g.maxImportKw === null ? 0 : imp - g.maxImportKw) + Math.max(0, g.maxExportKw === null ? 0 : exp - g.maxExportKw);
    return v + exp * g.exportPriceEurPerKwh - imp * g.importPriceEurPerKwh - PENALTY * over;
  };
  // the window: positions around where each side's merit order crosses λ
  const cross = (prices: Float64Array, descending: boolean): number => {
    let k = 0;
    while (k < prices.length && (descending ? prices[k] > lambdaEurPerKwh : prices[k] < lambdaEurPerKwh)) k++;
    return k;
  };
  const dMid = cross(p.demand.priceEurPerKwh, true);
  const sMid = cross(p.supply.priceEurPerKwh, false);
  const dFrom = Math.max(0, dMid - window);
  const dTo = Math.min(a.demand.length, dMid + window);
  const sFrom = Math.max(0, sMid - window);
  const sTo = Math.min(a.supply.length, sMid + window);
  let current = score(demandKw, supplyKw, value);
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let improved = false;
    for (let k = dFrom; k < dTo; k++) {
      if (excluded.demand[k]) continue;
      const sign = a.demand[k] ? -1 : 1;
      const q = p.demand.kw[k];
      const s = score(demandKw + sign * q, supplyKw, value + sign * q * p.demand.priceEurPerKwh[k]);
      if (s > current + 1e-12 * Math.max(1, Math.abs(current))) {
        a.demand[k] ^= 1;
        demandKw += sign * q;
        value += sign * q * p.demand.priceEurPerKwh[k];
        current = s;
        improved = true;
      }
    }
    for (let k = sFrom; k < sTo; k++) {
      if (excluded.supply[k]) continue;
      const sign = a.supply[k] ? -1 : 1;
      const q = p.supply.kw[k];
      const s = score(demandKw, supplyKw + sign * q, value - sign * q * p.supply.priceEurPerKwh[k]);
      if (s > current + 1e-12 * Math.max(1, Math.abs(current))) {
        a.supply[k] ^= 1;
        supplyKw += sign * q;
        value -= sign * q * p.supply.priceEurPerKwh[k];
        current = s;
        improved = true;
      }
    }
    if (!improved) break;
  }
  return a;
}
