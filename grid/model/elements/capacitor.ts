/**
 * Capacitor (OpenDSS Capacitor.pas): a shunt (or, with bus2 elsewhere, series) capacitor bank of
 * `numsteps` steps, each rated `kvar` (three-phase total) at `kv` (line-to-line for two or more
 * phases, else the phase voltage), or given as `cuf` (µF per phase) or `cmatrix` (µF); an optional
 * `R`/`XL` (Ω) in series with each step. Only steps whose `states` entry is 1 are connected. The
 * step states are the input a CapControl changes (`capacitorSteps` in grid/model/network.ts).
 * Going from one step to several splits the bank's rating evenly, as OpenDSS does.
 */
import { DssError } from '../../errors.js';
import type { DssClass, SetContext } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { parseInteger, parseMatrix, parseNumberArray } from '../../dss/values.js';
import { type CMatrix, type Complex, cinvert, cmatrix } from '../complex.js';
import { type BusRef, type ElementBase, elementDefaults, enabledProperty, num, parseBusRef, text, MAX_PHASES } from './common.js';
import { phaseKv, shuntBranch } from './shunt.js';

export interface CapacitorState extends ElementBase {
  bus1: BusRef;
  bus2: BusRef | undefined;
  phases: number;
  /** three-phase kvar per step */
  kvar: number[];
  kV: number;
  conn: 'wye' | 'delta';
  /** µF per phase, per step */
  cuf: number[];
  /** µF, phases × phases (one matrix for every step) */
  cmatrix: Float64Array | undefined;
  r: number[];
  xl: number[];
  numSteps: number;
  /** 1 = connected, per step */
  states: number[];
  spec: 'kvar' | 'cuf' | 'cmatrix';
}

function stepArray(s: CapacitorState, v: string, ctx: SetContext): number[] {
  const vals = parseNumberArray(v, ctx.loc, ctx.prop);
  if (vals.length === 0) throw new DssError(ctx.loc, `${ctx.prop}: expected one value per step`);
  // OpenDSS fills the steps it was given; missing ones keep their value
  return Array.from({ length: s.numSteps }, (_x, k) => (k < vals.length ? vals[k] : vals[vals.length - 1]));
}

function setSteps(s: CapacitorState, n: number): void {
  if (n === s.numSteps) return;
  const split = s.numSteps === 1 && n > 1;
  const resize = (a: number[], share: boolean) => Array.from({ length: n }, (_x, k) => (share ? a[0] / n : (a[k] ?? a[a.length - 1])));
  s.kvar = resize(s.kvar, split);
  s.cuf = resize(s.cuf, split);
  s.r = resize(s.r, false);
  s.xl = resize(s.xl, false);
  s.states = Array.from({ length: n }, (_x, k) => s.states[k] ?? 1);
  s.numSteps = n;
}

export const capacitorClass: DssClass<CapacitorState> = {
  name: 'capacitor',
  create: (name) => ({
    ...elementDefaults(name),
    bus2: undefined,
    kvar: [1200],
    conn: 'wye',
    cuf: [20.47],
    cmatrix: undefined,
    r: [0],
    xl: [0],
    numSteps: 1,
    states: [1],
    spec: 'kvar',
  }),
  properties: [
    text('bus1', (s, v, ctx) => void ((s.bus1 = parseBusRef(v, ctx)), (s.bus2 = undefined))),
    text('bus2', (s, v, ctx) => void (s.bus2 = parseBusRef(v, ctx))),
    num('phases', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1 || v > MAX_PHASES) throw new DssError(ctx.loc, `phases: expected a whole number from 1 to ${MAX_PHASES}, got ${v}`);
      s.phases = v;
    }),
    text('kvar', (s, v, ctx) => void ((s.kvar = stepArray(s, v, ctx)), (s.spec = 'kvar'))),
    num('kv', (s, v) => void (s.kV = v)),
    text('conn', (s, v, ctx) => {
      const t = v.trim().toLowerCase();
      if (t.startsWith('w') || t.startsWith('y') || t === 'ln') s.conn = 'wye';
      else if (t.startsWith('d') || t === 'll') s.conn = 'delta';
      else throw new DssError(ctx.loc, `conn: expected wye or delta, got '${v}'`);
    }),
    text('cmatrix', (s, v, ctx) => {
      s.cmatrix = parseMatrix(v, ctx.loc, 'cmatrix').values;
      s.spec = 'cmatrix';
    }),
    text('cuf', (s, v, ctx) => void ((s.cuf = stepArray(s, v, ctx)), (s.spec = 'cuf'))),
    text('R', (s, v, ctx) => void (s.r = stepArray(s, v, ctx))),
    text('XL', (s, v, ctx) => void (s.xl = stepArray(s, v, ctx))),
    ignoredProperty('Harm'),
    text('Numsteps', (s, v, ctx) => setSteps(s, parseInteger(v, ctx.loc, 'numsteps', 1))),
    text('states', (s, v, ctx) => {
      s.states = stepArray(s, v, ctx).map((x) => {
        if (x !== 0 && x !== 1) throw new DssError(ctx.loc, `states: expected 0 or 1 per step, got ${x}`);
        return x;
      });
    }),
    ignoredProperty('normamps'),
    ignoredProperty('emergamps'),
    ignoredProperty('faultrate'),
    ignoredProperty('pctperm'),
    ignoredProperty('repair'),
    ignoredProperty('basefreq'),
    enabledProperty(),
  ],
  finish: (s, ctx) => {
    if (s.spec === 'cmatrix' && s.cmatrix && s.cmatrix.length !== s.phases * s.phases) {
      throw new DssError(ctx.loc, `Capacitor.${s.name}: cmatrix has order ${Math.sqrt(s.cmatrix.length)}, phases=${s.phases}`);
    }
    if (s.spec === 'kvar' && !(s.kV > 0)) throw new DssError(ctx.loc, `Capacitor.${s.name}: kv must be positive, got ${s.kV}`);
  },
  branch: (s, env) => capacitorBranch(s, env.baseFrequencyHz, s.states),
};

/** The bank's branch with the given step states (a CapControl's view: same element, other states). */
export function capacitorBranch(s: CapacitorState, frequencyHz: number, states: readonly number[]) {
  const w = 2 * Math.PI * frequencyHz;
  const n = s.phases;
  const total = cmatrix(n);
  for (let k = 0; k < s.numSteps; k++) {
    if (states[k] !== 1) continue;
    // per-phase capacitance of the step (F), or a matrix
    let cm: CMatrix;
    if (s.spec === 'cmatrix') {
      cm = cmatrix(n);
      for (let i = 0; i < n * n; i++) cm.im[i] = s.cmatrix![i] * 1e-6;
    } else {
      const c = s.spec === 'cuf' ? s.cuf[k] * 1e-6 : s.kvar[k] / s.phases / (w * phaseKv(s.kV, n, s.conn) ** 2 * 1000);
      cm = cmatrix(n);
      for (let i = 0; i < n; i++) cm.im[i * n + i] = c;
    }
    // admittance jωC, with R + jXL in series when given: Y = (R + jXL + (jωC)⁻¹)⁻¹
    const yStep = cmatrix(n);
    for (let i = 0; i < n * n; i++) yStep.im[i] = w * cm.im[i];
    const r = s.r[k];
    const xl = s.xl[k];
    let y: CMatrix = yStep;
    if (r !== 0 || xl !== 0) {
      const z = cinvert(yStep);
      if (z) {
        for (let i = 0; i < n; i++) {
          z.re[i * n + i] += r;
          z.im[i * n + i] += xl;
        }
        y = cinvert(z) ?? yStep;
      }
    }
    for (let i = 0; i < n * n; i++) {
      total.re[i] += y.re[i];
      total.im[i] += y.im[i];
    }
  }
  const perPhase: Complex[] | CMatrix = s.spec === 'cmatrix' ? total : Array.from({ length: n }, (_x, i) => ({ re: total.re[i * n + i], im: total.im[i * n + i] }));
  return shuntBranch({ name: `capacitor.${s.name}`, kind: 'capacitor', phases: n, conn: s.conn, bus1: s.bus1, bus2: s.bus2 }, perPhase);
}
