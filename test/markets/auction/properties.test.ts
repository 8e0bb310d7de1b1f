/**
 * Property tests of the clearing against exhaustive enumeration on small random books: the exact
 * structured path and both MILP backends reach the brute-force welfare optimum, agree with each other,
 * and every result keeps market balance, the grid limits and (for `uniform`) individual rationality.
 * The clearing itself asserts balance and individual rationality at run time, so a violation throws
 * inside `clear` and fails the property.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { clear } from '../../../markets/auction/clearing.js';
import type { AuctionBook } from '../../../markets/auction/orders.js';
import { type MilpSolver, loadMilpSolver } from '../../../markets/solvers/milp.js';
import { bookArb, bruteForce } from './brute-force.js';

let highs: MilpSolver;
let lpSolver: MilpSolver;
beforeAll(async () => {
  highs = await loadMilpSolver('highs');
  lpSolver = await loadMilpSolver('lp-solver');
});

const welfarePerH = (book: AuctionBook, w: number): number => w / book.periodHours;

function checkPhysical(book: AuctionBook, r: ReturnType<typeof clear>['periods'][number]): void {
  const p = book.periods[0];
  const sum = (ids: readonly string[], side: 'supply' | 'demand') => ids.reduce((s, id) => s + p[side].find((o) => o.id === id)!.kw, 0);
  const supplyKw = sum(r.acceptedSupply, 'supply');
  const demandKw = sum(r.acceptedDemand, 'demand');
  // seed 004, Eq. (2) with the grid closing it, and never both import and export
  expect(supplyKw + r.importKw - demandKw - r.exportKw).toBeCloseTo(0, 9);
  expect(Math.min(r.importKw, r.exportKw)).toBe(0);
  if (book.grid.maxImportKw !== null) expect(r.importKw).toBeLessThanOrEqual(book.grid.maxImportKw + 1e-9);
  if (book.grid.maxExportKw !== null) expect(r.exportKw).toBeLessThanOrEqual(book.grid.maxExportKw + 1e-9);
}

describe('auction clearing against brute force', () => {
  it('the structured path is welfare-optimal (midpoint keeps the optimum)', () => {
    fc.assert(
      fc.property(bookArb(5), (book) => {
        const r = clear(book, { pricing: 'midpoint' }).periods[0];
        expect(r.status).not.toBe('solver_failed');
        expect(welfarePerH(book, r.welfareEur)).toBeCloseTo(bruteForce(book.periods[0], book.grid).welfareEurPerH, 9);
        checkPhysical(book, r);
      }),
      { numRuns: 300 },
    );
  });

  it('HiGHS and javascript-lp-solver reach the same optimum as the structured path and brute force', () => {
    fc.assert(
      fc.property(bookArb(4), (book) => {
        const ref = bruteForce(book.periods[0], book.grid);
        const s = clear(book, { pricing: 'midpoint' }).periods[0];
        const h = clear(book, { pricing: 'midpoint', method: 'milp', solver: highs }).periods[0];
        const l = clear(book, { pricing: 'midpoint', method: 'milp', solver: lpSolver }).periods[0];
        for (const r of [h, l]) {
          expect(r.status).not.toBe('solver_failed');
          expect(welfarePerH(book, r.welfareEur)).toBeCloseTo(ref.welfareEurPerH, 9);
          checkPhysical(book, r);
        }
        // with a unique optimum the selections themselves must agree
        if (ref.optima === 1) {
          expect(h.acceptedSupply).toEqual(s.acceptedSupply);
          expect(h.acceptedDemand).toEqual(s.acceptedDemand);
          expect(l.acceptedSupply).toEqual(s.acceptedSupply);
          expect(l.acceptedDemand).toEqual(s.acceptedDemand);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('the MILP fallback after reduced-cost fixing is welfare-optimal (off-grid quantities, no branch and bound)', () => {
    const offGrid = bookArb(5).map((b) => ({
      ...b,
      periods: b.periods.map((p) => ({
        ...p,
        // break the common quantum so the imbalance DP cannot apply
        supply: p.supply.map((o, i) => ({ ...o, kw: o.kw * (1 + 1e-7 * (i + 1)) + 1e-7 })),
        demand: p.demand.map((o, i) => ({ ...o, kw: o.kw * (1 + 3e-7 * (i + 1)) + 3e-7 })),
      })),
    }));
    fc.assert(
      fc.property(offGrid, (book) => {
        const r = clear(book, { pricing: 'midpoint', solver: highs, maxNodes: 1 }).periods[0];
        expect(r.status).not.toBe('solver_failed');
        expect(welfarePerH(book, r.welfareEur)).toBeCloseTo(bruteForce(book.periods[0], book.grid).welfareEurPerH, 9);
        checkPhysical(book, r);
      }),
      { numRuns: 150 },
    );
  });

  it('uniform never returns a paradoxically accepted block and never beats the optimum', () => {
    fc.assert(
      fc.property(bookArb(5), (book) => {
        const r = clear(book, { pricing: 'uniform' }).periods[0];
        expect(r.status).toBe('cleared');
        expect(r.paradoxicallyAccepted).toEqual([]);
        checkPhysical(book, r);
        const p = book.periods[0];
        if (r.priceEurPerKwh !== null) {
          const price = r.priceEurPerKwh;
          for (const id of r.acceptedSupply) expect(p.supply.find((o) => o.id === id)!.priceEurPerKwh).toBeLessThanOrEqual(price + 1e-9);
          for (const id of r.acceptedDemand) expect(p.demand.find((o) => o.id === id)!.priceEurPerKwh).toBeGreaterThanOrEqual(price - 1e-9);
          // the grid is a divisible order at its own price: importing below the limit pins the price
          if (r.importKw > 1e-9 && (book.grid.maxImportKw === null || r.importKw < book.grid.maxImportKw - 1e-9)) {
            expect(price).toBeCloseTo(book.grid.importPriceEurPerKwh, 12);
          }
          if (r.exportKw > 1e-9 && (book.grid.maxExportKw === null || r.exportKw < book.grid.maxExportKw - 1e-9)) {
            expect(price).toBeCloseTo(book.grid.exportPriceEurPerKwh, 12);
          }
          // paradoxically rejected: exactly the rejected blocks in the money
          const prb = [
            ...p.supply.filter((o) => !r.acceptedSupply.includes(o.id) && o.priceEurPerKwh < price - 1e-9),
            ...p.demand.filter((o) => !r.acceptedDemand.includes(o.id) && o.priceEurPerKwh > price + 1e-9),
          ].map((o) => o.id);
          expect([...r.paradoxicallyRejected].sort()).toEqual(prb.sort());
        }
        expect(r.welfareEur).toBeLessThanOrEqual(r.welfareOptimumEur + 1e-12);
        expect(welfarePerH(book, r.welfareOptimumEur)).toBeCloseTo(bruteForce(p, book.grid).welfareEurPerH, 9);
      }),
      { numRuns: 300 },
    );
  });

  it('the same book gives the same result, whatever the order of its blocks', () => {
    fc.assert(
      fc.property(bookArb(5), fc.integer(), (book, seed) => {
        const shuffle = <T>(xs: readonly T[]): T[] => {
          const out = [...xs];
          let s = seed >>> 0;
          for (let i = out.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            const j = s % (i + 1);
            [out[i], out[j]] = [out[j], out[i]];
          }
          return out;
        };
        const p = book.periods[0];
        const shuffled: AuctionBook = { ...book, periods: [{ ...p, supply: shuffle(p.supply), demand: shuffle(p.demand) }] };
        for (const pricing of ['midpoint', 'uniform'] as const) {
          const a = clear(book, { pricing }).periods[0];
          const b = clear(shuffled, { pricing }).periods[0];
          expect([...b.acceptedSupply].sort()).toEqual([...a.acceptedSupply].sort());
          expect([...b.acceptedDemand].sort()).toEqual([...a.acceptedDemand].sort());
          expect(b.priceEurPerKwh).toBe(a.priceEurPerKwh);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('exact structured path, each repair method alone', () => {
  it('branch and bound without the imbalance DP is welfare-optimal', async () => {
    const { preparePeriod, flowsOf } = await import('../../../markets/auction/period-model.js');
    const { solveStructured } = await import('../../../markets/auction/merit-order.js');
    fc.assert(
      fc.property(bookArb(5), (book) => {
        const pb = book.periods[0];
        const p = preparePeriod(pb, book.grid);
        const none = { demand: new Uint8Array(pb.demand.length), supply: new Uint8Array(pb.supply.length) };
        const s = solveStructured(p, none, { maxNodes: 100_000, useCoreDp: false });
        expect(s.proven).toBe(true);
        expect(flowsOf(p, s.acceptance).welfareEurPerH).toBeCloseTo(bruteForce(pb, book.grid).welfareEurPerH, 9);
      }),
      { numRuns: 300 },
    );
  });

  it('an imbalance DP stopped by its work limit hands a feasible incumbent to the branch and bound', async () => {
    const { preparePeriod, flowsOf } = await import('../../../markets/auction/period-model.js');
    const { solveStructured } = await import('../../../markets/auction/merit-order.js');
    fc.assert(
      fc.property(bookArb(5), (book) => {
        const pb = book.periods[0];
        const p = preparePeriod(pb, book.grid);
        const none = { demand: new Uint8Array(pb.demand.length), supply: new Uint8Array(pb.supply.length) };
        const s = solveStructured(p, none, { maxNodes: 100_000, coreDpMaxWork: 40 });
        expect(s.proven).toBe(true);
        expect(flowsOf(p, s.acceptance).welfareEurPerH).toBeCloseTo(bruteForce(pb, book.grid).welfareEurPerH, 9);
      }),
      { numRuns: 300 },
    );
  });
});

describe('merit order', () => {
  // the order every solution method reads: supply by price ascending, demand by price descending,
  // equal prices (−0 and 0 too) by id — the comparator of the definition, against preparePeriod's sort
  const reference = (orders: readonly { id: string; priceEurPerKwh: number }[], descending: boolean): number[] =>
    orders
      .map((_, i) => i)
      .sort((i, j) => {
        const pi = orders[i].priceEurPerKwh;
        const pj = orders[j].priceEurPerKwh;
        if (pi !== pj) return descending ? pj - pi : pi - pj;
        return orders[i].id < orders[j].id ? -1 : orders[i].id > orders[j].id ? 1 : 0;
      });
  const price = fc.oneof(fc.constantFrom(0, -0, 0.05, 0.1, 0.025), fc.double({ min: -1, max: 1, noNaN: true }));
  const sideArb = (tag: string) =>
    fc.uniqueArray(fc.record({ n: fc.integer({ min: 0, max: 400 }), priceEurPerKwh: price }), { selector: (o) => o.n, maxLength: 200 }).map((os) => os.map((o) => ({ id: `${tag}${o.n}`, agent: `a${o.n % 7}`, kw: 0.5, priceEurPerKwh: o.priceEurPerKwh })));

  it('is the comparator order, with heavy ties and signed zeros', async () => {
    const { preparePeriod } = await import('../../../markets/auction/period-model.js');
    fc.assert(
      fc.property(sideArb('s'), sideArb('d'), (supply, demand) => {
        const p = preparePeriod({ id: 'p', supply, demand }, { importPriceEurPerKwh: 0.1, exportPriceEurPerKwh: 0.05, maxImportKw: null, maxExportKw: null });
        expect(Array.from(p.supply.order)).toEqual(reference(supply, false));
        expect(Array.from(p.demand.order)).toEqual(reference(demand, true));
      }),
      { numRuns: 300 },
    );
  });
});
