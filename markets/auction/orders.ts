/**
 * The order book of the block auction (seed 004, Sect. 2.1): per period, fill-or-kill supply and
 * demand blocks, each accepted whole or not at all (the paper's binary ACCEPT variables), and the
 * upstream grid, which is always there to sell at the import price and buy at the export price.
 *
 * Quantities are power in kW held for the whole period (energy = kW × period hours), prices are
 * EUR/kWh, all positive numbers; the side (supply or demand) says the direction, so the market sign
 * convention of DESIGN rule 2 is applied only when dispatch is handed to the grid.
 *
 * `validateBook` is the single gate for every caller (the CLI after parsing JSON, the market-operator
 * agent later): it names the period and the order of the first problem it finds, using the field names
 * of the JSON file (`periods[2].supply[0].kw`) because that is what a user can fix.
 */
import { ProblemError } from '../errors.js';

/** One fill-or-kill block: `kw` > 0 for the whole period at a limit price (EUR/kWh, any sign). */
export interface BlockOrder {
  readonly id: string;
  /** The peer that placed it (several blocks per peer make a stepwise curve, seed 004 Eqs. 5–6). */
  readonly agent: string;
  readonly kw: number;
  /** Supply: the lowest price it accepts. Demand: the highest price it pays. */
  readonly priceEurPerKwh: number;
}

/** The orders of one market period. Both sides may be empty (the period then clears to zero). */
export interface PeriodBook {
  readonly id: string;
  readonly supply: readonly BlockOrder[];
  readonly demand: readonly BlockOrder[];
}

/** The upstream grid as a divisible counterpart at fixed prices; a `null` limit means unlimited. */
export interface GridTerms {
  /** Price at which the community buys from the upstream grid (seed 004: 0.100 EUR/kWh). */
  readonly importPriceEurPerKwh: number;
  /** Price at which the community sells to the upstream grid (seed 004: 0.050 EUR/kWh). */
  readonly exportPriceEurPerKwh: number;
  readonly maxImportKw: number | null;
  readonly maxExportKw: number | null;
}

/** A book of independent periods sharing one period length and one set of grid terms. */
export interface AuctionBook {
  /** Length of each period in hours (5 min = 1/12 h). */
  readonly periodHours: number;
  readonly grid: GridTerms;
  readonly periods: readonly PeriodBook[];
}

/** The grid prices of seed 004 with no import or export limit. */
export const seed004Grid: GridTerms = {
  importPriceEurPerKwh: 0.1,
  exportPriceEurPerKwh: 0.05,
  maxImportKw: null,
  maxExportKw: null,
};

function fail(file: string | undefined, path: string, detail: string): never {
  throw new ProblemError(file, path, detail);
}

/**
 * Checks a book for everything the clearing cannot give a meaning to, and throws a `ProblemError`
 * naming the period and order of the first problem: duplicate period or order ids, non-positive or
 * non-finite quantities, non-finite prices, empty ids, an export price above the import price (that
 * would make unlimited grid arbitrage the optimum), a non-positive period length.
 *
 * @param file names the source in the message, if there is one.
 */
export function validateBook(book: AuctionBook, file?: string): void {
  if (!(Number.isFinite(book.periodHours) && book.periodHours > 0)) {
    fail(file, 'period_hours', `must be a positive number of hours, got ${String(book.periodHours)}`);
  }
  const g = book.grid;
  if (!Number.isFinite(g.importPriceEurPerKwh)) fail(file, 'grid.import_price', `must be a finite price in EUR/kWh, got ${String(g.importPriceEurPerKwh)}`);
  if (!Number.isFinite(g.exportPriceEurPerKwh)) fail(file, 'grid.export_price', `must be a finite price in EUR/kWh, got ${String(g.exportPriceEurPerKwh)}`);
  if (g.exportPriceEurPerKwh > g.importPriceEurPerKwh) {
    fail(file, 'grid.export_price', `must not exceed the import price (${g.importPriceEurPerKwh}), got ${g.exportPriceEurPerKwh}`);
  }
  for (const [key, v] of [['max_import_kw', g.maxImportKw], ['max_export_kw', g.maxExportKw]] as const) {
    if (v !== null && !(Number.isFinite(v) && v >= 0)) fail(file, `grid.${key}`, `must be null or a non-negative number of kW, got ${String(v)}`);
  }
  const periodIds = new Map<string, number>();
  book.periods.forEach((p, pi) => {
    const at = `periods[${pi}]`;
    if (typeof p.id !== 'string' || p.id === '') fail(file, `${at}.id`, 'a period needs a non-empty id');
    const seen = periodIds.get(p.id);
    if (seen !== undefined) fail(file, `${at}.id`, `period '${p.id}' repeats the id of periods[${seen}]`);
    periodIds.set(p.id, pi);
    if (!Array.isArray(p.supply)) fail(file, `${at}.supply`, `period '${p.id}' has no supply list (use [] for none)`);
    if (!Array.isArray(p.demand)) fail(file, `${at}.demand`, `period '${p.id}' has no demand list (use [] for none)`);
    // where each id was first used: supply index k as k, demand index k as −1 − k (the path of the
    // message is only spelled out for a failure: a period's book holds tens of thousands of orders)
    const orderIds = new Map<string, number>();
    const pathOf = (side: 'supply' | 'demand', oi: number): string => `${at}.${side}[${oi}]`;
    for (const side of ['supply', 'demand'] as const) {
      const orders = p[side];
      for (let oi = 0; oi < orders.length; oi++) {
        const o = orders[oi];
        const who = (): string => `period '${p.id}', order '${String(o.id)}'`;
        if (typeof o.id !== 'string' || o.id === '') fail(file, `${pathOf(side, oi)}.id`, `period '${p.id}': an order needs a non-empty id`);
        const prev = orderIds.get(o.id);
        if (prev !== undefined) fail(file, `${pathOf(side, oi)}.id`, `${who()}: duplicate order id (already used at ${prev >= 0 ? pathOf('supply', prev) : pathOf('demand', -1 - prev)})`);
        orderIds.set(o.id, side === 'supply' ? oi : -1 - oi);
        if (typeof o.agent !== 'string' || o.agent === '') fail(file, `${pathOf(side, oi)}.agent`, `${who()}: needs a non-empty agent`);
        if (!(Number.isFinite(o.kw) && o.kw > 0)) fail(file, `${pathOf(side, oi)}.kw`, `${who()}: kw must be a positive finite number, got ${String(o.kw)}`);
        if (!Number.isFinite(o.priceEurPerKwh)) fail(file, `${pathOf(side, oi)}.price`, `${who()}: price must be a finite number in EUR/kWh, got ${String(o.priceEurPerKwh)}`);
      }
    }
  });
}
