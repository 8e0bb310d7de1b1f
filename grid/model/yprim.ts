/**
 * Primitive admittance matrices (siemens, conductor order terminal by terminal) of the linear
 * elements, computed as OpenDSS computes them, so that a network assembled from them has the same
 * nodal admittance matrix as OpenDSS's.
 */
import { DssError, type DssLocation } from '../../errors.js';
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

  // Y_1volt = Aᵀ YB A, A = [−1 | I]
  const y1 = scratchMatrix(nw, 1);
  const aCoef = (row: number, col: number): number => (col === 0 ? -1 : col === row + 1 ? 1 : 0);
  for (let r = 0; r < nw; r++) {
    for (let c = 0; c < nw; c++) {
      let re = 0;
      let im = 0;
      for (let a = 0; a < m; a++) {
        const ar = aCoef(a, r);
        if (ar === 0) continue;
        for (let b = 0; b < m; b++) {
          const bc = aCoef(b, c);
          if (bc === 0) continue;
          re += ar * bc * yb.re[a * m + b];
          im += ar * bc * yb.im[a * m + b];
        }
      }
      y1.re[r * nw + c] = re;
      y1.im[r * nw + c] = im;
    }
  }
  // no-load shunt on winding 2 ("closest to the core")
  const nlRe = s.noLoadLossPct / 100 / zBase;
  const nlIm = -s.imagPct / 100 / zBase;

  // terminal matrix (2N × 2N): winding k's ends 2k (+) and 2k+1 (−)
  const nt = 2 * nw;
  const yt = scratchMatrix(nt, 3);
  const scale = (w: number): number => 1 / (vbase[w] * (s.windings[w].tap === 0 ? 0.0001 : s.windings[w].tap));
  for (let i = 0; i < nt; i++) {
    const wi = i >> 1;
    const si = (i & 1 ? -1 : 1) * scale(wi);
    for (let j = 0; j < nt; j++) {
      const wj = j >> 1;
      const sj = (j & 1 ? -1 : 1) * scale(wj);
      let re = y1.re[wi * nw + wj];
      let im = y1.im[wi * nw + wj];
      if (wi === 1 && wj === 1) {
        re += nlRe;
        im += nlIm;
      }
      yt.re[i * nt + j] = re * si * sj;
      yt.im[i * nt + j] = im * si * sj;
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
  const rotate = (p: number): number => {
    let q = p + dir;
    if (np > 2) {
      if (q > np - 1) q = 0;
      if (q < 0) q = np - 1;
    } else if (q < 0) q = 2;
    return q;
  };
  const termRef = (i: number, p: number): number => {
    const w = i >> 1;
    const end = i & 1;
    if (np === 1) return w * nc + (end === 0 ? 0 : nc - 1);
    if (end === 0) return w * nc + p;
    return w * nc + (s.windings[w].conn === 'wye' ? np : rotate(p));
  };

  const order = nw * nc;
  const out = packedMatrix(order);
  for (let p = 0; p < np; p++) {
    for (let i = 0; i < nt; i++) {
      const ti = termRef(i, p);
      for (let j = 0; j < nt; j++) {
        const tj = termRef(j, p);
        out.re[ti * order + tj] += yt.re[i * nt + j];
        out.im[ti * order + tj] += yt.im[i * nt + j];
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
