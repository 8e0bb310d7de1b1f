/**
 * LineCode and the impedance data it shares with Line: per-length series impedance and shunt
 * capacitance, given either as sequence values (R1/X1/R0/X0 Ω, C1/C0 nF, or B1/B0 µS, per unit
 * length) or as phase matrices (rmatrix/xmatrix Ω, cmatrix nF per unit length). OpenDSS defaults
 * (LineCode.pas): R1 = 0.058, X1 = 0.1206, R0 = 0.1784, X0 = 0.4047, C1 = 3.4, C0 = 1.6, units none.
 */
import { DssError } from '../../errors.js';
import type { DssClass, PropertyDef, SetContext } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { parseLengthUnit, parseMatrix } from '../../dss/values.js';
import { kronReduce } from '../../line-constants/index.js';
import { type CMatrix, cmatrix, packedMatrix } from '../complex.js';
import { bool, num, text, MAX_PHASES } from './common.js';

/** Per-length impedance data, in the unit `units` of length. */
export interface ImpedanceData {
  nphases: number;
  /** 'sequence' uses r1…c0; 'matrix' uses the matrices. */
  kind: 'sequence' | 'matrix';
  r1: number;
  x1: number;
  r0: number;
  x0: number;
  /** nF per unit length */
  c1: number;
  c0: number;
  rmatrix: Float64Array | undefined;
  xmatrix: Float64Array | undefined;
  /** nF per unit length */
  cmatrix: Float64Array | undefined;
  units: string;
  normAmps: number;
  emergAmps: number;
}

export interface LineCodeState extends ImpedanceData {
  readonly name: string;
  kron: boolean;
  neutral: number;
}

export function defaultImpedance(): ImpedanceData {
  return {
    nphases: 3,
    kind: 'sequence',
    r1: 0.058,
    x1: 0.1206,
    r0: 0.1784,
    x0: 0.4047,
    c1: 3.4,
    c0: 1.6,
    rmatrix: undefined,
    xmatrix: undefined,
    cmatrix: undefined,
    units: 'none',
    normAmps: 400,
    emergAmps: 600,
  };
}

function matrixSetter<S extends ImpedanceData>(name: string, field: 'rmatrix' | 'xmatrix' | 'cmatrix'): PropertyDef<S> {
  return {
    name,
    set: (s, v, ctx) => {
      const m = parseMatrix(v, ctx.loc, name);
      if (m.n !== s.nphases) {
        throw new DssError(ctx.loc, `${name}: order ${m.n} does not match nphases=${s.nphases}`);
      }
      s[field] = m.values;
      if (field !== 'cmatrix') s.kind = 'matrix';
    },
  };
}

/** Properties shared by LineCode and Line for the impedance data. */
export function impedanceProperties<S extends ImpedanceData>(): Record<string, PropertyDef<S>> {
  const seq = (name: string, f: 'r1' | 'x1' | 'r0' | 'x0' | 'c1' | 'c0'): PropertyDef<S> =>
    num<S>(name, (s, v) => {
      s[f] = v;
      if (f[0] !== 'c') s.kind = 'sequence';
    });
  const susceptance = (name: string, f: 'c1' | 'c0'): PropertyDef<S> =>
    num<S>(name, (s, v, ctx) => {
      // B in µS per unit length → C in nF: C = B / (2π f)
      s[f] = (v / (2 * Math.PI * ctx.baseFrequencyHz)) * 1000;
    });
  return {
    r1: seq('r1', 'r1'),
    x1: seq('x1', 'x1'),
    r0: seq('r0', 'r0'),
    x0: seq('x0', 'x0'),
    c1: seq('C1', 'c1'),
    c0: seq('C0', 'c0'),
    b1: susceptance('B1', 'c1'),
    b0: susceptance('B0', 'c0'),
    rmatrix: matrixSetter<S>('rmatrix', 'rmatrix'),
    xmatrix: matrixSetter<S>('xmatrix', 'xmatrix'),
    cmatrix: matrixSetter<S>('cmatrix', 'cmatrix'),
    units: text<S>('units', (s, v, ctx) => void (s.units = parseLengthUnit(v, ctx.loc, 'units'))),
    normamps: num<S>('normamps', (s, v) => void (s.normAmps = v)),
    emergamps: num<S>('emergamps', (s, v) => void (s.emergAmps = v)),
  };
}

const imp = impedanceProperties<LineCodeState>();

export const lineCodeClass: DssClass<LineCodeState> = {
  name: 'linecode',
  create: (name) => ({ name, ...defaultImpedance(), kron: false, neutral: 0 }),
  properties: [
    num('nphases', (s, v, ctx: SetContext) => {
      if (!Number.isInteger(v) || v < 1 || v > MAX_PHASES) throw new DssError(ctx.loc, `nphases: expected a whole number from 1 to ${MAX_PHASES}, got ${v}`);
      s.nphases = v;
    }),
    imp.r1,
    imp.x1,
    imp.r0,
    imp.x0,
    imp.c1,
    imp.c0,
    imp.units,
    imp.rmatrix,
    imp.xmatrix,
    imp.cmatrix,
    ignoredProperty('baseFreq'),
    imp.normamps,
    imp.emergamps,
    ignoredProperty('faultrate'),
    ignoredProperty('pctperm'),
    ignoredProperty('repair'),
    bool('Kron', (s, v) => void (s.kron = v)),
    ignoredProperty('Rg'),
    ignoredProperty('Xg'),
    ignoredProperty('rho'),
    num('neutral', (s, v) => void (s.neutral = v)),
    imp.b1,
    imp.b0,
    ignoredProperty('Seasons'),
    ignoredProperty('Ratings'),
    ignoredProperty('LineType'),
  ],
  finish: (s) => {
    // Kron=y eliminates the neutral conductor (default: the last) from matrix data, as OpenDSS does
    if (s.kron && s.kind === 'matrix' && s.nphases > 1 && s.rmatrix && s.xmatrix) {
      const n = s.nphases;
      const z = cmatrix(n);
      z.re.set(s.rmatrix);
      z.im.set(s.xmatrix);
      const red = kronReduce(z, n - 1);
      s.rmatrix = red.re;
      s.xmatrix = red.im;
      if (s.cmatrix) s.cmatrix = dropLast(s.cmatrix, n);
      s.nphases = n - 1;
      s.kron = false;
    }
  },
};

function dropLast(m: Float64Array, n: number): Float64Array {
  const out = new Float64Array((n - 1) * (n - 1));
  for (let r = 0; r < n - 1; r++) for (let c = 0; c < n - 1; c++) out[r * (n - 1) + c] = m[r * n + c];
  return out;
}

let cScratch = new Float64Array(16);
function capacitanceScratch(size: number): Float64Array {
  if (cScratch.length < size) cScratch = new Float64Array(size);
  return cScratch.subarray(0, size);
}

/**
 * Per-length series impedance (Ω) and shunt capacitance (nF) matrices of `nphases` order from
 * impedance data. Sequence data: Zs = (2·Z1 + Z0)/3 on the diagonal, Zm = (Z0 − Z1)/3 off it; a
 * one-phase element takes Z1 and C1 alone (OpenDSS's Line and LineCode set Z0 := Z1, C0 := C1 when
 * nphases = 1, so its Zs is Z1). `cNf` is valid until the next call (the line's Yprim uses it at once).
 */
export function perLengthMatrices(d: ImpedanceData, nphases: number): { z: CMatrix; cNf: Float64Array } {
  const n = nphases;
  // a line keeps z (its series impedance) and nothing of c: z packed, c a scratch
  const z = packedMatrix(n);
  const c = capacitanceScratch(n * n);
  if (d.kind === 'matrix' && d.rmatrix && d.xmatrix) {
    const m = d.nphases;
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < n; k++) {
        const src = r < m && k < m ? r * m + k : -1;
        z.re[r * n + k] = src >= 0 ? d.rmatrix[src] : 0;
        z.im[r * n + k] = src >= 0 ? d.xmatrix[src] : 0;
      }
    }
  } else {
    const r0 = n === 1 ? d.r1 : d.r0;
    const x0 = n === 1 ? d.x1 : d.x0;
    const zsR = (2 * d.r1 + r0) / 3;
    const zsX = (2 * d.x1 + x0) / 3;
    const zmR = (r0 - d.r1) / 3;
    const zmX = (x0 - d.x1) / 3;
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < n; k++) {
        z.re[r * n + k] = r === k ? zsR : zmR;
        z.im[r * n + k] = r === k ? zsX : zmX;
      }
    }
  }
  if (d.cmatrix) {
    const m = d.nphases;
    for (let r = 0; r < n; r++) for (let k = 0; k < n; k++) c[r * n + k] = r < m && k < m ? d.cmatrix[r * m + k] : 0;
  } else {
    const c0 = n === 1 ? d.c1 : d.c0;
    const cs = (2 * d.c1 + c0) / 3;
    const cm = (c0 - d.c1) / 3;
    for (let r = 0; r < n; r++) for (let k = 0; k < n; k++) c[r * n + k] = r === k ? cs : cm;
  }
  return { z, cNf: c };
}
