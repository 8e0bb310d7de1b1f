/**
 * "Why this price" (markets/auction/explain.ts): hand-solvable periods drawn below, and a property
 * test that the explanation's bounds recompute the clearing's own price under both rules on random
 * books (an explanation that disagreed would say so in `consistent`, and fail here).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clear, clearPeriod } from '../../../markets/auction/clearing.js';
import { explainPrice } from '../../../markets/auction/explain.js';
import type { GridTerms, PeriodBook } from '../../../markets/auction/orders.js';
import { bookArb } from './brute-force.js';

const grid = (maxImportKw: number | null, maxExportKw: number | null = null): GridTerms => ({ importPriceEurPerKwh: 0.1, exportPriceEurPerKwh: 0.05, maxImportKw, maxExportKw });

describe('explainPrice', () => {
  it('names the grid as the marginal buyer when a tiny surplus is exported (residual grid, midpoint)', () => {
    //  EUR/kWh
    //  0.12 |██ d1 (a, 1.0 kW)
    //  0.075|▓▓ s2 (b, 0.51 kW)  ▓▓ s1 (b, 0.5 kW @0.03)
    //  0.05 |···· grid export: takes the 0.01 kW surplus  → price (0.075 + 0.05)/2 = 0.0625
    //  no import (residual): d2 (a, 1 kW @0.11) cannot be served
    const book: PeriodBook = {
      id: '08:15',
      supply: [{ id: 's1', agent: 'b', kw: 0.5, priceEurPerKwh: 0.03 }, { id: 's2', agent: 'b', kw: 0.51, priceEurPerKwh: 0.075 }],
      demand: [{ id: 'd1', agent: 'a', kw: 1, priceEurPerKwh: 0.12 }, { id: 'd2', agent: 'a', kw: 1, priceEurPerKwh: 0.11 }],
    };
    const g = grid(0);
    const r = clearPeriod(book, g, 1 / 12, { pricing: 'midpoint' });
    expect(r.priceEurPerKwh).toBeCloseTo(0.0625, 12);
    const x = explainPrice(book, g, r, 'midpoint', { blocks: true });
    expect(x.consistent).toBe(true);
    expect(x.lower.blocks.map((b) => b.id)).toEqual(['s2']);
    expect(x.lower.grid).toBeNull();
    expect(x.upper.grid).toBe('grid-export');
    expect(x.upper.blocks).toEqual([]);
    expect(x.priceSetBy).toBe('midpoint: supply s2 (b) @0.075 | grid export @0.05');
    expect(x.binds.some((s) => s.startsWith('the grid is the marginal buyer: it takes the 0.01 kW surplus'))).toBe(true);
    expect(x.binds.some((s) => s.startsWith('the import limit binds: no import is allowed'))).toBe(true);
    expect(x.binds.some((s) => s.startsWith('capacity: b sell all they offered'))).toBe(true);
    expect(x.blocks!.find((b) => b.id === 'd2')!.status).toBe('paradoxically-rejected');
    expect(x.blocks!.filter((b) => b.marginal).map((b) => b.id)).toEqual(['s2']);
  });

  it('names two blocks when both sides are blocks (midpoint, no grid exchange)', () => {
    // s1 0.5 kW @0.06 meets d1 0.5 kW @0.09 exactly: price (0.06 + 0.09)/2 = 0.075
    const book: PeriodBook = { id: 'p', supply: [{ id: 's1', agent: 'b', kw: 0.5, priceEurPerKwh: 0.06 }], demand: [{ id: 'd1', agent: 'a', kw: 0.5, priceEurPerKwh: 0.09 }] };
    const r = clearPeriod(book, grid(0, 0), 1, { pricing: 'midpoint' });
    const x = explainPrice(book, grid(0, 0), r, 'midpoint');
    expect(r.priceEurPerKwh).toBeCloseTo(0.075, 12);
    expect(x.priceSetBy).toBe('midpoint: supply s1 (b) @0.06 | demand d1 (a) @0.09');
    expect(x.consistent).toBe(true);
  });

  it('uniform: the grid import order pins the price when the community imports', () => {
    // d1 2 kW @0.2 > import 0.1: s1 (1 kW @0.02) and 1 kW import; the price can be no lower than the import price
    const book: PeriodBook = { id: 'p', supply: [{ id: 's1', agent: 'b', kw: 1, priceEurPerKwh: 0.02 }], demand: [{ id: 'd1', agent: 'a', kw: 2, priceEurPerKwh: 0.2 }] };
    const g = grid(null);
    const r = clearPeriod(book, g, 1, { pricing: 'uniform' });
    const x = explainPrice(book, g, r, 'uniform');
    expect(r.importKw).toBeCloseTo(1, 12);
    expect(r.priceEurPerKwh).toBeCloseTo(0.1, 12);
    expect(x.lower.grid).toBe('grid-import');
    expect(x.upper.grid).toBe('grid-import');
    expect(x.priceSetBy).toBe('uniform: grid import @0.1 | grid import @0.1');
    expect(x.consistent).toBe(true);
    expect(x.binds.some((s) => s.startsWith('the grid is the marginal seller'))).toBe(true);
  });

  it('says there is no price when nothing trades', () => {
    const book: PeriodBook = { id: 'p', supply: [{ id: 's1', agent: 'b', kw: 1, priceEurPerKwh: 0.2 }], demand: [{ id: 'd1', agent: 'a', kw: 1, priceEurPerKwh: 0.01 }] };
    const r = clearPeriod(book, grid(0, 0), 1, { pricing: 'uniform' });
    const x = explainPrice(book, grid(0, 0), r, 'uniform', { blocks: true });
    expect(x.priceSetBy).toBe('none: nothing traded');
    expect(x.blocks!.map((b) => b.status)).toEqual(['rejected', 'rejected']);
  });

  for (const rule of ['midpoint', 'uniform'] as const) {
    it(`recomputes the clearing's ${rule} price from its bounds on random books`, () => {
      fc.assert(
        fc.property(bookArb(5), (book) => {
          const r = clear(book, { pricing: rule }).periods[0];
          const x = explainPrice(book.periods[0], book.grid, r, rule, { blocks: true });
          expect(x.consistent, x.text).toBe(true);
          if (r.priceEurPerKwh !== null) expect(x.recomputedEurPerKwh!).toBeCloseTo(r.priceEurPerKwh, 7);
          // every accepted block is accepted in the explanation, every marginal block sits at a bound's price
          for (const b of x.blocks!) {
            expect(b.status === 'accepted' || b.status === 'paradoxically-accepted').toBe([...r.acceptedSupply, ...r.acceptedDemand].includes(b.id));
            if (b.marginal) expect([x.lower.priceEurPerKwh, x.upper.priceEurPerKwh]).toContain(b.priceEurPerKwh);
          }
        }),
        { numRuns: 400 },
      );
    });
  }
});
