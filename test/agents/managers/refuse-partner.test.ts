/**
 * `refuse-partner`: a manager refuses all trade with one named neighbour (issue 16).
 *
 *   c1: producer G ∈ [0, 8], C(G) = 0.02·G + ½·0.01·G²
 *   c2, c3: consumer P ∈ [0, 5] each, U = 0.15·P − ½·0.02·P²;   π_imp 0.10, π_exp 0.05, fee 0.01.
 *   truthful: c1 sells at μ, buyers pay μ + 0.01: (μ − 0.02)/0.01 = 2·(0.14 − μ)/0.02 → μ = 0.08,
 *     c1 sells 6 kW, c2 and c3 take 3 kW each at 0.09. Welfare: c1 0.08·6 − (0.12 + 0.18) = 0.18;
 *     c2 = c3 = 0.45 − 0.09 − 0.27 = 0.09; total 0.36.
 *   c1 refuses c2: c1 and c3 trade alone: (μ − 0.02)/0.01 = (0.14 − μ)/0.02 → μ = 0.06, c1 sells
 *     4 kW to c3 at 0.06 (c3 pays 0.07); c2 buys 2.5 kW from the grid at 0.10.
 *     c1 0.24 − 0.16 = 0.08 (the refuser loses 0.10); c2 0.3125 − 0.0625 − 0.25 = 0.0625 (the refused
 *     loses 0.0275); c3 0.60 − 0.16 − 0.28 = 0.16 (the other gains 0.07); total 0.3025 (falls).
 * c3 could buy more from c1 and resell it to c2 (c2 would pay up to 0.10): it may not, a manager
 * trades its own community's net position only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { clearDayByManagers } from '../../../markets/community/managers-day.js';
import type { CommunityProblem } from '../../../markets/community/model.js';
import { syntheticProblem } from '../../../markets/community/synthetic.js';
import { type HighsModule, loadHighs } from '../../../markets/solvers/highs.js';
import { consumer, market, producer } from '../../markets/community/helpers.js';
import { clearWith, communityWelfare, offersWith } from './helpers.js';

let highs: HighsModule;
beforeAll(async () => {
  highs = await loadHighs();
});

/** One period cleared from the offers with per-partner terms (the path the market operator takes for them). */
function clearRefusing(p: CommunityProblem, refuser: string, partner: string) {
  const offers = offersWith(p, { [refuser]: { name: 'refuse-partner', params: { partner } } });
  expect(offers.find((o) => o.community === refuser)!.partners).toEqual({ [partner]: { accept: false } });
  const day = clearDayByManagers(highs, { hours: [p] }, [offers]);
  expect(day.status).toBe('optimal');
  return day.hours[0];
}

const sum = (x: Readonly<Record<string, number>>) => Object.values(x).reduce((a, b) => a + b, 0);

describe('manager strategy refuse-partner', () => {
  it('hand case: the refuser and the refused lose, the other buyer gains, total welfare falls; no trade between the two', () => {
    const p = market([producer('pv', 'c1', 0.02, 0.01, 8), consumer('l2', 'c2', 0.15, 0.02, 5), consumer('l3', 'c3', 0.15, 0.02, 5)], ['c1', 'c2', 'c3']);
    const truthful = communityWelfare(p, clearWith(p, {}));
    expect(truthful.c1.total).toBeCloseTo(0.18, 12);
    expect(truthful.c2.total).toBeCloseTo(0.09, 12);
    expect(truthful.c3.total).toBeCloseTo(0.09, 12);
    const r = clearRefusing(p, 'c1', 'c2');
    const w = communityWelfare(p, r);
    const tol = 1e-8; // HiGHS's tolerances (1e-10) through the welfare
    expect(w.c1.total).toBeCloseTo(0.08, 8);
    expect(w.c2.total).toBeCloseTo(0.0625, 8);
    expect(w.c3.total).toBeCloseTo(0.16, 8);
    expect(Math.abs(r.welfareEur! - 0.3025)).toBeLessThan(tol);
    for (const x of r.managers) expect(Math.abs(x.marginEur)).toBeLessThan(tol);
    const [c1, c2, c3] = r.managers;
    expect(c1.exportToKw.c2 ?? 0).toBe(0);
    expect(c2.importFromKw.c1 ?? 0).toBe(0);
    expect(c1.exportToKw.c3).toBeCloseTo(4, 8);
    expect(c3.importFromKw.c1).toBeCloseTo(4, 8);
    // c3 resells nothing to c2: c2 buys from the grid alone, at the grid's price
    expect(sum(c3.exportToKw)).toBe(0);
    expect(c2.gridImportKw).toBeCloseTo(2.5, 8);
    expect(c2.priceEurPerKwh).toBeCloseTo(0.1, 9);
    expect(c1.priceEurPerKwh).toBeCloseTo(0.06, 8);
    expect(c3.priceEurPerKwh).toBeCloseTo(0.07, 8);
  });

  it('on a 5-community instance: the pair trades nothing, Eq. (8) holds between the others, welfare never rises', () => {
    const p = syntheticProblem({ communities: 5, agents: 120, batteries: 5, seed: 4 });
    const base = clearWith(p, {});
    // the pair with the largest trade between them
    let pair: [string, string] = ['', ''];
    let most = 0;
    for (const x of base.managers) for (const [to, kw] of Object.entries(x.exportToKw)) if (kw > most) (most = kw), (pair = [x.community, to]);
    expect(most).toBeGreaterThan(0);
    const [seller, buyer] = pair;
    const r = clearRefusing(p, buyer, seller);
    const before = communityWelfare(p, base);
    const after = communityWelfare(p, r);
    const s = r.managers.find((x) => x.community === seller)!;
    const b = r.managers.find((x) => x.community === buyer)!;
    expect(s.exportToKw[buyer] ?? 0).toBe(0);
    expect(b.exportToKw[seller] ?? 0).toBe(0);
    // the invariants ran inside the clearing; the refused pair both lose or stay, total welfare falls or stays
    expect(after[seller].total).toBeLessThanOrEqual(before[seller].total + 1e-8);
    expect(after[buyer].total).toBeLessThanOrEqual(before[buyer].total + 1e-8);
    expect(r.welfareEur!).toBeLessThanOrEqual(base.welfareEur! + 1e-8);
    // measured: the other three gain what the pair no longer trades (0.0062 + 0.0024 + 0.0014 EUR)
    const othersGain = r.managers.filter((x) => x.community !== seller && x.community !== buyer).reduce((a, x) => a + after[x.community].total - before[x.community].total, 0);
    expect(othersGain).toBeGreaterThan(0);
    const others = r.managers.filter((x) => x.community !== seller && x.community !== buyer).map((x) => `${x.community} ${(after[x.community].total - before[x.community].total).toFixed(4)}`);
    console.log(`refuse-partner on the 5-community instance: ${buyer} refuses ${seller} (${most.toFixed(3)} kW traded before); ${seller} ${(after[seller].total - before[seller].total).toFixed(4)} EUR, ${buyer} ${(after[buyer].total - before[buyer].total).toFixed(4)} EUR, others ${others.join(', ')}`);
  });
});
