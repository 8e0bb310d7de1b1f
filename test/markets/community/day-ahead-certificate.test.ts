/**
 * Issue 10, defect 2: the day-ahead community market as the simulation uses it (inelastic demand,
 * PV, a Standard Battery Unit), certified by its KKT residuals, with both terminal rules:
 *   - `free` (value v = 0.075 EUR/kWh on what is left): the battery may end anywhere;
 *   - `initial` (v = 0, `terminalSocMin` = starting soc): it must end the day at least where it began.
 * The day has hours balanced without the grid (the battery covers the evening demand exactly
 * where PV has faded), where any price in a range clears the hour alone and only the battery's
 * stored-energy value ν picks one: the fast solver's re-clearing with the battery pinned took the
 * range's midpoint and its certificate failed by up to the grid price spread. Both solvers must
 * now agree in welfare and pass the certificate to 1e-9.
 */
import { describe, expect, it } from 'vitest';
import { clearDayAhead } from '../../../markets/community/day-ahead.js';
import { clearDayAheadQp } from '../../../markets/community/day.js';
import { dayAheadKktResiduals, kktHolds } from '../../../markets/community/kkt.js';
import type { CommunityAgent, CommunityDay } from '../../../markets/community/model.js';

function day(terminal: 'free' | 'initial'): CommunityDay {
  const closed = terminal === 'initial';
  const hours = Array.from({ length: 24 }, (_, t) => {
    const pv = t >= 7 && t <= 17 ? 6 * Math.sin((Math.PI * (t - 6)) / 12) : 0;
    const agents: CommunityAgent[] = [
      { id: 'load', community: 'c1', kind: 'consumer', pMinKw: 2, pMaxKw: 2, aEurPerKwhPerKw: 0, bEurPerKwh: 0.1 },
      { id: 'pv', community: 'c1', kind: 'producer', pMinKw: 0, pMaxKw: pv, aEurPerKwhPerKw: 0.01, bEurPerKwh: 0.02 },
      {
        id: 'bat', community: 'c1', kind: 'battery', capacityKwh: 10.24, powerKw: 2.56, soc: 0.5, socMin: 0.2, socMax: 0.8, etaCh: 0.96, etaDis: 0.96,
        rateChPerH: 0.25, rateDisPerH: 0.9375, selfDischargePerPeriod: 1.72e-5, aEurPerKwhPerKw: 0.001, valueEurPerKwh: closed ? 0 : 0.075,
        ...(closed && t === 23 ? { terminalSocMin: 0.5 } : {}),
      },
    ];
    return { periodHours: 1, grid: { importPriceEurPerKwh: 0.1, exportPriceEurPerKwh: 0.05 }, interCommunityFeeEurPerKwh: 0.01, communities: [{ id: 'c1' }], agents };
  });
  return { hours };
}

describe('day-ahead certificate with a battery inside the day (seed 000, Eqs. 9–13)', () => {
  for (const terminal of ['free', 'initial'] as const) {
    it(`terminal soc ${terminal}: fast = QP in welfare, both KKT-certified`, async () => {
      const d = day(terminal);
      const fast = await clearDayAhead(d);
      const qp = await clearDayAheadQp(d);
      expect(fast.status).toBe('optimal');
      expect(qp.status).toBe('optimal');
      expect(Math.abs(fast.welfareEur! - qp.welfareEur!)).toBeLessThan(1e-7);
      for (const r of [fast, qp]) {
        const k = dayAheadKktResiduals(d, r, r.energyValueEurPerKwh!);
        expect(kktHolds(k, 1e-9), JSON.stringify(k)).toBe(true);
      }
      const endSoc = fast.hours[23].agents[2].soc!;
      if (terminal === 'initial') expect(endSoc).toBeGreaterThanOrEqual(0.5 - 1e-9);
      // free: the leftover is worth less (0.075) than the evening import it displaces (0.10), so it empties
      else expect(endSoc).toBeCloseTo(0.2, 6);
      // free: an hour balanced without the grid, where the battery meets the evening demand exactly
      if (terminal === 'free') expect(fast.hours.some((h) => h.flows.length === 0)).toBe(true);
    });
  }

  it('the certificate catches a price that does not match the battery value (the old midpoint)', async () => {
    const d = day('free');
    const fast = await clearDayAhead(d);
    const t = fast.hours.findIndex((h) => h.flows.length === 0);
    const hours = fast.hours.map((h, k) => (k === t ? { ...h, communities: h.communities.map((c) => ({ ...c, priceEurPerKwh: 0.075 })) } : h));
    const k = dayAheadKktResiduals(d, { ...fast, hours }, fast.energyValueEurPerKwh!);
    expect(k.dualEurPerKwh).toBeGreaterThan(1e-3);
  });
});
