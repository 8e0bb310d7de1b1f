/** Battery physics: limits and state of charge over a day never leave their bounds. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advanceSoc, batteryLimits, scaleUnits } from '../../agents/battery.js';
import { nextUnits } from '../../agents/dso-planner.js';

const SBU = { capacityKwh: 10.24, powerKw: 2.56, socMin: 0.2, socMax: 0.8, etaCh: 0.96, etaDis: 0.96, rateChPerH: 0.25, rateDisPerH: 0.9375, selfDischargePerH: 1.72e-5, aEurPerKwhPerKw: 0.001 };

describe('battery physics', () => {
  it('charging at the limit for an hour: ΔE = η·P·h − λ·soc·C (hand-computed)', () => {
    // from soc 0.5: limit = min(2.56, 0.25·10.24 = 2.56, room 3.072 kWh / 0.96) = 2.56 kW
    const lim = batteryLimits(SBU, 0.5, 1);
    expect(lim.chargeKw).toBeCloseTo(2.56, 12);
    const next = advanceSoc(SBU, 0.5, lim.chargeKw, 1);
    // ΔE = 0.96·2.56 − 1.72e-5·0.5·10.24 = 2.4576 − 0.000088064 kWh
    expect(next.soc).toBeCloseTo(0.5 + (2.4576 - 0.000088064) / 10.24, 12);
    expect(next.curtailedKwh).toBe(0);
  });
  it('soc never leaves [soc_min, soc_max] over 24 random hours within its limits (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 24, maxLength: 24 }), fc.integer({ min: 1, max: 5 }), (u, units) => {
        const p = scaleUnits(SBU, units);
        let soc = 0.5;
        for (const x of u) {
          const lim = batteryLimits(p, soc, 1);
          const pKw = x >= 0 ? x * lim.chargeKw : x * lim.dischargeKw;
          const next = advanceSoc(p, soc, pKw, 1);
          expect(next.soc).toBeGreaterThanOrEqual(p.socMin - 1e-12);
          expect(next.soc).toBeLessThanOrEqual(p.socMax + 1e-12);
          // within its limits the physics never has to curtail beyond self-discharge at the floor
          expect(next.curtailedKwh).toBeLessThan(1e-3);
          soc = next.soc;
        }
      }),
    );
  });
  it('the DSO planner grows units 1 → 3 → 5 and stays at 5', () => {
    expect([undefined, 1, 3, 5].map((u) => nextUnits([1, 3, 5], u))).toEqual([1, 3, 5, 5]);
  });
});
