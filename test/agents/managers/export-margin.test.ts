/**
 * `export-margin`: the seller's manager keeps a markup on sales to other communities.
 *
 *   c1: producer G ∈ [0, 4], C(G) = 0.02·G + ½·0.01·G²      c2: consumer P ∈ [0, 5], U = 0.15·P − ½·0.02·P²
 *   π_imp 0.10, π_exp 0.05, fee 0.01.
 *   truthful: μ = 0.06, c1 sells 4 kW; c1 members earn 0.06·4 − 0.16 = 0.08, c2 members 0.44 − 0.28 = 0.16.
 *   margin 0.02: c1's members see μ − 0.02; −(μ − 0.04)/0.01 + (0.14 − μ)/0.02 = 0 → μ = 0.22/3, trade 10/3 kW;
 *   c1 members 0.0533·3.333 − 0.1222 = 0.0556, its manager 0.02·3.333 = 0.0667: c1 gains (0.122 > 0.08);
 *   c2 pays b = 0.0833 for 3.333 kW: 0.3889 − 0.2778 = 0.111 < 0.16, it loses; total welfare falls.
 */
import { describe, expect, it } from 'vitest';
import { syntheticProblem } from '../../../markets/community/synthetic.js';
import { consumer, market, producer } from '../../markets/community/helpers.js';
import { clearWith, communityWelfare } from './helpers.js';

describe('manager strategy export-margin', () => {
  it('hand case: the seller (members + manager) gains, the buyer loses, total welfare falls', () => {
    const p = market([producer('pv', 'c1', 0.02, 0.01, 4), consumer('load', 'c2', 0.15, 0.02, 5)], ['c1', 'c2']);
    const truthful = communityWelfare(p, clearWith(p, {}));
    const r = clearWith(p, { c1: { name: 'export-margin', params: { margin_eur_per_kwh: 0.02 } } });
    const w = communityWelfare(p, r);
    expect(truthful.c1.total).toBeCloseTo(0.08, 12);
    expect(truthful.c2.total).toBeCloseTo(0.16, 12);
    expect(w.c1.margin).toBeCloseTo(0.02 * (10 / 3), 12);
    expect(w.c1.members).toBeCloseTo((0.22 / 3 - 0.02) * (10 / 3) - (0.02 * (10 / 3) + 0.005 * (10 / 3) ** 2), 12);
    expect(w.c1.total).toBeGreaterThan(truthful.c1.total);
    expect(w.c2.total).toBeCloseTo(0.15 * (10 / 3) - 0.01 * (10 / 3) ** 2 - (0.22 / 3 + 0.01) * (10 / 3), 12);
    expect(w.c2.total).toBeLessThan(truthful.c2.total);
    expect(r.welfareEur as number).toBeLessThan(truthful.c1.total + truthful.c2.total);
  });

  it('on a 5-community instance: the exporting community with the margin gains, the importers lose', () => {
    const p = syntheticProblem({ communities: 5, agents: 120, batteries: 5, seed: 4 });
    const base = clearWith(p, {});
    // the community that sells most to the others takes the margin
    const seller = [...base.managers].sort((a, b) => sum(b.exportToKw) - sum(a.exportToKw))[0];
    expect(sum(seller.exportToKw)).toBeGreaterThan(0);
    const r = clearWith(p, { [seller.community]: { name: 'export-margin', params: { margin_eur_per_kwh: 0.005 } } });
    const before = communityWelfare(p, base);
    const after = communityWelfare(p, r);
    expect(after[seller.community].margin).toBeGreaterThan(0);
    expect(after[seller.community].total).toBeGreaterThan(before[seller.community].total);
    const buyers = base.managers.filter((x) => sum(x.importFromKw) > 0).map((x) => x.community);
    expect(buyers.length).toBeGreaterThan(0);
    for (const b of buyers) expect(after[b].total).toBeLessThan(before[b].total + 1e-12);
    expect(r.welfareEur as number).toBeLessThanOrEqual((base.welfareEur as number) + 1e-12);
  });
});

function sum(x: Readonly<Record<string, number>>): number {
  return Object.values(x).reduce((a, b) => a + b, 0);
}
