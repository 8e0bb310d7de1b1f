/**
 * Generator, with OpenDSS's semantics (Generator.pas): a dispatchable negative load. Model 1
 * (constant P and Q between Vminpu and Vmaxpu, a constant impedance at the power it would give at
 * Vminpu/Vmaxpu outside them) and model 3 (constant P and |V|: the reactive power is adjusted until
 * the average terminal voltage magnitude equals Vpu·kV, within minkvar…maxkvar, and the
 * constant-impedance fallback is not used). kW with PF keeps kvar = kW·√(1/PF²−1) (sign of PF) and
 * maxkvar = 2·|kvar|, minkvar = −maxkvar, as OpenDSS's SyncUpPowerQuantities; kvar written sets PF.
 * Model 2 is a constant admittance at the present power (DoConstantZGen); models 4 and 5 hold the
 * present P with the base kvar fixed, as a constant Q (4, DoFixedQGen) or as a constant reactance
 * at base voltage (5, DoFixedQZGen), and both turn into a conductance at the Vminpu/Vmaxpu power
 * plus that base reactance outside Vminpu…Vmaxpu; model 7 is constant PQ whose current is capped
 * at |S|/(Vminpu·VBase) below Vminpu, with no constant-impedance fallback (DoCurrentLimitedPQ,
 * "a simple inverter"). Daily/yearly/duty shapes multiply kW and kvar by the shape's P and Q
 * multipliers in those modes; status=fixed ignores them. Model 6 (a user-written DLL that OpenDSS
 * loads through UserModel) and dispatch by load level or price are refused.
 */
import { DssError } from '../../errors.js';
import type { DssClass } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { type BusRef, type ElementBase, elementDefaults, enabledProperty, num, parseBusRef, text } from './common.js';
import { type Connection, parseConn, pceVBase, refuseYes, shapeRef } from './power-conversion.js';

/** Generator voltage models lemsim computes (OpenDSS numbers; 6 is a user-written DLL). */
export type GeneratorModel = 1 | 2 | 3 | 4 | 5 | 7;

export interface GeneratorState extends ElementBase {
  phases: number;
  bus1: BusRef;
  kV: number;
  kW: number;
  kvar: number;
  pf: number;
  model: GeneratorModel;
  vminpu: number;
  vmaxpu: number;
  yearly: string | undefined;
  daily: string | undefined;
  duty: string | undefined;
  dutyStartH: number;
  conn: Connection;
  fixed: boolean;
  vpu: number;
  kvarMax: number;
  kvarMin: number;
  /** OpenDSS's VBase (V), set when kV or conn is written */
  vBase: number;
}

/** kW/PF → kvar and kvar limits (Generator.pas SyncUpPowerQuantities). */
function syncPower(s: GeneratorState): void {
  if (s.pf === 0) return;
  let q = s.kW * Math.sqrt(1 / (s.pf * s.pf) - 1);
  s.kvarMax = 2 * q;
  s.kvarMin = -s.kvarMax;
  if (s.pf < 0) q = -q;
  s.kvar = q;
}

export const generatorClass: DssClass<GeneratorState> = {
  name: 'generator',
  create: (name) => ({
    ...elementDefaults(name),
    kW: 1000,
    kvar: 60,
    pf: 0.88,
    model: 1,
    vminpu: 0.9,
    vmaxpu: 1.1,
    yearly: undefined,
    daily: undefined,
    duty: undefined,
    dutyStartH: 0,
    conn: 'wye',
    fixed: false,
    vpu: 1,
    kvarMax: 120,
    kvarMin: -120,
    vBase: 7200,
  }),
  properties: [
    num('phases', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1) throw new DssError(ctx.loc, `phases: expected a whole number ≥ 1, got ${v}`);
      s.phases = v;
    }),
    text('bus1', (s, v, ctx) => void (s.bus1 = parseBusRef(v, ctx))),
    num('kv', (s, v) => {
      s.kV = v;
      s.vBase = pceVBase(v, s.phases);
    }),
    num('kW', (s, v) => {
      s.kW = v;
      syncPower(s);
    }),
    num('pf', (s, v, ctx) => {
      if (Math.abs(v) > 1) throw new DssError(ctx.loc, `pf: expected a power factor in [-1, 1], got ${v}`);
      s.pf = v;
      syncPower(s);
    }),
    num('kvar', (s, v) => {
      s.kvar = v;
      const kva = Math.hypot(s.kW, v);
      s.pf = kva !== 0 ? s.kW / kva : 1;
      if (s.kW * v < 0) s.pf = -s.pf;
      s.kvarMax = 2 * v;
      s.kvarMin = -s.kvarMax;
    }),
    num('model', (s, v, ctx) => {
      if (v === 6) {
        throw new DssError(ctx.loc, 'model: generator model 6 is a user-written model (a DLL OpenDSS loads through UserModel); lemsim cannot run it');
      }
      if (v !== 1 && v !== 2 && v !== 3 && v !== 4 && v !== 5 && v !== 7) {
        throw new DssError(ctx.loc, `model: expected a generator model 1–7 (1 constant PQ, 2 constant Z, 3 constant P and |V|, 4 constant P and fixed Q, 5 constant P and fixed reactance, 7 current-limited PQ), got ${v}`);
      }
      s.model = v;
    }),
    num('Vminpu', (s, v) => void (s.vminpu = v)),
    num('Vmaxpu', (s, v) => void (s.vmaxpu = v)),
    text('yearly', (s, v) => void (s.yearly = shapeRef(v))),
    text('daily', (s, v) => void (s.daily = shapeRef(v))),
    text('duty', (s, v) => void (s.duty = shapeRef(v))),
    text('dispmode', (_s, v, ctx) => {
      if (!v.trim().toLowerCase().startsWith('def')) {
        throw new DssError(ctx.loc, `dispmode: generator dispatch mode '${v}' is not supported (supported: default, following the shapes)`);
      }
    }),
    num('dispvalue', (_s, v, ctx) => {
      if (v !== 0) throw new DssError(ctx.loc, `dispvalue: dispatch thresholds are not supported (got ${v}; 0 follows the shapes)`);
    }),
    text('conn', (s, v, ctx) => {
      s.conn = parseConn(v, ctx);
      s.vBase = pceVBase(s.kV, s.phases);
    }),
    text('status', (s, v, ctx) => {
      const t = v.trim().toLowerCase();
      if (t.startsWith('v')) s.fixed = false;
      else if (t.startsWith('f')) s.fixed = true;
      else throw new DssError(ctx.loc, `status: expected variable or fixed, got '${v}'`);
    }),
    ignoredProperty('class'),
    num('Vpu', (s, v) => void (s.vpu = v)),
    num('maxkvar', (s, v) => void (s.kvarMax = v)),
    num('minkvar', (s, v) => void (s.kvarMin = v)),
    // PVFactor only paces OpenDSS's model-3 iteration; forceon only matters with dispatch thresholds
    ignoredProperty('pvfactor'),
    ignoredProperty('forceon'),
    ignoredProperty('kVA'),
    ignoredProperty('MVA'),
    ignoredProperty('Xd'),
    ignoredProperty('Xdp'),
    ignoredProperty('Xdpp'),
    ignoredProperty('H'),
    ignoredProperty('D'),
    text('UserModel', (_s, v, ctx) => {
      if (v.trim() !== '') throw new DssError(ctx.loc, 'UserModel: user-written generator models are not supported');
    }),
    ignoredProperty('UserData'),
    ignoredProperty('ShaftModel'),
    ignoredProperty('ShaftData'),
    num('DutyStart', (s, v) => void (s.dutyStartH = v)),
    ignoredProperty('debugtrace'),
    refuseYes('Balanced', 'forcing balanced currents is not supported'),
    ignoredProperty('XRdp'),
    refuseYes('UseFuel', 'fuel-limited generators are not supported'),
    ignoredProperty('FuelkWh'),
    ignoredProperty('%Fuel'),
    ignoredProperty('%Reserve'),
    ignoredProperty('Refuel'),
    ignoredProperty('DynamicEq'),
    ignoredProperty('DynOut'),
    ignoredProperty('spectrum'),
    ignoredProperty('basefreq'),
    enabledProperty(),
  ],
};

