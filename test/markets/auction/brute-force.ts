/**
 * Reference solutions by exhaustion for small books: every subset of blocks, the grid closing the
 * balance within its limits, the best welfare kept. Independent of the merit-order code on purpose —
 * it shares nothing with it but the book types.
 */
import fc from 'fast-check';
import type { AuctionBook, BlockOrder, GridTerms, PeriodBook } from '../../../markets/auction/orders.js';

export interface BruteResult {
  /** EUR per hour of the period. */
  readonly welfareEurPerH: number;
  /** Number of subsets reaching it (within 1e-9). */
  readonly optima: number;
}

export function bruteForce(p: PeriodBook, g: GridTerms): BruteResult {
  const blocks: Array<{ o: BlockOrder; sign: 1 | -1 }> = [
    ...p.demand.map((o) => ({ o, sign: 1 as const })),
    ...p.supply.map((o) => ({ o, sign: -1 as const })),
  ];
  let best = -Infinity;
  let optima = 0;
  for (let mask = 0; mask < 1 << blocks.length; mask++) {
    let net = 0;
    let value = 0;
    blocks.forEach(({ o, sign }, i) => {
      if (mask & (1 << i)) {
        net += sign * o.kw;
        value += sign * o.kw * o.priceEurPerKwh;
      }
    });
    if (Math.abs(net) < 1e-9) net = 0;
    const imp = Math.max(net, 0);
    const exp = Math.max(-net, 0);
    if (g.maxImportKw !== null && imp > g.maxImportKw + 1e-9) continue;
    if (g.maxExportKw !== null && exp > g.maxExportKw + 1e-9) continue;
    value += exp * g.exportPriceEurPerKwh - imp * g.importPriceEurPerKwh;
    if (value > best + 1e-9) {
      best = value;
      optima = 1;
    } else if (Math.abs(value - best) <= 1e-9) optima++;
  }
  return { welfareEurPerH: best, optima };
}

/** Quantities on a 0.1 kW grid (some 0.5 kW like the paper, many not), prices on a 0.001 EUR/kWh grid. */
const kwArb = fc.oneof(fc.constant(0.5), fc.integer({ min: 1, max: 30 }).map((t) => t / 10));
const priceArb = fc.integer({ min: -20, max: 250 }).map((m) => m / 1000);

function sideArb(tag: string, max: number): fc.Arbitrary<BlockOrder[]> {
  return fc.array(fc.tuple(kwArb, priceArb, fc.integer({ min: 0, max: 3 })), { maxLength: max }).map((xs) =>
    xs.map(([kw, price, agent], i) => ({ id: `${tag}${i}`, agent: `a${agent}`, kw, priceEurPerKwh: price })),
  );
}

const limitArb = fc.oneof(fc.constant(null), fc.constantFrom(0, 0.5, 1.3, 2.5));

export const gridArb: fc.Arbitrary<GridTerms> = fc
  .tuple(fc.integer({ min: 40, max: 150 }), fc.integer({ min: 0, max: 60 }), limitArb, limitArb)
  .map(([imp, gap, maxImportKw, maxExportKw]) => ({
    importPriceEurPerKwh: imp / 1000,
    exportPriceEurPerKwh: Math.max(0, imp - gap) / 1000,
    maxImportKw,
    maxExportKw,
  }));

/** One-period books with at most `maxBlocks` blocks in total (2^maxBlocks subsets for the reference). */
export function bookArb(maxPerSide = 5): fc.Arbitrary<AuctionBook> {
  return fc.tuple(sideArb('s', maxPerSide), sideArb('d', maxPerSide), gridArb).map(([supply, demand, grid]) => ({
    periodHours: 1 / 12,
    grid,
    periods: [{ id: 'p', supply, demand }],
  }));
}
