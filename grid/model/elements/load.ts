/**
 * Load, with OpenDSS's semantics (Load.pas): kW with PF or kvar (whichever is written last decides,
 * as OpenDSS's LoadSpecType does), kVA with PF, or kWh billed over kWhdays; voltage models 1
 * (constant PQ), 2 (constant Z), 3 (constant P, quadratic Q), 5 (constant |I|); every model turns
 * into a constant impedance above vmaxpu and is interpolated towards one below vminpu (down to
 * vlowpu), exactly as OpenDSS does. Negative kW (PV entered as a load) is allowed.
 */
import { DssError } from '../../../src/errors.js';
import type { DssClass } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { type BusRef, type ElementBase, enabledProperty, num, parseBusRef, text } from './common.js';

export type LoadSpec = 'kW-PF' | 'kW-kvar' | 'kVA-PF' | 'kWh';

export interface LoadState extends ElementBase {
  phases: number;
  bus1: BusRef;
  kV: number;
  kW: number;
  kvar: number;
  pf: number;
  kVA: number;
  kWh: number;
  kWhDays: number;
  cFactor: number;
  spec: LoadSpec;
  model: 1 | 2 | 3 | 5;
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

export const loadClass: DssClass<LoadState> = {
  name: 'load',
  create: (name) => ({
    name,
    enabled: true,
    phases: 3,
    bus1: { bus: `${name}_1`, nodes: undefined },
    kV: 12.47,
    kW: 10,
    kvar: 5,
    pf: 0.88,
    kVA: 11.36,
    kWh: 0,
    kWhDays: 30,
    cFactor: 4,
    spec: 'kW-PF',
    model: 1,
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
  }),
  properties: [
    num('phases', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1) throw new DssError(ctx.loc, `phases: expected a whole number ≥ 1, got ${v}`);
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
      if (s.spec === 'kW-kvar') s.spec = 'kW-PF';
    }),
    num('model', (s, v, ctx) => {
      if (v !== 1 && v !== 2 && v !== 3 && v !== 5) {
        throw new DssError(ctx.loc, `model: load model ${v} is not supported (supported: 1 constant PQ, 2 constant Z, 3 constant P quadratic Q, 5 constant |I|)`);
      }
      s.model = v;
    }),
    text('yearly', (s, v) => {
      s.yearly = shapeName(v);
    }),
    text('daily', (s, v) => {
      s.daily = shapeName(v);
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
    num('Rneut', (s, v) => void (s.rNeut = v)),
    num('Xneut', (s, v) => void (s.xNeut = v)),
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
    ignoredProperty('xfkVA'),
    ignoredProperty('allocationfactor'),
    num('kVA', (s, v) => void ((s.kVA = v), (s.spec = 'kVA-PF'))),
    ignoredProperty('%mean'),
    ignoredProperty('%stddev'),
    ignoredProperty('CVRwatts'),
    ignoredProperty('CVRvars'),
    num('kwh', (s, v) => void ((s.kWh = v), (s.spec = 'kWh'))),
    num('kwhdays', (s, v) => void (s.kWhDays = v)),
    num('Cfactor', (s, v) => void (s.cFactor = v)),
    ignoredProperty('CVRcurve'),
    ignoredProperty('NumCust'),
    ignoredProperty('ZIPV'),
    ignoredProperty('%SeriesRL'),
    ignoredProperty('RelWeight'),
    num('Vlowpu', (s, v) => void (s.vlowpu = v)),
    ignoredProperty('puXharm'),
    ignoredProperty('XRharm'),
    ignoredProperty('spectrum'),
    ignoredProperty('basefreq'),
    enabledProperty(),
  ],
};

/**
 * Base kW and kvar of a load from its specification (OpenDSS Load RecalcElementData): kW+PF gives
 * kvar = kW·√(1/PF² − 1) with the sign of PF; kWh gives kW = kWh / (kWhdays·24) · Cfactor.
 */
export function loadBasePower(s: LoadState): { kW: number; kvar: number } {
  const fromPf = (kW: number): number => {
    const q = kW * Math.sqrt(1 / (s.pf * s.pf) - 1);
    return s.pf < 0 ? -q : q;
  };
  switch (s.spec) {
    case 'kW-PF':
      return { kW: s.kW, kvar: fromPf(s.kW) };
    case 'kW-kvar':
      return { kW: s.kW, kvar: s.kvar };
    case 'kVA-PF': {
      const kW = s.kVA * Math.abs(s.pf);
      return { kW, kvar: fromPf(kW) };
    }
    case 'kWh': {
      const kW = (s.kWh / (s.kWhDays * 24)) * s.cFactor;
      return { kW, kvar: fromPf(kW) };
    }
  }
}
