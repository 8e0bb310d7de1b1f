/**
 * Random days of the multi-community market for property tests (fast-check): loads with an
 * evening peak (inelastic or elastic), PV with a solar bell, batteries of two or three types per
 * community so that banks of identical batteries form, both terminal rules, fees 0 and 0.01.
 */
import fc from 'fast-check';
import { standardBatteryUnits } from '../../../markets/community/battery.js';
import type { CommunityAgent, CommunityDay } from '../../../markets/community/model.js';

export const num = (min: number, max: number) => fc.integer({ min: Math.round(min * 1e4), max: Math.round(max * 1e4) }).map((k) => k / 1e4);

interface BatteryType {
  readonly community: number;
  readonly units: number;
  readonly soc: number;
  readonly a: number;
  readonly value: number;
  readonly selfDischarge: number;
}

const batteryType = (nc: number) =>
  fc.record({
    community: fc.integer({ min: 1, max: nc }),
    units: fc.constantFrom(1, 3),
    soc: fc.constantFrom(0.2, 0.35, 0.5, 0.8),
    a: fc.oneof(fc.constant(0), num(0.0005, 0.01)),
    value: fc.oneof(fc.constant(0), num(0.04, 0.09)),
    selfDischarge: fc.constantFrom(0, 1.72e-5),
  });


/** A day of `T` hours: loads with an evening peak, PV with a solar bell, batteries of a few types. */
export const dayArb: fc.Arbitrary<CommunityDay> = fc.integer({ min: 1, max: 3 }).chain((nc) =>
  fc
    .record({
      T: fc.integer({ min: 2, max: 8 }),
      types: fc.array(batteryType(nc), { minLength: 1, maxLength: 3 }),
      batteries: fc.array(fc.nat(2), { minLength: 2, maxLength: 7 }),
      loads: fc.array(fc.record({ community: fc.integer({ min: 1, max: nc }), kw: num(0.2, 6), inelastic: fc.boolean(), a: num(0.002, 0.05), b: num(0.04, 0.2) }), { minLength: 1, maxLength: 6 }),
      pv: fc.array(fc.record({ community: fc.integer({ min: 1, max: nc }), kw: num(0.5, 8), a: num(0, 0.03), b: num(0, 0.06) }), { minLength: 1, maxLength: 5 }),
      terminal: fc.constantFrom('free', 'initial'),
      fee: fc.constantFrom(0, 0.01),
    })
    .map(({ T, types, batteries, loads, pv, terminal, fee }) => {
      const communities = Array.from({ length: nc }, (_, k) => ({ id: `c${k + 1}` }));
      const hours = Array.from({ length: T }, (_, t) => {
        const sun = Math.max(0, Math.sin((Math.PI * (t + 0.5)) / T));
        const peak = 0.6 + 0.8 * Math.exp(-((t - 0.8 * T) ** 2) / 2);
        const agents: CommunityAgent[] = [];
        loads.forEach((l, k) => {
          const kw = l.kw * peak;
          agents.push(l.inelastic
            ? { kind: 'consumer', id: `load${k}`, community: `c${l.community}`, pMinKw: kw, pMaxKw: kw, aEurPerKwhPerKw: 0, bEurPerKwh: 0.1 }
            : { kind: 'consumer', id: `load${k}`, community: `c${l.community}`, pMinKw: 0, pMaxKw: kw, aEurPerKwhPerKw: l.a, bEurPerKwh: l.b });
        });
        pv.forEach((g, k) => agents.push({ kind: 'producer', id: `pv${k}`, community: `c${g.community}`, pMinKw: 0, pMaxKw: g.kw * sun, aEurPerKwhPerKw: g.a, bEurPerKwh: g.b }));
        batteries.forEach((pick, k) => {
          const ty = types[pick % types.length];
          const closed = terminal === 'initial';
          agents.push({
            kind: 'battery', id: `bat${k}`, community: `c${ty.community}`, ...standardBatteryUnits(ty.units), soc: ty.soc, selfDischargePerPeriod: ty.selfDischarge,
            aEurPerKwhPerKw: ty.a, valueEurPerKwh: closed ? 0 : ty.value, ...(closed && t === T - 1 ? { terminalSocMin: ty.soc } : {}),
          });
        });
        return { periodHours: 1, grid: { importPriceEurPerKwh: 0.1, exportPriceEurPerKwh: 0.05 }, interCommunityFeeEurPerKwh: fee, communities, agents };
      });
      return { hours };
    }),
);

