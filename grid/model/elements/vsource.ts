/**
 * Vsource: the Thevenin equivalent of the upstream grid, as OpenDSS defines it (VSource.pas): a
 * balanced voltage `pu × basekv` behind a sequence impedance given by short-circuit MVA (default
 * MVAsc3 = 2000, MVAsc1 = 2100), short-circuit currents (Isc3/Isc1) or ohms (R1/X1/R0/X0, Z1/Z0),
 * with X/R ratios X1R1 = 4 and X0R0 = 3 by default. `New Circuit.X …` creates `Vsource.source` at
 * `sourcebus`.
 */
import type { DssClass } from '../../dss/object-class.js';
import { ignoredProperty, notAppliedProperty } from '../../dss/object-class.js';
import { parseNumberArray } from '../../dss/values.js';
import { type BusRef, type ElementBase, enabledProperty, num, parseBusRef, text, MAX_PHASES } from './common.js';
import { DssError } from '../../errors.js';

/** Highest source `pu` accepted (see the `pu` setter for why). */
export const MAX_SOURCE_PU = 2;

export interface VsourceState extends ElementBase {
  bus1: BusRef;
  bus2: BusRef | undefined;
  basekV: number;
  pu: number;
  angleDeg: number;
  frequencyHz: number;
  phases: number;
  /** 1 = MVAsc, 2 = Isc, 3 = ohms */
  zSpec: 1 | 2 | 3;
  mvasc3: number;
  mvasc1: number;
  isc3: number;
  isc1: number;
  x1r1: number;
  x0r0: number;
  r1: number;
  x1: number;
  r0: number;
  x0: number;
  baseMVA: number;
}

export const vsourceClass: DssClass<VsourceState> = {
  name: 'vsource',
  create: (name, ctx) => ({
    name,
    enabled: true,
    bus1: { bus: 'sourcebus', nodes: undefined },
    bus2: undefined,
    basekV: 115,
    pu: 1,
    angleDeg: 0,
    frequencyHz: ctx.baseFrequencyHz,
    phases: 3,
    zSpec: 1,
    mvasc3: 2000,
    mvasc1: 2100,
    isc3: 10041,
    isc1: 10540,
    x1r1: 4,
    x0r0: 3,
    r1: 1.65,
    x1: 6.6,
    r0: 1.9,
    x0: 5.7,
    baseMVA: 100,
  }),
  properties: [
    text('bus1', (s, v, ctx) => void (s.bus1 = parseBusRef(v, ctx))),
    num('basekv', (s, v, ctx) => {
      if (!(v > 0)) throw new DssError(ctx.loc, `basekv: expected a positive voltage in kV, got ${v}`);
      s.basekV = v;
    }),
    num('pu', (s, v, ctx) => {
      // OpenDSS takes any value; above 2 pu no distribution feeder operates (ANSI C84.1 spans ±10 %,
      // insulation levels a few pu for microseconds), so it is a kV or a typo, and it would scale
      // constant-impedance loads by pu² (pu=1e6 drew 25 GW and "converged").
      if (!(v > 0 && v <= MAX_SOURCE_PU)) throw new DssError(ctx.loc, `pu: expected a per-unit source voltage in (0, ${MAX_SOURCE_PU}], got ${v} (the source voltage is pu × basekv)`);
      s.pu = v;
    }),
    num('angle', (s, v) => void (s.angleDeg = v)),
    num('frequency', (s, v) => void (s.frequencyHz = v)),
    num('phases', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1 || v > MAX_PHASES) throw new DssError(ctx.loc, `phases: expected a whole number from 1 to ${MAX_PHASES}, got ${v}`);
      s.phases = v;
    }),
    num('MVAsc3', (s, v) => void ((s.mvasc3 = v), (s.zSpec = 1))),
    num('MVAsc1', (s, v) => void ((s.mvasc1 = v), (s.zSpec = 1))),
    num('x1r1', (s, v) => void (s.x1r1 = v)),
    num('x0r0', (s, v) => void (s.x0r0 = v)),
    num('Isc3', (s, v) => void ((s.isc3 = v), (s.zSpec = 2))),
    num('Isc1', (s, v) => void ((s.isc1 = v), (s.zSpec = 2))),
    num('R1', (s, v) => void ((s.r1 = v), (s.zSpec = 3))),
    num('X1', (s, v) => void ((s.x1 = v), (s.zSpec = 3))),
    num('R0', (s, v) => void ((s.r0 = v), (s.zSpec = 3))),
    num('X0', (s, v) => void ((s.x0 = v), (s.zSpec = 3))),
    ignoredProperty('ScanType'),
    ignoredProperty('Sequence'),
    text('bus2', (s, v, ctx) => void (s.bus2 = parseBusRef(v, ctx))),
    text('Z1', (s, v, ctx) => {
      const [r, x] = parseNumberArray(v, ctx.loc, 'Z1');
      s.r1 = r;
      s.x1 = x ?? 0;
      s.zSpec = 3;
    }),
    text('Z0', (s, v, ctx) => {
      const [r, x] = parseNumberArray(v, ctx.loc, 'Z0');
      s.r0 = r;
      s.x0 = x ?? 0;
      s.zSpec = 3;
    }),
    ignoredProperty('Z2'),
    text('puZ1', (s, v, ctx) => {
      const [r, x] = parseNumberArray(v, ctx.loc, 'puZ1');
      const zb = (s.basekV * s.basekV) / s.baseMVA;
      s.r1 = r * zb;
      s.x1 = (x ?? 0) * zb;
      s.zSpec = 3;
    }),
    text('puZ0', (s, v, ctx) => {
      const [r, x] = parseNumberArray(v, ctx.loc, 'puZ0');
      const zb = (s.basekV * s.basekV) / s.baseMVA;
      s.r0 = r * zb;
      s.x0 = (x ?? 0) * zb;
      s.zSpec = 3;
    }),
    ignoredProperty('puZ2'),
    num('baseMVA', (s, v) => void (s.baseMVA = v)),
    notAppliedProperty('Yearly', 'the source voltage does not follow a shape in lemsim'),
    notAppliedProperty('Daily', 'the source voltage does not follow a shape in lemsim'),
    notAppliedProperty('Duty', 'the source voltage does not follow a shape in lemsim'),
    notAppliedProperty('Model', 'an ideal source (Model=ideal) is not modelled; the Thevenin impedance is used', ['', 'thevenin']),
    ignoredProperty('puZideal'),
    ignoredProperty('spectrum'),
    ignoredProperty('basefreq'),
    enabledProperty(),
  ],
};

/**
 * Positive- and zero-sequence source impedance in ohms (OpenDSS VSource CalcYPrim): Z1 from the
 * 3-phase strength at X1/R1; Z0 solves |2·Z1 + Z0| = 3·V / Isc1 with X0 = R0·X0R0, where
 * Isc1 = MVAsc1·1000 / (F·kV) and V = kV·1000 / F, F = √3 (1 for a single-phase source).
 */
export function vsourceImpedance(s: VsourceState): { r1: number; x1: number; r0: number; x0: number } {
  if (s.zSpec === 3) return { r1: s.r1, x1: s.x1, r0: s.r0, x0: s.x0 };
  const kv = s.basekV;
  // OpenDSS's Factor: √3 for a three-phase source, 1 for a single-phase one
  const factor = s.phases === 1 ? 1 : Math.sqrt(3);
  let mvasc3: number;
  let isc1: number;
  if (s.zSpec === 1) {
    mvasc3 = s.mvasc3;
    isc1 = (s.mvasc1 * 1000) / (factor * kv);
  } else {
    mvasc3 = (Math.sqrt(3) * kv * s.isc3) / 1000;
    isc1 = s.isc1;
  }
  const x1 = (kv * kv) / mvasc3 / Math.sqrt(1 + 1 / (s.x1r1 * s.x1r1));
  const r1 = x1 / s.x1r1;
  const a = 1 + s.x0r0 * s.x0r0;
  const b = 4 * (r1 + x1 * s.x0r0);
  const c = 4 * (r1 * r1 + x1 * x1) - ((3 * kv * 1000) / factor / isc1) ** 2;
  const r0 = (-b + Math.sqrt(b * b - 4 * a * c)) / (2 * a);
  return { r1, x1, r0, x0: r0 * s.x0r0 };
}
