/**
 * Load, with OpenDSS's semantics (Load.pas as in the DSS C-API build used as the oracle): the base
 * kW/kvar follow the last specification written — kW with PF (`kW=`), kW with kvar (`kvar=`; a PF
 * written later is then ignored, the PF follows kW/kvar), kVA with PF, the transformer kVA times an
 * allocation factor (`xfkVA=`, `AllocationFactor=`, default factor 0.5) or billed energy (`kWh=`
 * over `kWhdays=` times `CFactor=`), the latter two computed the moment they are written with the
 * PF known then, as OpenDSS does. Voltage models: 1 constant PQ, 2 constant Z, 3 constant P with
 * quadratic Q, 4 CVR (P ∝ V^CVRwatts, Q ∝ V^CVRvars), 5 constant |I|, 6 constant P with fixed Q,
 * 7 constant P with a fixed reactance, 8 ZIPV; every model turns into an impedance above vmaxpu and
 * is interpolated towards one below vminpu (down to vlowpu), exactly as OpenDSS does. `daily=`
 * also sets the yearly shape when none is set yet. Negative kW (PV entered as a load) is allowed.
 */
import { DssError } from '../../errors.js';
import type { DssClass } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { parseNumberArray } from '../../dss/values.js';
import { type BusRef, type ElementBase, elementDefaults, enabledProperty, num, parseBusRef, text, MAX_PHASES } from './common.js';

export type LoadSpec = 'kW-PF' | 'kW-kvar' | 'kVA-PF' | 'xfkVA' | 'kWh';
export type LoadModel = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export interface LoadState extends ElementBase {
  phases: number;
  bus1: BusRef;
  kV: number;
  /** base kW and kvar (OpenDSS kWBase, kvarBase) */
  kW: number;
  kvar: number;
  pf: number;
  pfChanged: boolean;
  kVA: number;
  kWh: number;
  kWhDays: number;
  cFactor: number;
  xfkVA: number;
  allocationFactor: number;
  spec: LoadSpec;
  model: LoadModel;
  cvrWatts: number;
  cvrVars: number;
  /** ZIPV: Z, I, P fractions of P, then of Q, then the cut-off voltage (pu) */
  zipv: number[] | undefined;
  conn: 'wye' | 'delta';
  yearly: string | undefined;
  daily: string | undefined;
  duty: string | undefined;
  status: 'variable' | 'fixed' | 'exempt';
  vminpu: number;
  vmaxpu: number;
  vlowpu: number;
  rNeut: number;
  xNeut: number;
}

function shapeName(v: string): string | undefined {
  const t = v.trim().toLowerCase();
  return t === '' || t === 'none' ? undefined : t;
}

/** kvar for a kW at the load's PF (sign of the PF: negative PF means kvar opposite to kW). */
function kvarFromPf(s: LoadState, kW: number): number {
  const q = kW * Math.sqrt(1 / (s.pf * s.pf) - 1);
  return s.pf < 0 ? -q : q;
}

/** OpenDSS ComputeAllocatedLoad: kW from connected kVA × allocation factor, or from billed kWh. */
function computeAllocated(s: LoadState): void {
  if (s.spec === 'xfkVA') {
    if (s.xfkVA > 0) {
      s.kW = s.xfkVA * s.allocationFactor * Math.abs(s.pf);
      s.kvar = kvarFromPf(s, s.kW);
    }
  } else if (s.spec === 'kWh') {
    s.kW = (s.kWh / (s.kWhDays * 24)) * s.cFactor;
    s.kvar = kvarFromPf(s, s.kW);
  }
}

export const loadClass: DssClass<LoadState> = {
  name: 'load',
  // the shared defaults spread last: V8 (Node 20) defines every literal property after a spread
  // through its slow runtime path (~100 µs per load on IEEE 8500's 1,177; spread last, ~1 µs)
  create: (name) => ({
    kW: 10,
    kvar: 5,
    pf: 0.88,
    pfChanged: false,
    kVA: 11.36,
    kWh: 0,
    kWhDays: 30,
    cFactor: 4,
    xfkVA: 0,
    allocationFactor: 0.5,
    spec: 'kW-PF',
    model: 1,
    cvrWatts: 1,
    cvrVars: 2,
    zipv: undefined,
    conn: 'wye',
    yearly: undefined,
    daily: undefined,
    duty: undefined,
    status: 'variable',
    vminpu: 0.95,
    vmaxpu: 1.05,
    vlowpu: 0.5,
    rNeut: -1,
    xNeut: 0,
    ...elementDefaults(name),
  }),
  properties: [
    num('phases', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1 || v > MAX_PHASES) throw new DssError(ctx.loc, `phases: expected a whole number from 1 to ${MAX_PHASES}, got ${v}`);
      s.phases = v;
    }),
    text('bus1', (s, v, ctx) => void (s.bus1 = parseBusRef(v, ctx))),
    num('kV', (s, v, ctx) => {
      // kV is the load's voltage base: 0 divides by zero in every load model, negative is meaningless
      if (!(v > 0)) throw new DssError(ctx.loc, `kV: expected a positive rated voltage in kV, got ${v}`);
      s.kV = v;
    }),
    num('kW', (s, v) => void ((s.kW = v), (s.spec = 'kW-PF'))),
    num('pf', (s, v, ctx) => {
      if (v === 0 || Math.abs(v) > 1) throw new DssError(ctx.loc, `pf: expected a power factor in [-1, 1] other than 0, got ${v}`);
      s.pf = v;
      s.pfChanged = true;
    }),
    num('model', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1 || v > 8) {
        throw new DssError(ctx.loc, `model: expected a load model 1–8 (1 PQ, 2 Z, 3 motor, 4 CVR, 5 |I|, 6 fixed Q, 7 fixed X, 8 ZIPV), got ${v}`);
      }
      s.model = v as LoadModel;
    }),
    text('yearly', (s, v) => {
      s.yearly = shapeName(v);
    }),
    text('daily', (s, v) => {
      s.daily = shapeName(v);
      // OpenDSS: a load without a yearly shape takes the daily one for yearly simulations
      if (s.yearly === undefined) s.yearly = s.daily;
    }),
    text('duty', (s, v) => {
      s.duty = shapeName(v);
    }),
    ignoredProperty('growth'),
    text('conn', (s, v, ctx) => {
      const t = v.trim().toLowerCase();
      if (t.startsWith('w') || t.startsWith('y') || t === 'ln') s.conn = 'wye';
      else if (t.startsWith('d') || t === 'll') s.conn = 'delta';
      else throw new DssError(ctx.loc, `conn: expected wye or delta, got '${v}'`);
    }),
    num('kvar', (s, v) => void ((s.kvar = v), (s.spec = 'kW-kvar'))),
    // OpenDSS puts a wye load's neutral impedance in its Yprim and its power-flow injection takes
    // the whole Yprim back out, so Rneut/Xneut change nothing in a power flow (checked against
    // OpenDSS in test/grid/model/load-models.test.ts): recorded as ignored
    num('Rneut', (s, v, ctx) => void ((s.rNeut = v), ctx.ignored('Rneut (no effect in an OpenDSS power flow)'))),
    num('Xneut', (s, v, ctx) => void ((s.xNeut = v), ctx.ignored('Xneut (no effect in an OpenDSS power flow)'))),
    text('status', (s, v, ctx) => {
      const t = v.trim().toLowerCase();
      if (t.startsWith('v')) s.status = 'variable';
      else if (t.startsWith('f')) s.status = 'fixed';
      else if (t.startsWith('e')) s.status = 'exempt';
      else throw new DssError(ctx.loc, `status: expected variable, fixed or exempt, got '${v}'`);
    }),
    ignoredProperty('class'),
    num('Vminpu', (s, v) => void (s.vminpu = v)),
    num('Vmaxpu', (s, v) => void (s.vmaxpu = v)),
    ignoredProperty('Vminnorm'),
    ignoredProperty('Vminemerg'),
    num('xfkVA', (s, v) => void ((s.xfkVA = v), (s.spec = 'xfkVA'), computeAllocated(s))),
    num('allocationfactor', (s, v) => void ((s.allocationFactor = v), (s.spec = 'xfkVA'), computeAllocated(s))),
    num('kVA', (s, v) => void ((s.kVA = v), (s.spec = 'kVA-PF'))),
    ignoredProperty('%mean'),
    ignoredProperty('%stddev'),
    num('CVRwatts', (s, v) => void (s.cvrWatts = v)),
    num('CVRvars', (s, v) => void (s.cvrVars = v)),
    num('kwh', (s, v) => void ((s.kWh = v), (s.spec = 'kWh'), computeAllocated(s))),
    num('kwhdays', (s, v, ctx) => {
      if (!(v > 0)) throw new DssError(ctx.loc, `kwhdays: expected a positive number of days, got ${v}`);
      s.kWhDays = v;
      s.spec = 'kWh';
      computeAllocated(s);
    }),
    num('Cfactor', (s, v) => void ((s.cFactor = v), (s.spec = 'kWh'), computeAllocated(s))),
    text('CVRcurve', (s, v, ctx) => {
      if (shapeName(v) !== undefined) throw new DssError(ctx.loc, `CVRcurve: CVR factors varying over time are not supported (got '${v}')`);
    }),
    ignoredProperty('NumCust'),
    text('ZIPV', (s, v, ctx) => {
      const z = parseNumberArray(v, ctx.loc, 'ZIPV');
      if (z.length !== 7) throw new DssError(ctx.loc, `ZIPV: expected 7 values (Z, I, P fractions of P and of Q, cut-off voltage), got ${z.length}`);
      s.zipv = z;
    }),
    ignoredProperty('%SeriesRL'),
    ignoredProperty('RelWeight'),
    num('Vlowpu', (s, v) => void (s.vlowpu = v)),
    ignoredProperty('puXharm'),
    ignoredProperty('XRharm'),
    ignoredProperty('spectrum'),
    ignoredProperty('basefreq'),
    enabledProperty(),
  ],
  /** OpenDSS RecalcElementData, at the end of each statement */
  finish: (s, ctx) => {
    switch (s.spec) {
      case 'kW-PF':
        s.kvar = kvarFromPf(s, s.kW);
        break;
      case 'kW-kvar': {
        // the PF follows kW and kvar (a PF written after kvar is overridden, as in OpenDSS)
        const kva = Math.hypot(s.kW, s.kvar);
        if (kva > 0) s.pf = (s.kW / kva) * (s.kvar !== 0 ? Math.sign(s.kW * s.kvar) : 1);
        break;
      }
      case 'kVA-PF':
        s.kW = s.kVA * Math.abs(s.pf);
        s.kvar = kvarFromPf(s, s.kW);
        break;
      case 'xfkVA':
      case 'kWh':
        if (s.pfChanged) s.kvar = kvarFromPf(s, s.kW);
        break;
    }
    s.pfChanged = false;
    if (s.model === 8 && s.zipv === undefined) throw new DssError(ctx.loc, `Load.${s.name}: model=8 (ZIPV) needs ZIPV=[…7 values]`);
  },
};

/** Base kW and kvar of a load (consumed > 0), as its specification left them. */
export function loadBasePower(s: LoadState): { kW: number; kvar: number } {
  return { kW: s.kW, kvar: s.kvar };
}
