/**
 * `import-cap`: the manager limits its community's upstream import.
 *
 *   c1: consumer P ∈ [0, 10], U = 0.20·P − ½·0.01·P²  (at π_imp = 0.10 it takes 10 kW)
 *   c2: producer G ∈ [0, 6],  C = 0.03·G + ½·0.01·G²  (at π_exp = 0.05 it would sell 2 kW)
 *   fee 0.01. truthful: c2 sells to c1 at μ = π_imp − fee = 0.09 → G = 6 (its maximum), c1 buys 4 kW from the grid.
 *   cap 2 kW on c1: c1 takes 6 + 2 = 8 kW, its price rises to 0.20 − 0.01·8 = 0.12 > π_imp; c2 still sells
 *   its 6 kW (at μ = 0.11 it would sell 8 but has 6): c2's members earn more (0.11 vs 0.09 per kWh), c1's
 *   members lose, c1's manager keeps (0.12 − 0.10)·2 = 0.04 EUR of scarcity rent.
 */
import { describe, expect, it } from 'vitest';
import { consumer, market, producer } from '../../markets/community/helpers.js';
import { clearWith, communityWelfare } from './helpers.js';

describe('manager strategy import-cap', () => {
  const p = market([consumer('load', 'c1', 0.2, 0.01, 10), producer('pv', 'c2', 0.03, 0.01, 6)], ['c1', 'c2']);

  it('keeps upstream import at the cap; the capped community loses, its neighbour gains', () => {
    const base = clearWith(p, {});
    expect(base.managers[0].gridImportKw).toBeCloseTo(4, 9);
    expect(base.managers[0].importFromKw.c2).toBeCloseTo(6, 9);
    const r = clearWith(p, { c1: { name: 'import-cap', params: { max_import_kw: 2 } } });
    expect(r.status).toBe('optimal');
    const c1 = r.managers[0];
    expect(c1.gridImportKw).toBeCloseTo(2, 9);
    expect(c1.importFromKw.c2).toBeCloseTo(6, 9);
    expect(c1.priceEurPerKwh).toBeCloseTo(0.12, 9);
    expect(c1.marginEur).toBeCloseTo(0.04, 9);
    const before = communityWelfare(p, base);
    const after = communityWelfare(p, r);
    expect(after.c1.total).toBeLessThan(before.c1.total);
    expect(after.c2.total).toBeGreaterThan(before.c2.total);
    expect(r.welfareEur as number).toBeLessThan(base.welfareEur as number);
  });

  it('a cap the community cannot live with is an infeasible period with the reason, not a crash', () => {
    const must = market([consumer('load', 'c1', 0.2, 0.01, 10, 9)], ['c1']);
    const r = clearWith(must, { c1: { name: 'import-cap', params: { max_import_kw: 2 } } });
    expect(r.status).toBe('infeasible');
    expect(r.reason).toMatch(/c1.*cap/);
  });
});
