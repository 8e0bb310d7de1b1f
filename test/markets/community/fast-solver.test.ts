import { describe, expect, it } from 'vitest';
import { clearCommunityFast } from '../../../markets/community/fast-solver.js';
import { kktHolds, kktResiduals } from '../../../markets/community/kkt.js';
import type { CommunityResult } from '../../../markets/community/model.js';
import { syntheticProblem } from '../../../markets/community/synthetic.js';
import { parseCommunityProblem } from '../../../markets/community/problem-json.js';
import { battery, consumer, ISSUE_EXAMPLE, market, producer } from './helpers.js';

const agent = (r: CommunityResult, id: string) => {
  const a = r.agents.find((x) => x.id === id);
  if (!a) throw new Error(`no agent ${id}`);
  return a;
};
const sumIndividual = (r: CommunityResult) => r.agents.reduce((s, a) => s + a.welfareEur, 0);

describe('fast community solver: hand-solvable cases (one consumer, one producer, one grid)', () => {
  it('clears inside the community when the autarky price lies between the grid prices', () => {
    //  price                    consumer: 0.15 − 0.02·P      producer: 0.02 + 0.01·G
    //  0.10 ─ ─ ─ ─ import ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─
    //  0.063 ────────────────────────X  P = G = 13/3 kW, λ = 0.15 − 0.02·13/3 = 0.19/3
    //  0.05 ─ ─ ─ ─ export ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─ ─
    // welfare = 0.15·P − 0.01·P² − (0.02·G + 0.005·G²) = 0.65 − 0.1877̅ − 0.0866̅ − 0.0938̅ = 0.2816̅ EUR
    const r = clearCommunityFast(market([consumer('load', 'c1', 0.15, 0.02, 10), producer('pv', 'c1', 0.02, 0.01, 10)]));
    expect(r.status).toBe('optimal');
    expect(agent(r, 'load').pKw).toBeCloseTo(13 / 3, 12);
    expect(agent(r, 'pv').pKw).toBeCloseTo(-13 / 3, 12);
    expect(r.communities[0].priceEurPerKwh).toBeCloseTo(0.19 / 3, 14);
    expect(r.welfareEur).toBeCloseTo(0.65 - 0.01 * (169 / 9) - (0.02 * 13) / 3 - 0.005 * (169 / 9), 12);
    expect(r.flows).toEqual([]);
    expect(agent(r, 'load').phiKw).toBeCloseTo(-13 / 3, 12); // buys inside
    expect(agent(r, 'pv').phiKw).toBeCloseTo(13 / 3, 12); // sells inside
  });

  it('imports at the import price when local supply is dear', () => {
    // autarky would need λ = 0.22 > π_imp = 0.10, so the grid sets the price:
    //   consumer P = (0.30 − 0.10)/0.02 = 10 kW, producer G = (0.10 − 0.02)/0.05 = 1.6 kW, import 8.4 kW
    const r = clearCommunityFast(market([consumer('load', 'c1', 0.3, 0.02, 12), producer('pv', 'c1', 0.02, 0.05, 10)]));
    expect(agent(r, 'load').pKw).toBeCloseTo(10, 12);
    expect(agent(r, 'pv').pKw).toBeCloseTo(-1.6, 12);
    expect(r.communities[0].priceEurPerKwh).toBe(0.1);
    expect(r.communities[0].importKw).toBeCloseTo(8.4, 12);
    expect(r.flows).toEqual([{ from: 'grid', to: 'c1', kw: expect.closeTo(8.4, 12) }]);
    expect(agent(r, 'load').alphaKw).toBeCloseTo(8.4, 12);
  });

  it('a community whose internal supply exceeds demand exports at the export price', () => {
    // autarky would need λ = 0.012 < π_exp = 0.05, so the grid's export price holds:
    //   consumer P = (0.06 − 0.05)/0.02 = 0.5 kW, producer G = min(8, 0.05/0.005) = 8 kW, export 7.5 kW
    // welfare = 0.06·0.5 − 0.01·0.25 − 0.0025·64 + 0.05·7.5 = 0.2425 EUR
    const r = clearCommunityFast(market([consumer('load', 'c1', 0.06, 0.02, 5), producer('pv', 'c1', 0, 0.005, 8)]));
    expect(r.communities[0].priceEurPerKwh).toBe(0.05);
    expect(agent(r, 'load').pKw).toBeCloseTo(0.5, 12);
    expect(agent(r, 'pv').pKw).toBe(-8);
    expect(r.communities[0].exportKw).toBeCloseTo(7.5, 12);
    expect(r.flows).toEqual([{ from: 'c1', to: 'grid', kw: expect.closeTo(7.5, 12) }]);
    expect(agent(r, 'pv').betaKw).toBeCloseTo(7.5, 12);
    expect(r.welfareEur).toBeCloseTo(0.2425, 12);
  });

  it('a surplus community sells to a deficit one before the grid (fee 0.01)', () => {
    // c1 as in the export case, c2 as in the import case. Exporters get μ, importers pay μ + fee.
    // At μ = π_imp − fee = 0.09, c1 exports all 8 kW (its consumer stops), c2 needs 8.4 kW at 0.10:
    // 8 kW come from c1, 0.4 kW from the grid.
    const p = market(
      [consumer('l1', 'c1', 0.06, 0.02, 5), producer('pv1', 'c1', 0, 0.005, 8), consumer('l2', 'c2', 0.3, 0.02, 12), producer('pv2', 'c2', 0.02, 0.05, 10)],
      ['c1', 'c2'],
    );
    const r = clearCommunityFast(p);
    expect(r.communities.map((c) => c.priceEurPerKwh)).toEqual([expect.closeTo(0.09, 14), 0.1]);
    expect(r.flows).toEqual([
      { from: 'c1', to: 'c2', kw: expect.closeTo(8, 12) },
      { from: 'grid', to: 'c2', kw: expect.closeTo(0.4, 12) },
    ]);
    expect(kktHolds(kktResiduals(p, r), 1e-12)).toBe(true);
  });

  it('linear agents (a = 0) clear at the marginal willingness to pay, sharing the jump exactly', () => {
    // consumer values 0.08 flat up to 5 kW, producer costs 0.03 flat up to 3 kW: for λ in (0.03, 0.08)
    // demand 5 > supply 3, so λ = 0.08 and the consumer takes the 3 kW on offer (grid: 0.05/0.10 —
    // exporting at 0.05 loses to selling at 0.08, importing at 0.10 is dearer than 0.08)
    const p = market([consumer('load', 'c1', 0.08, 0, 5), producer('pv', 'c1', 0.03, 0, 3)]);
    const r = clearCommunityFast(p);
    expect(r.communities[0].priceEurPerKwh).toBe(0.08);
    expect(agent(r, 'load').pKw).toBeCloseTo(3, 14);
    expect(agent(r, 'pv').pKw).toBe(-3);
    expect(r.welfareEur).toBeCloseTo(0.15, 14);
    expect(kktHolds(kktResiduals(p, r), 1e-12)).toBe(true);
  });

  it('scales welfare with the period length and keeps prices per kWh', () => {
    const p = market([consumer('load', 'c1', 0.15, 0.02, 10), producer('pv', 'c1', 0.02, 0.01, 10)]);
    const r1 = clearCommunityFast(p);
    const r2 = clearCommunityFast({ ...p, periodHours: 0.25 });
    expect(r2.communities[0].priceEurPerKwh).toBeCloseTo(r1.communities[0].priceEurPerKwh, 14);
    expect(r2.welfareEur).toBeCloseTo((r1.welfareEur as number) * 0.25, 14);
  });
});

describe('fast community solver: batteries', () => {
  it('a battery charges when the community price is below its stored-energy value and respects its limits', () => {
    // price pinned at π_exp = 0.05 by a large surplus; v·η_ch = 0.075·0.96 = 0.072 > 0.05, so the
    // battery charges: S = (0.072 − 0.05)/a capped at min(power, rate_ch·cap, soc room) = 2.56 kW
    const p = market([producer('pv', 'c1', 0, 0.001, 50, 50), battery('bat', 'c1')]);
    const r = clearCommunityFast(p);
    const b = agent(r, 'bat');
    expect(r.communities[0].priceEurPerKwh).toBe(0.05);
    expect(b.sKw).toBeCloseTo(2.56, 12);
    expect(b.pKw).toBe(0);
    // seed 000, Eq. (9): soc' = soc·(1 − λ_sd) + η_ch·S·h/cap
    expect(b.soc).toBeCloseTo(0.5 * (1 - 1.72e-5) + (0.96 * 2.56) / 10.24, 14);
    expect(kktHolds(kktResiduals(p, r), 1e-12)).toBe(true);
  });

  it('the issue example: the battery takes the local surplus and sets the price; no grid trade (regression: no 1e-15 kW flows)', () => {
    // load53 wants (0.15 − λ)/0.02 > 3.2 kW, so it takes p_max = 3.2; pv53 offers (λ − 0.02)/0.01 > 4,
    // so p_max = 4; the battery absorbs the 0.8 kW surplus: S = (v·η_ch − λ)/a = (0.072 − λ)/0.001 = 0.8
    // → λ = 0.0712 EUR/kWh, inside [0.05, 0.10]: the community is autarkic.
    const r = clearCommunityFast(parseCommunityProblem(ISSUE_EXAMPLE));
    expect(r.communities[0].priceEurPerKwh).toBeCloseTo(0.0712, 14);
    expect(agent(r, 'bat1').sKw).toBeCloseTo(0.8, 12);
    expect(r.flows).toEqual([]);
    expect(r.communities[0]).toMatchObject({ importKw: 0, exportKw: 0 });
    expect(agent(r, 'pv53').betaKw).toBe(0);
  });

  it('a battery at soc_min with self-discharge must charge a little, and cannot discharge', () => {
    const p = market([consumer('load', 'c1', 0.3, 0.01, 10), battery('bat', 'c1', { soc: 0.2, valueEurPerKwh: 0 })]);
    const r = clearCommunityFast(p);
    const b = agent(r, 'bat');
    expect(b.sKw).toBeGreaterThan(0);
    expect(b.soc).toBe(0.2);
  });

  it('reports an infeasible battery as a status with a reason, never NaN', () => {
    // at soc_min, losing energy to self-discharge, and unable to charge (rate_ch = 0)
    const r = clearCommunityFast(market([battery('bat', 'c1', { soc: 0.2, rateChPerH: 0, selfDischargePerPeriod: 0.01 })]));
    expect(r.status).toBe('infeasible');
    expect(r.welfareEur).toBeNull();
    expect(r.reason).toMatch(/bat/);
    expect(r.agents).toEqual([]);
    expect(JSON.stringify(r)).not.toMatch(/NaN/);
  });
});

describe('fast community solver: KKT on random instances', () => {
  it('KKT residuals vanish, individual welfare adds up to the total, output is deterministic', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const p = syntheticProblem({
        communities: 1 + (seed % 6),
        agents: 10 + ((seed * 7) % 60),
        batteries: seed % 5,
        seed,
        linearShare: seed % 3 === 0 ? 0.3 : 0,
        feeEurPerKwh: [0, 0.005, 0.01, 0.06][seed % 4],
      });
      const r = clearCommunityFast(p);
      const k = kktResiduals(p, r);
      expect(k.primalKw, `seed ${seed}`).toBeLessThan(1e-9);
      expect(k.dualEurPerKwh, `seed ${seed}`).toBeLessThan(1e-12);
      expect(k.complementarityEurPerH, `seed ${seed}`).toBeLessThan(1e-9);
      expect(sumIndividual(r)).toBeCloseTo(r.welfareEur as number, 9);
      expect(JSON.stringify(clearCommunityFast(p))).toBe(JSON.stringify(r));
    }
  });
});
