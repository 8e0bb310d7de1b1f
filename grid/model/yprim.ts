/**
 * Primitive admittance matrices (siemens, conductor order terminal by terminal) of the linear
 * elements, computed as OpenDSS computes them, so that a network assembled from them has the same
 * nodal admittance matrix as OpenDSS's.
 */
import { DssError, type DssLocation } from '../errors.js';
import { type CMatrix, type Complex, cinvert, cmatrix, packedMatrix, polar } from './complex.js';
import { type LineState, defaultCapacitanceFactor } from './elements/line.js';
import { perLengthMatrices } from './elements/linecode.js';
import type { TransformerState } from './elements/transformer.js';
import { type VsourceState, vsourceImpedance } from './elements/vsource.js';
import { LENGTH_UNITS_M } from '../dss/values.js';

/** Adds `y` into the 2×2 block pattern [[y, −y], [−y, y]] of a 2n matrix (series branch). */
function stampSeries(out: CMatrix, y: CMatrix): void {
  const n = y.n;
  const m = out.n;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const re = y.re[r * n + c];
      const im = y.im[r * n + c];
      out.re[r * m + c] += re;
      out.im[r * m + c] += im;
      out.re[(r + n) * m + c + n] += re;
      out.im[(r + n) * m + c + n] += im;
      out.re[r * m + c + n] -= re;
      out.im[r * m + c + n] -= im;
      out.re[(r + n) * m + c] -= re;
      out.im[(r + n) * m + c] -= im;
    }
  }
}

/**
 * Reusable matrices by order and slot, for intermediate results used at once and never returned
 * (a slot per simultaneous use). Every entry is overwritten by the user.
 */
const scratch: CMatrix[] = [];
function scratchMatrix(n: number, slot = 0): CMatrix {
  const key = 4 * n + slot;
  let m = scratch[key];
  if (m === undefined) {
    m = cmatrix(n);
    scratch[key] = m;
  }
  return m;
}

let vectorScratch = new Float64Array(8);
function scratchVector(n: number): Float64Array {
  if (vectorScratch.length < n) vectorScratch = new Float64Array(n);
  return vectorScratch;
}
let indexScratch = new Int32Array(8);
function scratchIndices(n: number): Int32Array {
  if (indexScratch.length < n) indexScratch = new Int32Array(n);
  return indexScratch;
}

/**
 * Line: series Y = (Z_per_length · length)⁻¹ and half the shunt capacitance at each end (pi model).
 * The length is converted from the line's unit to the unit of its impedance data when both are set.
 */
export function lineYprim(
  s: LineState,
  frequencyHz: number,
  loc: DssLocation | undefined,
  perMetre?: { z: CMatrix; cNf: Float64Array },
): { y: CMatrix; z: CMatrix; shunt: boolean; shuntEnd: CMatrix } {
  let z: CMatrix;
  let cNf: Float64Array;
  let len: number;
  if (perMetre) {
    // geometry lines: constants per metre, length converted to metres ('none' taken as metres)
    z = packedMatrix(perMetre.z.n);
    z.re.set(perMetre.z.re);
    z.im.set(perMetre.z.im);
    cNf = perMetre.cNf;
    len = s.length * LENGTH_UNITS_M[s.lengthUnits];
  } else {
    ({ z, cNf } = perLengthMatrices(s, s.phases));
    const cFactor = defaultCapacitanceFactor(s);
    if (cFactor !== 1) cNf = cNf.map((c) => c * cFactor);
    const factor = s.units === 'none' || s.lengthUnits === 'none' ? 1 : LENGTH_UNITS_M[s.lengthUnits] / LENGTH_UNITS_M[s.units];
    len = s.length * factor;
  }
  const n = z.n;
  for (let k = 0; k < n * n; k++) {
    z.re[k] *= len;
    z.im[k] *= len;
  }
  const y = cinvert(z, undefined, scratchMatrix(n));
  if (!y) throw new DssError(loc, `Line.${s.name}: its impedance matrix is singular (zero length or zero impedance?)`);
  const out = packedMatrix(2 * n);
  stampSeries(out, y);
  const w = 2 * Math.PI * frequencyHz;
  let shunt = false;
  const end = packedMatrix(n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const b = (w * cNf[r * n + c] * len * 1e-9) / 2;
      if (b !== 0) shunt = true;
      end.im[r * n + c] = b;
      out.im[r * 2 * n + c] += b;
      out.im[(r + n) * 2 * n + c + n] += b;
    }
  }
  return { y: out, z, shunt, shuntEnd: end };
}

/**
 * Opens conductors of an element (OpenDSS `Open`): an open conductor carries no current into its
 * node, so it becomes an internal node of the element and is eliminated from Yprim (Kron
 * reduction, Y' = Y_kk − Y_ko·Y_oo⁻¹·Y_ok); its row and column are then zero. When Y_oo is singular
 * (nothing ties the open conductors together) they are simply cut off.
 */
export function openConductors(y: CMatrix, open: readonly boolean[]): CMatrix {
  const n = y.n;
  const o = open.map((v, k) => (v ? k : -1)).filter((k) => k >= 0);
  if (o.length === 0) return y;
  const keep = open.map((v, k) => (v ? -1 : k)).filter((k) => k >= 0);
  const yoo = cmatrix(o.length);
  o.forEach((r, i) => o.forEach((c, j) => ((yoo.re[i * o.length + j] = y.re[r * n + c]), (yoo.im[i * o.length + j] = y.im[r * n + c]))));
  const inv = cinvert(yoo);
  const out = cmatrix(n);
  for (const r of keep) {
    for (const c of keep) {
      let re = y.re[r * n + c];
      let im = y.im[r * n + c];
      if (inv) {
        // − Σ Y_ro · inv_oq · Y_qc
        for (let i = 0; i < o.length; i++) {
          const ar = y.re[r * n + o[i]];
          const ai = y.im[r * n + o[i]];
          if (ar === 0 && ai === 0) continue;
          for (let j = 0; j < o.length; j++) {
            const br = inv.re[i * o.length + j];
            const bi = inv.im[i * o.length + j];
            const cr = y.re[o[j] * n + c];
            const ci = y.im[o[j] * n + c];
            const tr = ar * br - ai * bi;
            const ti = ar * bi + ai * br;
            re -= tr * cr - ti * ci;
            im -= tr * ci + ti * cr;
          }
        }
      }
      out.re[r * n + c] = re;
      out.im[r * n + c] = im;
    }
  }
  return out;
}

/** The Thevenin source as a Norton equivalent: admittance and the source EMF per phase (V). */
export function vsourceNorton(s: VsourceState, loc?: DssLocation): { y: CMatrix; emf: Complex[] } {
  const n = s.phases;
  const { r1, x1, r0, x0 } = vsourceImpedance(s);
  const z = cmatrix(n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      z.re[r * n + c] = r === c ? (2 * r1 + r0) / 3 : (r0 - r1) / 3;
      z.im[r * n + c] = r === c ? (2 * x1 + x0) / 3 : (x0 - x1) / 3;
    }
  }
  const yInv = cinvert(z);
  if (!yInv) throw new DssError(loc, `Vsource.${s.name}: singular source impedance`);
  const y = cmatrix(2 * n);
  stampSeries(y, yInv);
  const vmag = (s.pu * s.basekV * 1000) / (n > 1 ? Math.sqrt(3) : 1);
  const emf: Complex[] = [];
  for (let k = 0; k < n; k++) emf.push(polar(vmag, ((s.angleDeg - (k * 360) / n) * Math.PI) / 180));
  return { y, emf };
}

/** A transformer's Yprim with other winding taps (per unit, one per winding), the rest unchanged. */
export function transformerYprimWithTaps(s: TransformerState, taps: readonly number[]): CMatrix {
  if (taps.length !== s.windings.length) throw new DssError(undefined, `Transformer.${s.name}: ${taps.length} taps given for ${s.windings.length} windings`);
  return transformerYprim({ ...s, windings: s.windings.map((w, k) => ({ ...w, tap: taps[k] })) });
}

/**
 * Transformer Yprim exactly as OpenDSS's TTransfObj.CalcY_Terminal/CalcYPrim: the (N−1)² short-
 * circuit impedance matrix ZB on a one-volt base, Y_1volt = Aᵀ·ZB⁻¹·A, the no-load shunt on winding 2,
 * scaling by 1/(VBase·tap) to terminal quantities, the ppm anti-float admittance, then one stamp per
 * phase through the winding-to-conductor map (delta direction by the ANSI rule, HV leads LV only with
 * LeadLag=lead). Conductor order: winding by winding, (phases + 1) conductors each.
 */
export function transformerYprim(s: TransformerState, loc?: DssLocation): CMatrix {
  // a feeder repeats a few service-transformer designs over and over (IEEE 8500: 19 designs for
  // 1,190 transformers): a design already computed is copied, not recomputed (JIT-cold on a load)
  const kva = s.windings[0].kVA;
  const bucket = yprimCache.get(kva);
  if (bucket) {
    for (const e of bucket) {
      if (!sameDesign(e.design, s)) continue;
      const out = packedMatrix(e.y.n);
      out.re.set(e.y.re);
      out.im.set(e.y.im);
      return out;
    }
  }
  const y = computeTransformerYprim(s, loc);
  if (yprimCacheSize >= YPRIM_CACHE_MAX) {
    yprimCache.clear();
    yprimCacheSize = 0;
  }
  const copy = cmatrix(y.n);
  copy.re.set(y.re);
  copy.im.set(y.im);
  const entry = { design: designOf(s), y: copy };
  if (bucket) bucket.push(entry);
  else yprimCache.set(kva, [entry]);
  yprimCacheSize++;
  return y;
}

/** What a transformer's Yprim depends on (every input `computeTransformerYprim` reads). */
interface TransformerDesign {
  readonly phases: number;
  readonly windings: readonly { conn: string; kV: number; kVA: number; tap: number; rPu: number; rNeut: number; xNeut: number }[];
  readonly xsc: readonly number[];
  readonly noLoadLossPct: number;
  readonly imagPct: number;
  readonly ppmAntiFloat: number;
  readonly hvLeadsLv: boolean;
}

function designOf(s: TransformerState): TransformerDesign {
  return {
    phases: s.phases,
    windings: s.windings.map((w) => ({ conn: w.conn, kV: w.kV, kVA: w.kVA, tap: w.tap, rPu: w.rPu, rNeut: w.rNeut, xNeut: w.xNeut })),
    xsc: [...s.xsc],
    noLoadLossPct: s.noLoadLossPct,
    imagPct: s.imagPct,
    ppmAntiFloat: s.ppmAntiFloat,
    hvLeadsLv: s.hvLeadsLv,
  };
}

function sameDesign(d: TransformerDesign, s: TransformerState): boolean {
  if (d.phases !== s.phases || d.windings.length !== s.windings.length || d.xsc.length !== s.xsc.length) return false;
  if (d.noLoadLossPct !== s.noLoadLossPct || d.imagPct !== s.imagPct || d.ppmAntiFloat !== s.ppmAntiFloat || d.hvLeadsLv !== s.hvLeadsLv) return false;
  for (let k = 0; k < d.xsc.length; k++) if (d.xsc[k] !== s.xsc[k]) return false;
  for (let k = 0; k < d.windings.length; k++) {
    const a = d.windings[k];
    const b = s.windings[k];
    if (a.conn !== b.conn || a.kV !== b.kV || a.kVA !== b.kVA || a.tap !== b.tap || a.rPu !== b.rPu || a.rNeut !== b.rNeut || a.xNeut !== b.xNeut) return false;
  }
  return true;
}

/** Designs kept, by winding 1's kVA (bounded: a sweep over many feeders does not grow it without end). */
const yprimCache = new Map<number, { design: TransformerDesign; y: CMatrix }[]>();
let yprimCacheSize = 0;
const YPRIM_CACHE_MAX = 512;

function computeTransformerYprim(s: TransformerState, loc?: DssLocation): CMatrix {
  const nw = s.windings.length;
  const np = s.phases;
  const nc = np + 1;
  const vaBase = s.windings[0].kVA * 1000;
  const vaPhase = vaBase / np;
  const zBase = 1 / vaPhase;
  const vbase = s.windings.map((w) => (w.conn === 'wye' ? (np === 2 || np === 3 ? (w.kV * 1000) / Math.sqrt(3) : w.kV * 1000) : w.kV * 1000));

  // ZB on a one-volt base
  const m = nw - 1;
  const zb = scratchMatrix(m, 1);
  for (let i = 0; i < m; i++) {
    zb.re[i * m + i] = (s.windings[0].rPu + s.windings[i + 1].rPu) * zBase;
    zb.im[i * m + i] = s.xsc[i] * zBase;
  }
  let k = m;
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const re = 0.5 * (zb.re[i * m + i] + zb.re[j * m + j] - (s.windings[i + 1].rPu + s.windings[j + 1].rPu) * zBase);
      const im = 0.5 * (zb.im[i * m + i] + zb.im[j * m + j] - s.xsc[k] * zBase);
      zb.re[i * m + j] = zb.re[j * m + i] = re;
      zb.im[i * m + j] = zb.im[j * m + i] = im;
      k++;
    }
  }
  const yb = cinvert(zb, undefined, scratchMatrix(m, 2));
  if (!yb) throw new DssError(loc, `Transformer.${s.name}: singular short-circuit impedance matrix (zero %X?)`);

  // Y_1volt = Aᵀ YB A, A = [−1 | I]: winding 1 row and column the negated sums of YB's, the rest YB
  const y1 = scratchMatrix(nw, 1);
  let sumRe = 0;
  let sumIm = 0;
  for (let r = 0; r < m; r++) {
    let rowRe = 0;
    let rowIm = 0;
    let colRe = 0;
    let colIm = 0;
    for (let c = 0; c < m; c++) {
      const re = yb.re[r * m + c];
      const im = yb.im[r * m + c];
      y1.re[(r + 1) * nw + c + 1] = re;
      y1.im[(r + 1) * nw + c + 1] = im;
      rowRe += re;
      rowIm += im;
      colRe += yb.re[c * m + r];
      colIm += yb.im[c * m + r];
    }
    y1.re[(r + 1) * nw] = -rowRe;
    y1.im[(r + 1) * nw] = -rowIm;
    y1.re[r + 1] = -colRe;
    y1.im[r + 1] = -colIm;
    sumRe += rowRe;
    sumIm += rowIm;
  }
  y1.re[0] = sumRe;
  y1.im[0] = sumIm;
  // no-load shunt on winding 2 ("closest to the core")
  const nlRe = s.noLoadLossPct / 100 / zBase;
  const nlIm = -s.imagPct / 100 / zBase;

  // terminal matrix (2N × 2N): winding k's ends 2k (+) and 2k+1 (−), each end scaled by
  // ±1/(VBase·tap) (computed once per end: this runs for every service transformer of a feeder,
  // mostly JIT-cold, so the loops below do plain array arithmetic only)
  const nt = 2 * nw;
  const yt = scratchMatrix(nt, 3);
  const endScale = scratchVector(nt);
  for (let i = 0; i < nt; i++) {
    const wd = s.windings[i >> 1];
    endScale[i] = (i & 1 ? -1 : 1) / (vbase[i >> 1] * (wd.tap === 0 ? 0.0001 : wd.tap));
  }
  for (let i = 0; i < nt; i++) {
    const wi = i >> 1;
    const si = endScale[i];
    for (let j = 0; j < nt; j++) {
      const wj = j >> 1;
      const f = si * endScale[j];
      let re = y1.re[wi * nw + wj];
      let im = y1.im[wi * nw + wj];
      if (wi === 1 && wj === 1) {
        re += nlRe;
        im += nlIm;
      }
      yt.re[i * nt + j] = re * f;
      yt.im[i * nt + j] = im * f;
    }
  }
  const ppm = s.ppmAntiFloat * 1e-6;
  const yPpm = vbase.map((v) => -ppm / ((v * v) / vaPhase) / 2);
  if (ppm !== 0) {
    for (let w = 0; w < nw; w++) {
      yt.im[2 * w * nt + 2 * w] += yPpm[w];
      yt.im[(2 * w + 1) * nt + 2 * w + 1] += yPpm[w];
    }
  }

  // delta direction (OpenDSS RecalcElementData)
  let dir = 1;
  if (s.windings[0].conn !== s.windings[1].conn) {
    const hv = s.windings[0].kV >= s.windings[1].kV ? 0 : 1;
    if (s.windings[hv].conn === 'wye') dir = s.hvLeadsLv ? -1 : 1;
    else dir = s.hvLeadsLv ? 1 : -1;
  }

  const order = nw * nc;
  const out = packedMatrix(order);
  // each phase stamps the terminal matrix through the winding-to-conductor map of its ends
  const ref = scratchIndices(nt);
  for (let p = 0; p < np; p++) {
    let q = p + dir;
    if (np > 2) {
      if (q > np - 1) q = 0;
      if (q < 0) q = np - 1;
    } else if (q < 0) q = 2;
    for (let i = 0; i < nt; i++) {
      const w = i >> 1;
      if (np === 1) ref[i] = w * nc + ((i & 1) === 0 ? 0 : nc - 1);
      else if ((i & 1) === 0) ref[i] = w * nc + p;
      else ref[i] = w * nc + (s.windings[w].conn === 'wye' ? np : q);
    }
    for (let i = 0; i < nt; i++) {
      const row = ref[i] * order;
      for (let j = 0; j < nt; j++) {
        out.re[row + ref[j]] += yt.re[i * nt + j];
        out.im[row + ref[j]] += yt.im[i * nt + j];
      }
    }
  }
  // neutral impedances of wye windings (OpenDSS AddNeutralToY)
  for (let w = 0; w < nw; w++) {
    const wd = s.windings[w];
    if (wd.conn !== 'wye') continue;
    const jn = w * nc + nc - 1;
    if (wd.rNeut >= 0) {
      if (wd.rNeut === 0 && wd.xNeut === 0) out.re[jn * order + jn] += 1e6;
      else {
        const d = wd.rNeut * wd.rNeut + wd.xNeut * wd.xNeut;
        out.re[jn * order + jn] += wd.rNeut / d;
        out.im[jn * order + jn] -= wd.xNeut / d;
      }
    } else if (ppm !== 0) {
      out.im[jn * order + jn] += yPpm[w];
    }
  }
  return out;
}
