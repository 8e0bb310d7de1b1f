/**
 * The day-ahead market with banks of identical batteries pooled before the QP (`poolBatteries`),
 * the change that took paper 000's CS2 day (115 Standard Battery Units in 5 communities) from
 * ~420 s to ~2 s. Pooling is exact by symmetry (see `PooledDay`); these tests check it against the
 * independent oracle, the full QP over every battery (`clearDayAheadQp`, never pooled):
 *   - random days (fast-check, bounded count) with batteries drawn from two or three types per
 *     community, so that banks form, some with several members, with both terminal rules;
 *   - welfare equal to the oracle's to 1e-6 relative, the KKT certificate of the original (unpooled)
 *     day within the market operator's tolerance (DAY_AHEAD_KKT_TOL = 1e-6), every member of a
 *     bank with the same schedule, and the unpooled path agreeing too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clearDayAhead, poolBatteries } from '../../../markets/community/day-ahead.js';
import { clearDayAheadQp } from '../../../markets/community/day.js';
import { dayAheadKktResiduals, kktHolds } from '../../../markets/community/kkt.js';
import type { BatteryAgent, CommunityAgent, CommunityDay } from '../../../markets/community/model.js';
import { standardBatteryUnits } from '../../../markets/community/battery.js';
import { dayArb } from './random-day.js';
import { SolverError } from '../../../src/errors.js';

const TOL = 1e-6;

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

describe('day-ahead with pooled batteries = the full QP over every battery (seed 000, Eqs. 9–13)', () => {
  it('random days: welfare to 1e-6 relative, KKT-certified on the original day, banks move together', async () => {
    let pooledSome = 0;
    let oracleFailed = 0;
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(dayArb, async (day) => {
        const pooled = poolBatteries(day);
        if (pooled.day.hours[0].agents.length < day.hours[0].agents.length) pooledSome++;
        // HiGHS's QP fails (error −1) on some days, on the full model (the oracle) as on the reduced
        // one (see `solveDayAheadScheduleWith`). Pooling must never be what fails: where the day-ahead
        // path fails, the oracle must fail too; such days are counted and must stay a minority
        const highsError = (err: Error) => {
          if (!(err instanceof SolverError) || err.status !== 'error') throw err;
          return undefined;
        };
        const fastOrNot = await clearDayAhead(day).catch(highsError);
        // the oracle also reported a bounded day 'Unbounded' once (seed 10): a HiGHS failure too
        const qp = await clearDayAheadQp(day).catch((err: Error) => {
          if (!(err instanceof SolverError) || /infeasible/i.test(err.status)) throw err;
          return undefined;
        });
        if (!fastOrNot) {
          expect(qp, 'the day-ahead path failed where the full QP solves').toBeUndefined();
          oracleFailed++;
          return;
        }
        const fast = fastOrNot;
        if (!qp) oracleFailed++;
        if (qp) expect(fast.status).toBe(qp.status);
        if (fast.status !== 'optimal') return;
        if (qp) expect(relDiff(fast.welfareEur!, qp.welfareEur!), `${fast.welfareEur} vs ${qp.welfareEur}`).toBeLessThan(TOL);
        const k = dayAheadKktResiduals(day, fast, fast.energyValueEurPerKwh!);
        expect(kktHolds(k, TOL), JSON.stringify(k)).toBe(true);
        // every member of a bank charges and discharges alike, hour by hour
        for (const g of pooled.members) {
          for (const r of fast.hours) for (const i of g) expect(r.agents[i].sKw).toBeCloseTo(r.agents[g[0]].sKw, 9);
        }
        // the path before pooling, where HiGHS solves it (pooling also fails less: a smaller QP)
        const unpooled = await clearDayAhead(day, { poolBatteries: false }).catch(highsError);
        if (unpooled) expect(relDiff(unpooled.welfareEur!, fast.welfareEur!)).toBeLessThan(TOL);
        compared++;
      }),
      { numRuns: 30, seed: 10 },
    );
    // the property must have exercised pooling, not only days of distinct batteries
    expect(pooledSome).toBeGreaterThan(15);
    // and most days must have been compared with the oracle, not only certified or skipped
    expect(oracleFailed).toBeLessThan(compared / 2);
  }, 120_000);

  /*
   * Hand-solvable: one community, an inelastic 1 kW load in hour 1 only and no PV; two identical
   * empty-ish batteries (soc 0.5 of 10.24 kWh, no losses, no wear, v = 0.06 free at the end).
   * Hour 0: nothing to serve. Hour 1: 1 kW of load at the import price 0.10 > v/η_dis, so the
   * batteries discharge 1 kW between them, 0.5 kW each (the pooled bank's equal split), and the
   * rest of their energy is kept at v.
   */
  it('two identical batteries share the load equally and match the oracle', async () => {
    const bat = (id: string): BatteryAgent => ({ kind: 'battery', id, community: 'c1', ...standardBatteryUnits(1), etaCh: 1, etaDis: 1, selfDischargePerPeriod: 0, aEurPerKwhPerKw: 0, valueEurPerKwh: 0.06 });
    const hour = (loadKw: number) => ({
      periodHours: 1, grid: { importPriceEurPerKwh: 0.1, exportPriceEurPerKwh: 0.05 }, interCommunityFeeEurPerKwh: 0, communities: [{ id: 'c1' }],
      agents: [{ kind: 'consumer', id: 'load', community: 'c1', pMinKw: loadKw, pMaxKw: loadKw, aEurPerKwhPerKw: 0, bEurPerKwh: 0.1 } as CommunityAgent, bat('b1'), bat('b2')],
    });
    const day: CommunityDay = { hours: [hour(0), hour(1)] };
    expect(poolBatteries(day).day.hours[0].agents.length).toBe(2);
    const fast = await clearDayAhead(day);
    const qp = await clearDayAheadQp(day);
    expect(fast.hours[1].agents[1].sKw).toBeCloseTo(-0.5, 9);
    expect(fast.hours[1].agents[2].sKw).toBeCloseTo(-0.5, 9);
    expect(fast.hours[0].agents[1].sKw).toBeCloseTo(0, 9);
    // 1 kWh served from storage: the load's 0.10 minus the 0.06 the stored kWh was worth
    expect(fast.welfareEur!).toBeCloseTo(0.04, 9);
    expect(relDiff(fast.welfareEur!, qp.welfareEur!)).toBeLessThan(1e-9);
    expect(kktHolds(dayAheadKktResiduals(day, fast, fast.energyValueEurPerKwh!), 1e-9)).toBe(true);
  });

  /*
   * The known HiGHS failure, smallest case found: three hours, one Standard Battery Unit at soc_min
   * with its self-discharge (1.72e-5 per hour), a small elastic load and a free PV plant. HiGHS's
   * QP fails with error −1 on the full model (the oracle) and on the reduced one; without the
   * energy ceilings it solves, and the solution stays below them, so the retry of
   * `solveDayAheadScheduleWith` is the optimum, proven by the certificate. Hand check: PV (cost 0)
   * covers the load (0.04 EUR/kWh at most) and the battery's self-discharge; the rest is exported
   * at 0.05, a kink the battery cannot use with v = 0.
   */
  it('HiGHS error −1 with a battery at soc_min and self-discharge: solved without ceilings, certified', async () => {
    const bat = (): BatteryAgent => ({ kind: 'battery', id: 'b', community: 'c1', ...standardBatteryUnits(1), soc: 0.2, aEurPerKwhPerKw: 0.0005, valueEurPerKwh: 0 });
    const hour = (loadKw: number, pvKw: number) => ({
      periodHours: 1, grid: { importPriceEurPerKwh: 0.1, exportPriceEurPerKwh: 0.05 }, interCommunityFeeEurPerKwh: 0, communities: [{ id: 'c1' }],
      agents: [
        { kind: 'consumer', id: 'load', community: 'c1', pMinKw: 0, pMaxKw: loadKw, aEurPerKwhPerKw: 0.002, bEurPerKwh: 0.04 } as CommunityAgent,
        { kind: 'producer', id: 'pv', community: 'c1', pMinKw: 0, pMaxKw: pvKw, aEurPerKwhPerKw: 0, bEurPerKwh: 0 } as CommunityAgent,
        bat(),
      ],
    });
    const day: CommunityDay = { hours: [hour(0.129, 0.25), hour(0.18, 0.5), hour(0.2677, 0.25)] };
    await expect(clearDayAheadQp(day)).rejects.toThrow(/HiGHS error -1/);
    const fast = await clearDayAhead(day);
    expect(fast.status).toBe('optimal');
    expect(kktHolds(dayAheadKktResiduals(day, fast, fast.energyValueEurPerKwh!), 1e-9)).toBe(true);
    for (const r of fast.hours) expect(r.agents[2].soc!).toBeGreaterThanOrEqual(0.2 - 1e-12);
  });
});
