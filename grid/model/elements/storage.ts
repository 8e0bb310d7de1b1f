/**
 * Storage, with OpenDSS's semantics (Storage.pas): a battery behind an inverter, in one of three
 * states. Discharging it delivers %Discharge of kWrated, charging it draws %Charge of kWrated, idling
 * it draws its idling losses (%IdlingkW of kWrated); all capped at %kWrated. `kW=` sets the state and
 * the percentage as OpenDSS's Set_kW does. kvar follows pf or kvar (with kvarMax/kvarMaxAbs) and
 * kW/kvar are limited to kVA as for PVSystem. In time series the state comes from the shape
 * (dispmode=follow: the shape's sign gives the state and its value × kWrated the power;
 * dispmode=default: DischargeTrigger/ChargeTrigger against the shape, and the charge time) or from
 * the simulation (grid/powerflow/pce-power.ts `requestStorageKw`); after each step the stored
 * energy is integrated from the terminal power as OpenDSS's UpdateStorage does, with the charge and
 * discharge efficiencies and the idling losses, stopping at %reserve and at kWhrated. An EffCurve
 * (inverter efficiency against DC power per unit of kVA) turns the terminal power into the DC power
 * that is integrated (ComputeDCkW) and moves %cutin/%cutout to the AC side.
 */
import { DssError } from '../../errors.js';
import type { DssClass } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { type BusRef, type ElementBase, elementDefaults, num, text } from './common.js';
import { type Connection, flag, inverterModelProperties, inverterTailProperties, pceConnectionProperties, parseConn, pceVBase, shapeRef } from './power-conversion.js';

export type StorageMode = 'charging' | 'idling' | 'discharging';

export interface StorageState extends ElementBase {
  phases: number;
  bus1: BusRef;
  kV: number;
  vBase: number;
  conn: Connection;
  pf: number;
  kvarRequested: number;
  varMode: 'pf' | 'kvar';
  kVA: number;
  kVASet: boolean;
  pctCutin: number;
  pctCutout: number;
  varFollowInverter: boolean;
  kvarMax: number;
  kvarMaxAbs: number;
  kvarMaxSet: boolean;
  kvarMaxAbsSet: boolean;
  wattPriority: boolean;
  pfPriority: boolean;
  pctPminNoVars: number;
  pctPminkvarMax: number;
  kWrated: number;
  /** %kWrated / 100 */
  puKwRated: number;
  kWhRated: number;
  /** kWh stored when written as kWhstored/%stored (else kWhrated: full) */
  kWhStored: number | undefined;
  pctStored: number | undefined;
  pctReserve: number;
  state: StorageMode;
  pctDischarge: number;
  pctCharge: number;
  pctEffCharge: number;
  pctEffDischarge: number;
  pctIdlingKw: number;
  /** 1 constant PQ (constant Z outside Vminpu…Vmaxpu), 2 constant admittance at the present power */
  model: 1 | 2;
  vminpu: number;
  vmaxpu: number;
  yearly: string | undefined;
  daily: string | undefined;
  duty: string | undefined;
  dispMode: 'default' | 'follow' | 'external';
  dischargeTrigger: number;
  chargeTrigger: number;
  chargeTimeH: number;
  effCurve: string | undefined;
  /** LimitCurrent=yes: the current is capped at |S|/(Vminpu·VBase) */
  limitCurrent: boolean;
}


function setKva(s: StorageState, v: number): void {
  s.kVA = v;
  if (!s.kvarMaxSet) s.kvarMax = v;
  if (!s.kvarMaxSet && !s.kvarMaxAbsSet) s.kvarMaxAbs = v;
}

export const storageClass: DssClass<StorageState> = {
  name: 'storage',
  create: (name) => ({
    ...elementDefaults(name),
    vBase: 7200,
    conn: 'wye',
    pf: 1,
    kvarRequested: 0,
    varMode: 'pf',
    kVA: 25,
    kVASet: false,
    pctCutin: 0,
    pctCutout: 0,
    varFollowInverter: false,
    kvarMax: 25,
    kvarMaxAbs: 25,
    kvarMaxSet: false,
    kvarMaxAbsSet: false,
    wattPriority: false,
    pfPriority: false,
    pctPminNoVars: 0,
    pctPminkvarMax: 0,
    kWrated: 25,
    puKwRated: 1,
    kWhRated: 50,
    kWhStored: undefined,
    pctStored: undefined,
    pctReserve: 20,
    state: 'idling',
    pctDischarge: 100,
    pctCharge: 100,
    pctEffCharge: 90,
    pctEffDischarge: 90,
    pctIdlingKw: 1,
    model: 1,
    vminpu: 0.9,
    vmaxpu: 1.1,
    yearly: undefined,
    daily: undefined,
    duty: undefined,
    dispMode: 'default',
    dischargeTrigger: 0,
    chargeTrigger: 0,
    chargeTimeH: 2,
    effCurve: undefined,
    limitCurrent: false,
  }),
  properties: [
    ...pceConnectionProperties(),
    text('conn', (s, v, ctx) => {
      s.conn = parseConn(v, ctx);
      s.vBase = pceVBase(s.kV, s.phases);
    }),
    num('kW', (s, v) => {
      // OpenDSS Set_kW: the sign gives the state, the size the percentage of kWrated
      if (v > 0) {
        s.state = 'discharging';
        s.pctDischarge = (v / s.kWrated) * 100;
      } else if (v < 0) {
        s.state = 'charging';
        s.pctCharge = (Math.abs(v) / s.kWrated) * 100;
      } else s.state = 'idling';
    }),
    num('kvar', (s, v) => {
      s.kvarRequested = v;
      s.varMode = 'kvar';
    }),
    num('pf', (s, v, ctx) => {
      if (Math.abs(v) > 1) throw new DssError(ctx.loc, `pf: expected a power factor in [-1, 1], got ${v}`);
      s.pf = v;
      s.varMode = 'pf';
    }),
    num('kVA', (s, v) => {
      s.kVASet = true;
      setKva(s, v);
    }),
    num('%Cutin', (s, v) => void (s.pctCutin = v)),
    num('%Cutout', (s, v) => void (s.pctCutout = v)),
    text('EffCurve', (s, v) => void (s.effCurve = shapeRef(v))),
    flag('VarFollowInverter', (s, v) => void (s.varFollowInverter = v)),
    num('kvarMax', (s, v) => {
      s.kvarMax = Math.abs(v);
      s.kvarMaxSet = true;
      if (!s.kvarMaxAbsSet) s.kvarMaxAbs = Math.abs(v);
    }),
    num('kvarMaxAbs', (s, v) => {
      s.kvarMaxAbs = Math.abs(v);
      s.kvarMaxAbsSet = true;
    }),
    flag('WattPriority', (s, v) => void (s.wattPriority = v)),
    flag('PFPriority', (s, v) => void (s.pfPriority = v)),
    num('%PminNoVars', (s, v) => void (s.pctPminNoVars = Math.abs(v))),
    num('%PminkvarMax', (s, v) => void (s.pctPminkvarMax = Math.abs(v))),
    num('kWrated', (s, v) => {
      s.kWrated = v;
      // OpenDSS: kWrated sets kVA when kVA was never written, but not the kvar limits (they
      // follow only kVA= itself), so they stay at the 25 kvar of a default Storage
      if (!s.kVASet) s.kVA = v;
    }),
    num('%kWrated', (s, v) => void (s.puKwRated = v / 100)),
    num('kWhrated', (s, v) => void (s.kWhRated = v)),
    num('kWhstored', (s, v) => {
      s.kWhStored = v;
      s.pctStored = undefined;
    }),
    num('%stored', (s, v) => {
      s.pctStored = v;
      s.kWhStored = undefined;
    }),
    num('%reserve', (s, v) => void (s.pctReserve = v)),
    text('State', (s, v, ctx) => {
      const t = v.trim().toLowerCase();
      if (t.startsWith('c')) s.state = 'charging';
      else if (t.startsWith('d')) s.state = 'discharging';
      else if (t.startsWith('i')) s.state = 'idling';
      else throw new DssError(ctx.loc, `State: expected charging, discharging or idling, got '${v}'`);
    }),
    num('%Discharge', (s, v) => void (s.pctDischarge = v)),
    num('%Charge', (s, v) => void (s.pctCharge = v)),
    num('%EffCharge', (s, v) => void (s.pctEffCharge = v)),
    num('%EffDischarge', (s, v) => void (s.pctEffDischarge = v)),
    num('%IdlingkW', (s, v) => void (s.pctIdlingKw = v)),
    ignoredProperty('%Idlingkvar'),
    ...inverterModelProperties('Storage'),
    text('DispMode', (s, v, ctx) => {
      const t = v.trim().toLowerCase();
      if (t.startsWith('def')) s.dispMode = 'default';
      else if (t.startsWith('fol')) s.dispMode = 'follow';
      else if (t.startsWith('ext')) s.dispMode = 'external';
      else throw new DssError(ctx.loc, `DispMode: '${v}' is not supported (supported: default, follow, external; load-level and price dispatch are not modelled)`);
    }),
    num('DischargeTrigger', (s, v) => void (s.dischargeTrigger = v)),
    num('ChargeTrigger', (s, v) => void (s.chargeTrigger = v)),
    num('TimeChargeTrig', (s, v) => void (s.chargeTimeH = v)),
    ignoredProperty('class'),
    text('DynaDLL', (_s, v, ctx) => {
      if (v.trim() !== '') throw new DssError(ctx.loc, 'DynaDLL: user-written storage models are not supported');
    }),
    ignoredProperty('DynaData'),
    text('UserModel', (_s, v, ctx) => {
      if (v.trim() !== '') throw new DssError(ctx.loc, 'UserModel: user-written storage models are not supported');
    }),
    ignoredProperty('UserData'),
    ignoredProperty('debugtrace'),
    ...inverterTailProperties(),
  ],
};

/** Initial stored energy (kWh): kWhstored or %stored as written, else full. */
export function initialKwh(s: StorageState): number {
  if (s.kWhStored !== undefined) return s.kWhStored;
  if (s.pctStored !== undefined) return (s.pctStored * s.kWhRated) / 100;
  return s.kWhRated;
}
