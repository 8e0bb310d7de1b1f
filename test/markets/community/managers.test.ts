/**
 * The inter-community market cleared from managers' offers (markets/community/managers.ts) against
 * the central clearing: with truthful offers the decomposition is exact, so welfare must agree with
 * the central fast solver and with the HiGHS QP oracle within 1e-6 relative (measured: 5e-15 against
 * the fast solver, 3e-13 against HiGHS, whose feasibility tolerance is 1e-10). Quantities can be
 * non-unique (linear agents), so the managers' point is also certified optimal by its KKT residuals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toCanonical } from '../../../markets/community/canonical.js';
import { clearCommunityFast } from '../../../markets/community/fast-solver.js';
import { kktHolds, kktResiduals } from '../../../markets/community/kkt.js';
import { clearCommunityManagers, communityCurve, curveAt, type ManagerOffer, truthfulOffers } from '../../../markets/community/managers.js';
import { clearCommunityQp } from '../../../markets/community/qp-oracle.js';
import { caseStudy2Like, syntheticDay, syntheticProblem } from '../../../markets/community/synthetic.js';
import type { CommunityProblem } from '../../../markets/community/model.js';
import { consumer, market, producer } from './helpers.js';

/**
 * The HiGHS WebAssembly build sometimes fails a solve after many in one process ("HiGHS error -1");
 * the solver module then drops the instance (markets/solvers/highs.ts), and one retry on a fresh one
 * solves the same text. A second failure is a real failure.
 */
async function oracle(p: CommunityProblem) {
  try {
    return await clearCommunityQp(p);
  } catch {
    return await clearCommunityQp(p);
  }
}

const relErr = (a: number, b: number) => Math.abs(a - b) / (1 + Math.abs(b));

const instance = fc
  .record({
    communities: fc.integer({ min: 1, max: 5 }),
    agents: fc.integer({ min: 2, max: 40 }),
    batteries: fc.integer({ min: 0, max: 4 }),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    linearShare: fc.constantFrom(0, 0, 0.3, 1),
    feeEurPerKwh: fc.constantFrom(0, 0.005, 0.01, 0.03, 0.06),
    exportPriceEurPerKwh: fc.constantFrom(0.02, 0.05),
  })
  .map((o) => syntheticProblem({ ...o, batteries: Math.min(o.batteries, o.agents - 1) }));

describe('managers clearing with truthful offers equals the central clearing', () => {
  it('on random instances: same welfare as the fast solver and the HiGHS QP within 1e-6, KKT-certified', async () => {
    let worstFast = 0;
    let worstQp = 0;
    await fc.assert(
      fc.asyncProperty(instance, async (p) => {
        const fast = clearCommunityFast(p);
        const man = clearCommunityManagers(p);
        // HiGHS's QP fails ("error -1") on some 4- and 5-community instances of the oracle's model,
        // so the oracle is asked only up to 3 communities (as in oracle.test.ts); the fast solver always
        const qp = p.communities.length <= 3 ? await oracle(p) : undefined;
        expect(man.status).toBe(fast.status);
        if (qp) expect(man.status).toBe(qp.status);
        if (man.status !== 'optimal') return;
        const ef = relErr(man.welfareEur as number, fast.welfareEur as number);
        const eq = qp ? relErr(man.welfareEur as number, qp.welfareEur as number) : 0;
        worstFast = Math.max(worstFast, ef);
        worstQp = Math.max(worstQp, eq);
        expect(ef).toBeLessThanOrEqual(1e-6);
        expect(eq).toBeLessThanOrEqual(1e-6);
        expect(kktHolds(kktResiduals(p, man), 1e-7)).toBe(true);
      }),
      { numRuns: 80, seed: 16 },
    );
    console.log(`managers vs central: worst relative welfare error ${worstFast.toExponential(2)} (fast solver), ${worstQp.toExponential(2)} (HiGHS QP)`);
  }, 120_000);

  it('on the CS2-sized day (5 communities, 272 agents, 24 hours): same welfare every hour', () => {
    const day = syntheticDay(caseStudy2Like(2));
    let worst = 0;
    for (const p of day.hours) {
      const fast = clearCommunityFast(p);
      const man = clearCommunityManagers(p);
      expect(man.status).toBe('optimal');
      worst = Math.max(worst, relErr(man.welfareEur as number, fast.welfareEur as number));
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
    console.log(`managers vs central on the CS2-sized day: worst relative welfare error ${worst.toExponential(2)}`);
  });
});

describe('a community offer is its members’ aggregate net import', () => {
  it('evaluates to the sum of best responses at any price (between knots too)', () => {
    const p = syntheticProblem({ communities: 2, agents: 30, batteries: 3, seed: 7, linearShare: 0.3 });
    const m = toCanonical(p);
    const curve = communityCurve(m, 1);
    for (let k = 0; k <= 200; k++) {
      const price = -0.05 + (0.4 * k) / 200;
      let low = 0;
      let high = 0;
      // direct sums of the members' responses (closed form, written out again here)
      const at = curveAt(curve, price);
      for (let j = m.start[1]; j < m.start[2]; j++) {
        const i = m.order[j];
        const r = (lo: boolean) => {
          const b = m.bPos[i];
          const bn = m.bNeg[i];
          const a = m.a[i];
          let d = a > 0 ? (price < b ? (b - price) / a : price > bn ? (bn - price) / a : 0) : price < b || (!lo && price === b) ? Infinity : price > bn || (lo && price === bn) ? -Infinity : 0;
          d = Math.min(m.hi[i], Math.max(m.lo[i], d));
          return d;
        };
        low += r(true);
        high += r(false);
      }
      expect(at.low).toBeCloseTo(low, 9);
      expect(at.high).toBeCloseTo(high, 9);
    }
  });
});

describe('hand-solvable two-community case', () => {
  /*
   *   c1: producer G ∈ [0, 4], cost 0.02·G (a = 0.01: C = 0.02 G + ½·0.01 G²)  — sells
   *   c2: consumer P ∈ [0, 5], utility 0.15·P − ½·0.02·P²                        — buys
   *   π_imp = 0.10, π_exp = 0.05, fee 0.01. c1 alone would export at π_exp: G = (0.05 − 0.02)/0.01 = 3.
   *   Trade pays (0.10 − 0.05 > fee): μ with X1(μ) + X2(μ + fee) = 0, X1(λ) = −(λ − 0.02)/0.01,
   *   X2(λ) = (0.15 − λ)/0.02 clipped to [0, 5]: X2(0.10) = 2.5 at most before the grid takes over.
   *   Importer at b = μ + 0.01 ≤ 0.10; −(μ − 0.02)/0.01 + (0.14 − μ)/0.02 = 0 → μ = 0.06, b = 0.07:
   *   c1 sells 4 kW (cap of G) — check: X1(0.06) = −4 (= −p_max), X2(0.07) = 4. Balanced, so
   *   μ ∈ [0.06, …] where X1 is clipped: X2(μ+0.01) = 4 → μ = 0.06 exactly, no grid trade.
   */
  it('trades 4 kW at μ = 0.06 (buyer pays 0.07)', () => {
    const p = market([producer('pv', 'c1', 0.02, 0.01, 4), consumer('load', 'c2', 0.15, 0.02, 5)], ['c1', 'c2']);
    const r = clearCommunityManagers(p);
    expect(r.status).toBe('optimal');
    expect(r.interPriceEurPerKwh).toBeCloseTo(0.06, 12);
    expect(r.managers[0].exportToKw.c2).toBeCloseTo(4, 12);
    expect(r.managers[1].importFromKw.c1).toBeCloseTo(4, 12);
    expect(r.managers[0].priceEurPerKwh).toBeCloseTo(0.06, 12);
    expect(r.managers[1].priceEurPerKwh).toBeCloseTo(0.07, 12);
    expect(r.managers[0].gridExportKw + r.managers[1].gridImportKw).toBe(0);
    // welfare = 0.15·4 − 0.01·16 − (0.02·4 + 0.005·16) − fee·4 = 0.6 − 0.16 − 0.16 − 0.04 = 0.24
    expect(r.welfareEur).toBeCloseTo(0.24, 12);
    expect(r.welfareEur).toBeCloseTo(clearCommunityFast(p).welfareEur as number, 12);
    for (const x of r.managers) expect(x.marginEur).toBeCloseTo(0, 12);
  });

  it('an export margin is kept by the seller’s manager and shifts trade', () => {
    const p = market([producer('pv', 'c1', 0.02, 0.01, 4), consumer('load', 'c2', 0.15, 0.02, 5)], ['c1', 'c2']);
    const offers: ManagerOffer[] = truthfulOffers(p).map((o) => (o.community === 'c1' ? { ...o, exportMarginEurPerKwh: 0.02 } : o));
    const r = clearCommunityManagers(p, offers);
    expect(r.status).toBe('optimal');
    // members of c1 now receive μ − 0.02; μ solves X1(μ − 0.02) + X2(μ + 0.01) = 0 with X1 = −(μ − 0.04)/0.01:
    // −(μ − 0.04)/0.01 + (0.14 − μ)/0.02 = 0 → 3μ = 0.22 → μ = 0.07333…, trade 3.333 kW
    expect(r.interPriceEurPerKwh).toBeCloseTo(0.22 / 3, 12);
    expect(r.managers[0].exportToKw.c2).toBeCloseTo((0.22 / 3 - 0.04) / -0.01 * -1, 9);
    expect(r.managers[0].marginEur).toBeCloseTo(0.02 * r.managers[0].exportToKw.c2, 12);
    expect(r.welfareEur as number).toBeLessThan(clearCommunityFast(p).welfareEur as number);
  });
});

describe('managers clearing with shaded offers (random markups and import caps)', () => {
  const shading = fc.array(fc.record({ margin: fc.constantFrom(0, 0, 0.002, 0.01, 0.05), cap: fc.constantFrom(null, null, 0, 0.5, 2, 10) }), { minLength: 5, maxLength: 5 });
  it('is balanced (checked inside), keeps every cap, never beats the central optimum, and margins are ≥ 0; or reports why it is infeasible', () => {
    let infeasible = 0;
    let shaded = 0;
    fc.assert(
      fc.property(instance, shading, (p, sh) => {
        const offers = truthfulOffers(p).map((o, k) => ({ ...o, exportMarginEurPerKwh: sh[k].margin, maxGridImportKw: sh[k].cap }));
        const r = clearCommunityManagers(p, offers);
        const central = clearCommunityFast(p);
        if (central.status !== 'optimal') return;
        if (r.status !== 'optimal') {
          infeasible++;
          expect(r.reason).toMatch(/cap/);
          return;
        }
        shaded++;
        expect(r.welfareEur as number).toBeLessThanOrEqual((central.welfareEur as number) + 1e-9 * (1 + Math.abs(central.welfareEur as number)));
        r.managers.forEach((x, k) => {
          expect(x.marginEur).toBeGreaterThanOrEqual(-1e-9);
          if (offers[k].maxGridImportKw !== null) expect(x.gridImportKw).toBeLessThanOrEqual((offers[k].maxGridImportKw as number) + 1e-9);
          // members answer their community price: no member wants to move (Eq. 1 per agent)
        });
        const k = kktResiduals({ ...p }, r);
        // members are at their best response to their own community's price (stationarity holds
        // agent by agent even when prices differ by more than a fee between communities)
        expect(k.primalKw).toBeLessThanOrEqual(1e-7);
      }),
      { numRuns: 150, seed: 61 },
    );
    expect(shaded).toBeGreaterThan(50);
    console.log(`shaded offers: ${shaded} cleared, ${infeasible} infeasible (a cap below what a community must take)`);
  });
});
