/**
 * One period of the auction in the form every solution method shares: the blocks of each side in
 * merit order (demand by price descending, supply by price ascending, equal prices by id ascending, so
 * every tie in the clearing is broken by id), in typed arrays, plus the upstream grid.
 *
 * The welfare of an accepted set is seed 004, Eq. (1) for one period with the grid added as a
 * divisible counterpart (the objective): Σ accepted demand value − Σ accepted supply cost −
 * import cost + export revenue, in EUR/h until multiplied by the period length. Import and export are
 * never solver outputs here: they are whatever closes the balance of Eq. (2) (held with equality,
 * since the grid absorbs any surplus) for the accepted blocks, so balance holds by construction and
 * the run-time check in the clearing guards against a bug, not against solver round-off.
 */
import type { BlockOrder, GridTerms, PeriodBook } from './orders.js';
import type { MilpModel, MilpVariable } from '../solvers/milp.js';

/** Quantities below this are zero (1 mW): sums of 0.1-style decimals never land exactly. */
export const KW_TOL = 1e-9;

export interface PreparedSide {
  /** Indices into the period's order list, in merit order. */
  readonly order: Int32Array;
  readonly kw: Float64Array;
  readonly priceEurPerKwh: Float64Array;
  readonly ids: readonly string[];
}

export interface PreparedPeriod {
  readonly book: PeriodBook;
  readonly grid: GridTerms;
  readonly demand: PreparedSide;
  readonly supply: PreparedSide;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Ranks of order ids in string order, kept across periods: books of many identical peers tie on
 * price by the thousand, and comparing two ranks is much cheaper than comparing two strings. A book
 * with ids the table lacks rebuilds it over the union (agents bid the same ids every period, so
 * this is rare); the table starts over past `MAX_RANKED_IDS`. Ranks order exactly as the strings.
 */
let idRank = new Map<string, number>();
const MAX_RANKED_IDS = 1_000_000;

function ranksOf(ids: readonly string[]): Int32Array {
  const out = new Int32Array(ids.length);
  // one lookup per id: a period of 10,000 peers ranks some 60,000
  let missing: string[] | undefined;
  for (let i = 0; i < ids.length; i++) {
    const r = idRank.get(ids[i]);
    if (r === undefined) (missing ??= []).push(ids[i]);
    else out[i] = r;
  }
  if (missing) {
    const all = idRank.size + missing.length > MAX_RANKED_IDS ? [...new Set(ids)] : [...idRank.keys(), ...new Set(missing)];
    all.sort(compareIds);
    idRank = new Map(all.map((id, k) => [id, k]));
    for (let i = 0; i < ids.length; i++) out[i] = idRank.get(ids[i])!;
  }
  return out;
}

function prepareSide(orders: readonly BlockOrder[], descending: boolean): PreparedSide {
  const n = orders.length;
  // prices and id ranks read once into flat arrays: the sort's comparisons touch no order objects
  const bookPrice = new Float64Array(n);
  const bookIds = new Array<string>(n);
  const idx = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    bookPrice[i] = orders[i].priceEurPerKwh;
    bookIds[i] = orders[i].id;
    idx[i] = i;
  }
  const rank = ranksOf(bookIds);
  idx.sort((i, j) => {
    const pi = bookPrice[i];
    const pj = bookPrice[j];
    if (pi !== pj) return descending ? pj - pi : pi - pj;
    return rank[i] - rank[j];
  });
  const kw = new Float64Array(n);
  const price = new Float64Array(n);
  const ids: string[] = new Array<string>(n);
  for (let k = 0; k < n; k++) {
    const o = orders[idx[k]];
    kw[k] = o.kw;
    price[k] = bookPrice[idx[k]];
    ids[k] = bookIds[idx[k]];
  }
  return { order: Int32Array.from(idx), kw, priceEurPerKwh: price, ids };
}

/** Sorts a validated period into merit order. */
export function preparePeriod(book: PeriodBook, grid: GridTerms): PreparedPeriod {
  return { book, grid, demand: prepareSide(book.demand, true), supply: prepareSide(book.supply, false) };
}

/** Which blocks (by merit-order position) are accepted. */
export interface Acceptance {
  readonly demand: Uint8Array;
  readonly supply: Uint8Array;
}

/** Accepted volumes, the grid exchange that balances them, and the welfare rate. */
export interface Flows {
  readonly supplyKw: number;
  readonly demandKw: number;
  readonly importKw: number;
  readonly exportKw: number;
  /** seed 004, Eq. (1) for one period plus the grid terms, in EUR per hour of the period. */
  readonly welfareEurPerH: number;
}

/**
 * The grid exchange and welfare of an accepted set. Import/export close Eq. (2) with equality; a
 * residual below `KW_TOL` is snapped to zero so round-off never shows up as a phantom exchange.
 */
export function flowsOf(p: PreparedPeriod, a: Acceptance): Flows {
  let supplyKw = 0;
  let demandKw = 0;
  let value = 0;
  for (let k = 0; k < a.demand.length; k++) {
    if (a.demand[k]) {
      demandKw += p.demand.kw[k];
      value += p.demand.kw[k] * p.demand.priceEurPerKwh[k];
    }
  }
  for (let k = 0; k < a.supply.length; k++) {
    if (a.supply[k]) {
      supplyKw += p.supply.kw[k];
      value -= p.supply.kw[k] * p.supply.priceEurPerKwh[k];
    }
  }
  let net = demandKw - supplyKw;
  if (Math.abs(net) < KW_TOL) net = 0;
  const importKw = net > 0 ? net : 0;
  const exportKw = net < 0 ? -net : 0;
  value += exportKw * p.grid.exportPriceEurPerKwh - importKw * p.grid.importPriceEurPerKwh;
  return { supplyKw, demandKw, importKw, exportKw, welfareEurPerH: value };
}

/** Whether the grid exchange of `f` is within the grid's limits (with `KW_TOL` of slack). */
export function withinGridLimits(grid: GridTerms, f: Flows): boolean {
  return (
    (grid.maxImportKw === null || f.importKw <= grid.maxImportKw + KW_TOL) &&
    (grid.maxExportKw === null || f.exportKw <= grid.maxExportKw + KW_TOL)
  );
}

/**
 * The period as a MILP (seed 004, Eqs. (1)–(2) with binary ACCEPT variables, plus continuous import
 * and export bounded by the grid limits). Blocks flagged in `excluded` get no variable (rejected), nor
 * do blocks flagged in `forced` (accepted: their kW moves to the right-hand side of the balance) — the
 * uniform rule's restricted books and reduced-cost fixing use these. Variable order: free demand
 * blocks in merit order, free supply blocks in merit order, import, export.
 */
export function periodMilp(
  p: PreparedPeriod,
  excluded: Acceptance,
  name: string,
  forced?: Acceptance,
): { model: MilpModel; demandVar: Int32Array; supplyVar: Int32Array } {
  const variables: MilpVariable[] = [];
  const indices: number[] = [];
  const coefficients: number[] = [];
  const demandVar = new Int32Array(p.demand.kw.length).fill(-1);
  const supplyVar = new Int32Array(p.supply.kw.length).fill(-1);
  let forcedNetKw = 0; // forced demand − forced supply
  for (let k = 0; k < p.demand.kw.length; k++) {
    if (excluded.demand[k]) continue;
    if (forced?.demand[k]) {
      forcedNetKw += p.demand.kw[k];
      continue;
    }
    demandVar[k] = variables.length;
    indices.push(variables.length);
    coefficients.push(-p.demand.kw[k]);
    variables.push({ name: `d${k}`, objective: p.demand.kw[k] * p.demand.priceEurPerKwh[k], lower: 0, upper: 1, integer: true });
  }
  for (let k = 0; k < p.supply.kw.length; k++) {
    if (excluded.supply[k]) continue;
    if (forced?.supply[k]) {
      forcedNetKw -= p.supply.kw[k];
      continue;
    }
    supplyVar[k] = variables.length;
    indices.push(variables.length);
    coefficients.push(p.supply.kw[k]);
    variables.push({ name: `s${k}`, objective: -p.supply.kw[k] * p.supply.priceEurPerKwh[k], lower: 0, upper: 1, integer: true });
  }
  indices.push(variables.length);
  coefficients.push(1);
  variables.push({ name: 'import', objective: -p.grid.importPriceEurPerKwh, lower: 0, upper: p.grid.maxImportKw ?? Infinity, integer: false });
  indices.push(variables.length);
  coefficients.push(-1);
  variables.push({ name: 'export', objective: p.grid.exportPriceEurPerKwh, lower: 0, upper: p.grid.maxExportKw ?? Infinity, integer: false });
  // seed 004, Eq. (2), with the grid closing it: Σ supply + import − Σ demand − export = 0
  const rhs = forcedNetKw;
  return { model: { name, variables, rows: [{ name: 'balance', indices, coefficients, lower: rhs, upper: rhs }] }, demandVar, supplyVar };
}
