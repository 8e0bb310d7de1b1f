import { describe, expect, it } from 'vitest';
import { clearDayAhead } from '../../../markets/community/day-ahead.js';
import { clearDayAheadQp, clearDayHourly } from '../../../markets/community/day.js';
import { clearCommunityFast } from '../../../markets/community/fast-solver.js';
import { dayAheadKktResiduals, kktResiduals } from '../../../markets/community/kkt.js';
import type { CommunityDay, DayResult } from '../../../markets/community/model.js';
import { clearCommunityQp } from '../../../markets/community/qp-oracle.js';
import { syntheticDay, syntheticProblem } from '../../../markets/community/synthetic.js';
import { battery, consumer, market, producer } from './helpers.js';

function socTrajectories(day: CommunityDay, r: DayResult): Map<string, number[]> {
  const out = new Map<string, number[]>();
  day.hours[0].agents.forEach((a) => {
    if (a.kind === 'battery') out.set(a.id, [a.soc]);
  });
  for (const h of r.hours) for (const a of h.agents) if (a.soc !== null) out.get(a.id)?.push(a.soc);
  return out;
}

function expectSocInBounds(day: CommunityDay, r: DayResult): void {
  const bounds = new Map(day.hours[0].agents.flatMap((a) => (a.kind === 'battery' ? [[a.id, [a.socMin, a.socMax]] as const] : [])));
  for (const [id, socs] of socTrajectories(day, r)) {
    const [lo, hi] = bounds.get(id) as readonly number[];
    for (const s of socs) {
      expect(s, id).toBeGreaterThanOrEqual(lo);
      expect(s, id).toBeLessThanOrEqual(hi);
    }
  }
}

const smallDay = (seed: number, hours = 24) => syntheticDay(syntheticProblem({ communities: 2, agents: 24, batteries: 4, seed }), hours);

describe('a day of the community market', () => {
  it('hourly sequential: soc never leaves its bounds over 24 hours and is carried hour to hour', async () => {
    const base = syntheticProblem({ communities: 3, agents: 60, batteries: 9, seed: 11 });
    // start some batteries on their bounds, where self-discharge and full charging push hardest
    const day = syntheticDay({ ...base, agents: base.agents.map((a, i) => (a.kind === 'battery' ? { ...a, soc: i % 2 ? a.socMin : a.socMax } : a)) });
    const r = await clearDayHourly(day);
    expect(r.status).toBe('optimal');
    expect(r.hours).toHaveLength(24);
    expectSocInBounds(day, r);
    // each hour is itself an exact market clearing for the soc it started from
    const bat = day.hours[0].agents.findIndex((a) => a.kind === 'battery');
    const socAfter3 = r.hours[3].agents[bat].soc;
    expect(r.hours[4].agents[bat].soc).not.toBeNull();
    const hour4 = { ...day.hours[4], agents: day.hours[4].agents.map((a, i) => (i === bat && a.kind === 'battery' ? { ...a, soc: socAfter3 as number } : a)) };
    expect(r.hours[4].agents[bat].soc).toBeCloseTo(clearCommunityFast(hour4).agents[bat].soc as number, 14);
  });

  it('hourly sequential gives the same welfare with the fast solver and with the QP oracle', async () => {
    const day = smallDay(3, 6);
    const fast = await clearDayHourly(day);
    const qp = await clearDayHourly(day, clearCommunityQp);
    expect(Math.abs((fast.welfareEur as number) - (qp.welfareEur as number))).toBeLessThan(1e-7);
  });

  it('day-ahead vs hourly on the same data: never worse, equal to the full QP, KKT-certified, soc in bounds', async () => {
    for (const seed of [1, 2]) {
      const day = smallDay(seed, 12);
      const hourly = await clearDayHourly(day);
      const ahead = await clearDayAhead(day);
      const oracle = await clearDayAheadQp(day);
      expect(ahead.status).toBe('optimal');
      // batteries can shift energy across hours only in the day-ahead: it can only gain
      expect(ahead.welfareEur as number).toBeGreaterThanOrEqual((hourly.welfareEur as number) - 1e-9);
      expect(Math.abs((ahead.welfareEur as number) - (oracle.welfareEur as number))).toBeLessThan(1e-6);
      expectSocInBounds(day, ahead);
      const k = dayAheadKktResiduals(day, ahead, ahead.energyValueEurPerKwh as Float64Array[]);
      expect(k.primalKw).toBeLessThan(1e-7);
      expect(k.dualEurPerKwh).toBeLessThan(1e-6);
      expect(k.complementarityEurPerH).toBeLessThan(1e-6);
    }
  });

  it('a battery moves energy from a cheap hour to a dear one only in the day-ahead', async () => {
    // hour 0: PV surplus, the price falls to the export price 0.05; hour 1: demand only, the price is
    // the import price 0.10. The battery starts empty (soc_min) and values stored energy at v = 0.04.
    // Hourly: charging at 0.05 does not pay against v·η_ch = 0.0384, so it stays empty and has
    // nothing to sell at 0.10. Day-ahead: a kWh bought at 0.05 sells an hour later for
    // η_ch·η_dis·0.10 = 0.092 > 0.05, so it charges first and discharges next.
    const bat = battery('bat', 'c1', { soc: 0.2, valueEurPerKwh: 0.04, aEurPerKwhPerKw: 0.0001 });
    const h0 = market([producer('pv', 'c1', 0, 0.001, 20, 20), consumer('load', 'c1', 0.2, 0.01, 2), bat]);
    const h1 = market([producer('pv', 'c1', 0, 0.001, 0), consumer('load', 'c1', 0.2, 0.01, 5), bat]);
    const day: CommunityDay = { hours: [h0, h1] };
    const hourly = await clearDayHourly(day);
    const ahead = await clearDayAhead(day);
    expect(ahead.welfareEur as number).toBeGreaterThan((hourly.welfareEur as number) + 1e-4);
    expect(ahead.hours[0].agents[2].sKw).toBeGreaterThan(0); // charges when cheap
    expect(ahead.hours[1].agents[2].sKw).toBeLessThan(0); // discharges when dear
    const k = dayAheadKktResiduals(day, ahead, ahead.energyValueEurPerKwh as Float64Array[]);
    expect(Math.max(k.primalKw, k.dualEurPerKwh, k.complementarityEurPerH)).toBeLessThan(1e-7);
    expect(hourly.hours[0].agents[2].sKw).toBeCloseTo(0.2 * 10.24 * 1.72e-5 / 0.96, 12); // only covers self-discharge
    expect(kktResiduals(day.hours[0], hourly.hours[0]).dualEurPerKwh).toBeLessThan(1e-12);
  });

  it('reports a day in which no battery schedule is feasible as a status', async () => {
    const stuck = battery('bat', 'c1', { soc: 0.2, rateChPerH: 0, selfDischargePerPeriod: 0.01 });
    const day: CommunityDay = { hours: [market([stuck]), market([stuck])] };
    expect((await clearDayHourly(day)).status).toBe('infeasible');
    expect((await clearDayAhead(day)).status).toBe('infeasible');
  });
});
