/**
 * The exact structured solver against the generic QP (HiGHS) on random instances. Welfare is unique,
 * so it must agree; quantities and prices can be non-unique when agents are linear (a = 0) or
 * nobody is marginal, so there both points are instead certified optimal by their KKT residuals.
 * Tolerances: HiGHS is run with feasibility tolerances 1e-10 (no QP regularisation); we allow 1e-7.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clearCommunityFast } from '../../../markets/community/fast-solver.js';
import { kktResiduals } from '../../../markets/community/kkt.js';
import type { CommunityAgent, CommunityProblem } from '../../../markets/community/model.js';
import { clearCommunityQp } from '../../../markets/community/qp-oracle.js';
import { battery, consumer, market, producer } from './helpers.js';

/** A number in [min, max] on a grid of 1e-4 (fast-check's doubles include 1e-300, which no market has). */
const num = (min: number, max: number) => fc.integer({ min: Math.round(min * 1e4), max: Math.round(max * 1e4) }).map((k) => k / 1e4);
const price = num(0, 0.3);
const curvature = (linear: boolean) => (linear ? fc.constant(0) : num(0.002, 0.08));

function agentArb(nc: number, linear: boolean): fc.Arbitrary<CommunityAgent> {
  const community = fc.integer({ min: 1, max: nc }).map((k) => `c${k}`);
  const size = fc.tuple(num(0, 1), num(0.1, 8));
  return fc.oneof(
    fc.tuple(community, price, curvature(linear), size).map(([c, b, a, [f, max]]) => consumer('x', c, b, a, max, f < 0.3 ? f * max : 0)),
    fc.tuple(community, price, curvature(linear), size).map(([c, b, a, [f, max]]) => producer('x', c, b, a, max, f < 0.2 ? f * max : 0)),
    fc
      .tuple(community, num(0.2, 0.8), fc.integer({ min: 1, max: 5 }), num(0, 0.2), num(0.0005, 0.01))
      .map(([c, soc, units, v, a]) => battery('x', c, { soc, capacityKwh: 10.24 * units, powerKw: 2.56 * units, valueEurPerKwh: v, aEurPerKwhPerKw: linear ? 0 : a })),
  );
}

function problemArb(linear: boolean): fc.Arbitrary<CommunityProblem> {
  return fc.integer({ min: 1, max: 3 }).chain((nc) =>
    fc
      .tuple(
        fc.array(agentArb(nc, linear), { minLength: 1, maxLength: 9 }),
        num(0, 0.15),
        num(0, 0.1),
        num(0, 0.06),
        fc.constantFrom(1, 0.25),
      )
      .map(([agents, pe, spread, fee, h]) =>
        market(
          agents.map((a, i) => ({ ...a, id: `${a.kind}${i}` })),
          Array.from({ length: nc }, (_, k) => `c${k + 1}`),
          { grid: { importPriceEurPerKwh: pe + spread, exportPriceEurPerKwh: pe }, interCommunityFeeEurPerKwh: fee, periodHours: h },
        ),
      ),
  );
}

describe('fast solver equals the QP oracle', () => {
  it('on strictly concave instances: same welfare, quantities and prices where unique', async () => {
    await fc.assert(
      fc.asyncProperty(problemArb(false), async (p) => {
        const fast = clearCommunityFast(p);
        const qp = await clearCommunityQp(p);
        expect(fast.status).toBe(qp.status);
        if (fast.status !== 'optimal') return;
        const scale = 1 + Math.abs(fast.welfareEur as number);
        expect(Math.abs((fast.welfareEur as number) - (qp.welfareEur as number)) / scale).toBeLessThan(1e-7);
        // strictly concave: net demand of every agent is unique
        fast.agents.forEach((a, i) => {
          expect(Math.abs(a.pKw + a.sKw - (qp.agents[i].pKw + qp.agents[i].sKw))).toBeLessThan(1e-5);
        });
        const kq = kktResiduals(p, qp);
        expect(kq.primalKw).toBeLessThan(1e-6);
        expect(kq.dualEurPerKwh).toBeLessThan(1e-6);
        const kf = kktResiduals(p, fast);
        expect(Math.max(kf.primalKw, kf.dualEurPerKwh, kf.complementarityEurPerH)).toBeLessThan(1e-9);
      }),
      { numRuns: 60, seed: 5 },
    );
  }, 60_000);

  it('on instances with linear agents (a = 0): same welfare, both KKT-certified', async () => {
    await fc.assert(
      fc.asyncProperty(problemArb(true), async (p) => {
        const fast = clearCommunityFast(p);
        const qp = await clearCommunityQp(p);
        expect(fast.status).toBe(qp.status);
        if (fast.status !== 'optimal') return;
        const scale = 1 + Math.abs(fast.welfareEur as number);
        expect(Math.abs((fast.welfareEur as number) - (qp.welfareEur as number)) / scale).toBeLessThan(1e-7);
        const kf = kktResiduals(p, fast);
        expect(Math.max(kf.primalKw, kf.dualEurPerKwh, kf.complementarityEurPerH)).toBeLessThan(1e-9);
      }),
      { numRuns: 40, seed: 7 },
    );
  }, 60_000);

  it('the oracle reads community prices from the duals of Eq. (3) with the right sign', async () => {
    const p = market([consumer('load', 'c1', 0.15, 0.02, 10), producer('pv', 'c1', 0.02, 0.01, 10)], ['c1'], { periodHours: 0.5 });
    const qp = await clearCommunityQp(p);
    expect(qp.communities[0].priceEurPerKwh).toBeCloseTo(0.19 / 3, 9);
  });
});
