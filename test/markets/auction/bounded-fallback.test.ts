/**
 * The auction's MILP fallback is bounded and its optimality gap reported (issue 11: with uneven
 * block sizes, 20k orders took 2.4 s, 40k 22.8 s, 60k over 100 s once HiGHS was hit). Above
 * `DEFAULT_MILP_MAX_BLOCKS` the MILP is not called at all — the structured incumbent (branch and
 * bound, then a local search from the rounded LP) is the answer with its proven gap to the LP bound;
 * below it the MILP closes the gap. The bound is checked against exhaustive enumeration.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { clear, DEFAULT_MILP_MAX_BLOCKS } from '../../../markets/auction/clearing.js';
import { syntheticUnevenPeriod } from '../../../markets/auction/synthetic-book.js';
import { type MilpSolver, loadMilpSolver } from '../../../markets/solvers/milp.js';
import { bookArb, bruteForce } from './brute-force.js';

let highs: MilpSolver;
beforeAll(async () => {
  highs = await loadMilpSolver('highs');
});

/** A backend that fails the test if it is ever asked to solve. */
const mustNotSolve: MilpSolver = {
  name: 'highs',
  solve: () => {
    throw new Error('the MILP fallback was called above its block limit');
  },
};

describe('bounded MILP fallback', () => {
  it('20,000 uneven orders (8,000 under uniform): no MILP call, a feasible selection, and a small proven gap', () => {
    for (const [pricing, orders] of [['midpoint', 20_000], ['uniform', 8_000]] as const) {
      expect(orders).toBeGreaterThan(DEFAULT_MILP_MAX_BLOCKS);
      const r = clear(syntheticUnevenPeriod(orders), { pricing, solver: mustNotSolve });
      const p = r.periods[0];
      expect(p.status).not.toBe('solver_failed');
      expect(p.method).toBe('structured');
      expect(p.detail).toMatch(/exceed the MILP fallback's 5000/);
      // a gap is reported, it is what the bound and the selection say, and it is small
      expect(p.optimalityGap).toBeGreaterThan(0);
      expect(p.optimalityGap).toBeLessThan(1e-5);
      expect(p.welfareBoundEur).toBeGreaterThanOrEqual(p.welfareOptimumEur);
      expect(p.optimalityGap).toBeCloseTo((p.welfareBoundEur - p.welfareOptimumEur) / p.welfareBoundEur, 9);
      expect(r.maxOptimalityGap).toBe(p.optimalityGap);
      // within the grid limits (balance is asserted inside clear)
      expect(p.importKw).toBeLessThanOrEqual(10 + 1e-9);
      expect(p.exportKw).toBeLessThanOrEqual(10 + 1e-9);
    }
  });

  it('the same book and config give the same selection (no wall clock involved)', () => {
    const book = syntheticUnevenPeriod(12_000, 10, 3);
    const a = clear(book, { pricing: 'midpoint', solver: mustNotSolve }).periods[0];
    const b = clear(book, { pricing: 'midpoint', solver: mustNotSolve }).periods[0];
    expect(b).toEqual(a);
  });

  it('the reported bound is a true upper bound and the gap is exact (small books, search forced to stop)', () => {
    fc.assert(
      fc.property(bookArb(6), (book) => {
        const p = clear(book, { pricing: 'midpoint', maxNodes: 1, milpMaxBlocks: 0, solver: mustNotSolve }).periods[0];
        const best = bruteForce(book.periods[0], book.grid).welfareEurPerH * book.periodHours;
        expect(p.welfareOptimumEur).toBeLessThanOrEqual(best + 1e-9);
        expect(p.welfareBoundEur).toBeGreaterThanOrEqual(best - 1e-9);
        if (p.optimalityGap === 0) expect(p.welfareOptimumEur).toBeCloseTo(best, 9);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('below the limit the MILP closes the gap: optimum proven, gap 0', () => {
    fc.assert(
      fc.property(bookArb(6), (book) => {
        const p = clear(book, { pricing: 'midpoint', maxNodes: 1, solver: highs }).periods[0];
        const best = bruteForce(book.periods[0], book.grid).welfareEurPerH * book.periodHours;
        expect(p.optimalityGap).toBe(0);
        expect(p.welfareOptimumEur).toBeCloseTo(best, 9);
      }),
      { numRuns: 60, seed: 12 },
    );
  });
});
