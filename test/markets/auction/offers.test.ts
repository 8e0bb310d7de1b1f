/**
 * Offer construction of seed 004, Eqs. (5)–(6), reproducing the curves of its Figure 2: demand with
 * p_N,d = 0.100 EUR/kWh at q_N,d = 1 kW for several elasticity factors k (the curves differ only in
 * slope), supply with q_MAX,s = 3 kW for the "high" and "low" nominal prices of Table 1.
 */
import { describe, expect, it } from 'vitest';
import { demandBlocks, demandCurvePrice, demandMaxKw, supplyBlocks, supplyCurvePrice } from '../../../markets/auction/offers.js';
import { MarketError } from '../../../markets/errors.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('seed 004 Figure 2: supply curves (Eq. 5), q_MAX = 3 kW', () => {
  for (const pN of [0.075, 0.025]) {
    it(`p_N = ${pN}: six 0.5 kW blocks rising linearly to p_N at q_MAX`, () => {
      const b = supplyBlocks({ agent: 'pv4', maxKw: 3, nominalPriceEurPerKwh: pN });
      expect(b.map((o) => o.kw)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
      // price at each block's upper edge: p_N · q / q_MAX
      b.forEach((o, i) => expect(o.priceEurPerKwh).toBeCloseTo((pN * 0.5 * (i + 1)) / 3, 15));
      expect(b[5].priceEurPerKwh).toBeCloseTo(pN, 15);
      expect(b.map((o) => o.id)).toEqual(['pv4-s1', 'pv4-s2', 'pv4-s3', 'pv4-s4', 'pv4-s5', 'pv4-s6']);
      expect(supplyCurvePrice(0, 3, pN)).toBe(0);
    });
  }
  it('a q_MAX off the 0.5 kW grid ends in a remainder block; no output gives no blocks', () => {
    const b = supplyBlocks({ agent: 'pv', maxKw: 1.2, nominalPriceEurPerKwh: 0.075 });
    expect(b.map((o) => o.kw)).toEqual([0.5, 0.5, expect.closeTo(0.2, 12)]);
    expect(b[2].priceEurPerKwh).toBeCloseTo(0.075, 15);
    expect(sum(b.map((o) => o.kw))).toBeCloseTo(1.2, 12); // seed 004, Eq. (3): never past q_MAX
    expect(supplyBlocks({ agent: 'pv', maxKw: 0, nominalPriceEurPerKwh: 0.075 })).toEqual([]);
  });
});

describe('seed 004 Figure 2: demand curves (Eq. 6), p_N = 0.100 EUR/kWh at q_N = 1 kW', () => {
  for (const k of [0, 1, 3, 5]) {
    it(`k = ${k}: a line through (q_N, p_N) down to zero at q_MAX = q_N + (1+k)/2, in 0.5 kW steps`, () => {
      const qMax = demandMaxKw(1, k);
      expect(qMax).toBeCloseTo(1 + (1 + k) / 2, 15);
      expect(demandCurvePrice(1, 1, 0.1, k)).toBeCloseTo(0.1, 15); // passes through the nominal point
      expect(demandCurvePrice(qMax, 1, 0.1, k)).toBeCloseTo(0, 15);
      // the slope is −2·p_N/(1+k): flatter for larger k (the only difference between the curves)
      expect(demandCurvePrice(0.5, 1, 0.1, k) - demandCurvePrice(1, 1, 0.1, k)).toBeCloseTo((0.5 * 2 * 0.1) / (1 + k), 15);
      const b = demandBlocks({ agent: 'load1', nominalKw: 1, nominalPriceEurPerKwh: 0.1, elasticityK: k });
      // 2 blocks up to q_N, then k + 1 more: k priced blocks beyond the nominal plus the zero-priced last
      expect(b).toHaveLength(2 + k + 1);
      expect(b.every((o) => o.kw === 0.5)).toBe(true);
      expect(b[1].priceEurPerKwh).toBeCloseTo(0.1, 15); // the block ending at q_N bids p_N
      b.forEach((o, i) => expect(o.priceEurPerKwh).toBeCloseTo(demandCurvePrice(0.5 * (i + 1), 1, 0.1, k), 15));
      for (let i = 1; i < b.length; i++) expect(b[i].priceEurPerKwh).toBeLessThan(b[i - 1].priceEurPerKwh);
      expect(sum(b.map((o) => o.kw))).toBeCloseTo(qMax, 12); // seed 004, Eq. (4)
    });
  }
  it('rejects a negative elasticity factor naming the agent', () => {
    expect(() => demandBlocks({ agent: 'load7', nominalKw: 1, nominalPriceEurPerKwh: 0.1, elasticityK: -2 })).toThrow(MarketError);
    expect(() => demandBlocks({ agent: 'load7', nominalKw: 1, nominalPriceEurPerKwh: 0.1, elasticityK: -2 })).toThrow(/load7/);
  });
});

describe('quantity tick', () => {
  it('cuts curves on whole watts so the clearing can use its exact imbalance DP', () => {
    const b = demandBlocks({ agent: 'load3', nominalKw: 0.73248, nominalPriceEurPerKwh: 0.1, elasticityK: 1 });
    for (const o of b) expect(Math.abs(o.kw * 1000 - Math.round(o.kw * 1000))).toBeLessThan(1e-6);
    expect(sum(b.map((o) => o.kw))).toBeCloseTo(1.732, 9);
    expect(b[b.length - 1].priceEurPerKwh).toBeGreaterThanOrEqual(0);
    const s = supplyBlocks({ agent: 'pv', maxKw: 2.71828, nominalPriceEurPerKwh: 0.075 });
    expect(sum(s.map((o) => o.kw))).toBeCloseTo(2.718, 9);
    expect(s[s.length - 1].priceEurPerKwh).toBeCloseTo(0.075, 15);
  });
});
