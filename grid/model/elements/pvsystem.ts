/**
 * PVSystem, with OpenDSS's semantics (PVSystem.pas, ComputePanelPower / ComputeInverterPower):
 * panel kW = irradiance × shape multiplier × Pmpp × P-T curve(temperature); the inverter is on
 * above %cutin of kVA and off below %cutout (hysteresis carried step to step); AC kW = panel kW ×
 * EffCurve(panel kW / kVA), capped at Pmpp × %Pmpp; kvar from PF (pf written last) or kvar (kvar
 * written last), limited by kvarMax/kvarMaxAbs and %PminNoVars, and kW and kvar limited to kVA
 * with watt or var priority (or PF priority). The voltage behaviour is model 1 (constant PQ
 * between Vminpu and Vmaxpu, constant impedance outside), or with LimitCurrent=yes constant PQ
 * whose current is capped at what the power needs at Vminpu (OpenDSS's current-limited model). The shape (daily/yearly/duty) scales the
 * irradiance; Tdaily/Tyearly/Tduty give the panel temperature, else `Temperature`.
 */
import { DssError } from '../../errors.js';
import type { DssClass } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { type BusRef, type ElementBase, elementDefaults, num, text } from './common.js';
import { type Connection, flag, inverterModelProperties, inverterTailProperties, pceConnectionProperties, parseConn, pceVBase, shapeRef } from './power-conversion.js';

export interface PvSystemState extends ElementBase {
  phases: number;
  bus1: BusRef;
  kV: number;
  vBase: number;
  irradiance: number;
  pmpp: number;
  /** %Pmpp / 100 */
  puPmpp: number;
  temperature: number;
  pf: number;
  conn: Connection;
  kvarRequested: number;
  varMode: 'pf' | 'kvar';
  kVA: number;
  pctCutin: number;
  pctCutout: number;
  effCurve: string | undefined;
  ptCurve: string | undefined;
  /** 1 constant PQ (constant Z outside Vminpu…Vmaxpu), 2 constant admittance at the present power */
  model: 1 | 2;
  vminpu: number;
  vmaxpu: number;
  yearly: string | undefined;
  daily: string | undefined;
  duty: string | undefined;
  tyearly: string | undefined;
  tdaily: string | undefined;
  tduty: string | undefined;
  varFollowInverter: boolean;
  dutyStartH: number;
  wattPriority: boolean;
  pfPriority: boolean;
  pctPminNoVars: number;
  pctPminkvarMax: number;
  kvarMax: number;
  kvarMaxAbs: number;
  kvarMaxSet: boolean;
  kvarMaxAbsSet: boolean;
  /** LimitCurrent=yes: below Vminpu the current stays at |S|/(Vminpu·VBase) instead of a constant Z */
  limitCurrent: boolean;
}



export const pvSystemClass: DssClass<PvSystemState> = {
  name: 'pvsystem',
  create: (name) => ({
    ...elementDefaults(name),
    vBase: 7200,
    irradiance: 1,
    pmpp: 500,
    puPmpp: 1,
    temperature: 25,
    pf: 1,
    conn: 'wye',
    kvarRequested: 0,
    varMode: 'pf',
    kVA: 500,
    pctCutin: 20,
    pctCutout: 20,
    effCurve: undefined,
    ptCurve: undefined,
    model: 1,
    vminpu: 0.9,
    vmaxpu: 1.1,
    yearly: undefined,
    daily: undefined,
    duty: undefined,
    tyearly: undefined,
    tdaily: undefined,
    tduty: undefined,
    varFollowInverter: false,
    dutyStartH: 0,
    wattPriority: false,
    pfPriority: false,
    pctPminNoVars: -1,
    pctPminkvarMax: -1,
    kvarMax: 500,
    kvarMaxAbs: 500,
    kvarMaxSet: false,
    kvarMaxAbsSet: false,
    limitCurrent: false,
  }),
  properties: [
    ...pceConnectionProperties(),
    num('irradiance', (s, v) => void (s.irradiance = v)),
    num('Pmpp', (s, v) => void (s.pmpp = v)),
    num('%Pmpp', (s, v) => void (s.puPmpp = v / 100)),
    num('Temperature', (s, v) => void (s.temperature = v)),
    num('pf', (s, v, ctx) => {
      if (Math.abs(v) > 1) throw new DssError(ctx.loc, `pf: expected a power factor in [-1, 1], got ${v}`);
      s.pf = v;
      s.varMode = 'pf';
    }),
    text('conn', (s, v, ctx) => {
      s.conn = parseConn(v, ctx);
      s.vBase = pceVBase(s.kV, s.phases);
    }),
    num('kvar', (s, v) => {
      s.kvarRequested = v;
      s.varMode = 'kvar';
    }),
    num('kVA', (s, v) => {
      s.kVA = v;
      if (!s.kvarMaxSet) s.kvarMax = v;
      if (!s.kvarMaxSet && !s.kvarMaxAbsSet) s.kvarMaxAbs = v;
    }),
    num('%Cutin', (s, v) => void (s.pctCutin = v)),
    num('%Cutout', (s, v) => void (s.pctCutout = v)),
    text('EffCurve', (s, v) => void (s.effCurve = shapeRef(v))),
    text('P-TCurve', (s, v) => void (s.ptCurve = shapeRef(v))),
    ...inverterModelProperties('PVSystem'),
    text('Tyearly', (s, v) => void (s.tyearly = shapeRef(v))),
    text('Tdaily', (s, v) => void (s.tdaily = shapeRef(v))),
    text('Tduty', (s, v) => void (s.tduty = shapeRef(v))),
    ignoredProperty('class'),
    text('UserModel', (_s, v, ctx) => {
      if (v.trim() !== '') throw new DssError(ctx.loc, 'UserModel: user-written PVSystem models are not supported');
    }),
    ignoredProperty('UserData'),
    ignoredProperty('debugtrace'),
    flag('VarFollowInverter', (s, v) => void (s.varFollowInverter = v)),
    num('DutyStart', (s, v) => void (s.dutyStartH = v)),
    flag('WattPriority', (s, v) => void (s.wattPriority = v)),
    flag('PFPriority', (s, v) => void (s.pfPriority = v)),
    num('%PminNoVars', (s, v) => void (s.pctPminNoVars = Math.abs(v))),
    num('%PminkvarMax', (s, v) => void (s.pctPminkvarMax = Math.abs(v))),
    num('kvarMax', (s, v) => {
      s.kvarMax = Math.abs(v);
      s.kvarMaxSet = true;
      if (!s.kvarMaxAbsSet) s.kvarMaxAbs = Math.abs(v);
    }),
    num('kvarMaxAbs', (s, v) => {
      s.kvarMaxAbs = Math.abs(v);
      s.kvarMaxAbsSet = true;
    }),
    ...inverterTailProperties(),
  ],
};
