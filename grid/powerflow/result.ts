/**
 * Power-flow results as a new object (DESIGN rule 3): node voltages, then, computed from them,
 * terminal currents and powers of every element, losses, load and source power, and the power-
 * balance invariant (DESIGN rule 9): power delivered by the sources = power of the loads + losses.
 * Powers: W and var, positive into the element at that terminal.
 */
import { GridError } from '../errors.js';
import type { SolverModel } from './compile.js';
import { type LoadPowers, type SolveStatus, branchCurrent } from './solve.js';

export interface PowerFlowResult extends SolveStatus {
  /** complex node voltages, V (copies; index = system node) */
  readonly vRe: Float64Array;
  readonly vIm: Float64Array;
}

/** Snapshot of a solve. */
export function snapshot(status: SolveStatus, vRe: Float64Array, vIm: Float64Array): PowerFlowResult {
  return { ...status, vRe: Float64Array.from(vRe), vIm: Float64Array.from(vIm) };
}

/** Currents into an element's conductors: I = Yprim·V_terminals (A), re/im per conductor. */
export function elementCurrents(nodes: Int32Array, yRe: Float64Array, yIm: Float64Array, vRe: Float64Array, vIm: Float64Array): { re: Float64Array; im: Float64Array } {
  const m = nodes.length;
  const re = new Float64Array(m);
  const im = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    let sr = 0;
    let si = 0;
    for (let c = 0; c < m; c++) {
      const node = nodes[c];
      if (node < 0) continue;
      const ar = yRe[r * m + c];
      const ai = yIm[r * m + c];
      sr += ar * vRe[node] - ai * vIm[node];
      si += ar * vIm[node] + ai * vRe[node];
    }
    re[r] = sr;
    im[r] = si;
  }
  return { re, im };
}

/** Σ V·conj(I) over conductors, W and var. */
function conductorPower(nodes: Int32Array, iRe: Float64Array, iIm: Float64Array, vRe: Float64Array, vIm: Float64Array, from = 0, to = nodes.length): { p: number; q: number } {
  let p = 0;
  let q = 0;
  for (let k = from; k < to; k++) {
    const node = nodes[k];
    if (node < 0) continue;
    p += vRe[node] * iRe[k] + vIm[node] * iIm[k];
    q += vIm[node] * iRe[k] - vRe[node] * iIm[k];
  }
  return { p, q };
}

/** Power flowing into each terminal of branch `b` (W, var), terminal by terminal. */
export function branchTerminalPowers(m: SolverModel, b: number, vRe: Float64Array, vIm: Float64Array): { p: number; q: number }[] {
  const br = m.network.branches[b];
  const nodes = m.branchNodes[b];
  const i = elementCurrents(nodes, br.y.re, br.y.im, vRe, vIm);
  const out: { p: number; q: number }[] = [];
  let start = 0;
  for (const t of br.terminals) {
    out.push(conductorPower(nodes, i.re, i.im, vRe, vIm, start, start + t.nodes.length));
    start += t.nodes.length;
  }
  return out;
}

/** Power delivered by the sources into the network (W, var); `emfScale` as in PowerFlowState.setSourceScale. */
export function sourcePower(m: SolverModel, vRe: Float64Array, vIm: Float64Array, emfScale = 1): { p: number; q: number } {
  let p = 0;
  let q = 0;
  m.network.sources.forEach((s, k) => {
    const nodes = m.sourceNodes[k];
    const i = elementCurrents(nodes, s.y.re, s.y.im, vRe, vIm);
    // current delivered into the network = Norton injection − Yprim·V
    const np = s.emf.length;
    const mm = nodes.length;
    for (let r = 0; r < mm; r++) {
      let sr = 0;
      let si = 0;
      for (let c = 0; c < np; c++) {
        sr += s.y.re[r * mm + c] * s.emf[c].re - s.y.im[r * mm + c] * s.emf[c].im;
        si += s.y.re[r * mm + c] * s.emf[c].im + s.y.im[r * mm + c] * s.emf[c].re;
      }
      i.re[r] = emfScale * sr - i.re[r];
      i.im[r] = emfScale * si - i.im[r];
    }
    const s1 = conductorPower(nodes, i.re, i.im, vRe, vIm);
    p += s1.p;
    q += s1.q;
  });
  return { p, q };
}

export interface PowerBalance {
  readonly sourceKw: number;
  readonly sourceKvar: number;
  readonly loadKw: number;
  readonly loadKvar: number;
  readonly lossesKw: number;
  readonly lossesKvar: number;
  /** |S_source − S_loads − S_losses|, kVA */
  readonly mismatchKva: number;
  /** Σ |S| of every load branch (consumption and generation alike) and the sources, kVA */
  readonly grossKva: number;
  /** Σ |V·I| of every branch conductor: the size of the terms the losses are summed from, kVA */
  readonly termsKva: number;
  /** |S_source − S_loads − S_losses| / max(|S_source|, 1 VA) */
  readonly relativeMismatch: number;
  /** base |S| of every load of the feeder, kVA (the feeder's size, for the absolute floor) */
  readonly feederKva: number;
}

/** Power balance of a solution (for repeated use in a loop, keep one `GridMeter`). */
export function powerBalance(m: SolverModel, vRe: Float64Array, vIm: Float64Array, powers: LoadPowers): PowerBalance {
  return new GridMeter(m).measure(vRe, vIm, powers);
}

/**
 * How far the balance of a converged solution may be off, kVA. The fixed-point iteration stops when
 * no node voltage changes by more than `tol` (per unit); the load currents it used then differ from
 * those at the final voltages by at most |S_i|·tol/v_i per load (v_i ≥ vlowpu = 0.5 pu on the
 * constant-power branch of a load model, below it loads are linear), and each such current
 * difference is a nodal current residual that shows up once in source − loads − losses. So the
 * mismatch is bounded by Σ|S_i|·tol/0.5; the check allows twice that (4·tol·Σ|S|) against the
 * ordering of the Gauss-Seidel sweep. Rounding adds two floors that do not depend on the source
 * power, so that a balance near zero (batteries supplying the whole feeder) is not judged relative
 * to it: 1e-8 of the branch terms the losses are summed from (measured: ≤ 2.5e-9 on the OpenDSS
 * test feeders solved to 1e-12) and 1e-7 of the feeder's base load.
 */
export function powerBalanceLimitKva(b: PowerBalance, solveTolerance: number): number {
  return 4 * solveTolerance * b.grossKva + 1e-8 * b.termsKva + 1e-7 * b.feederKva;
}

/**
 * Throws when a converged solution violates the power balance by more than the solve tolerance
 * explains (`powerBalanceLimitKva`). `solveTolerance` is the tolerance the solve stopped at (per
 * unit voltage change).
 */
export function checkPowerBalance(b: PowerBalance, solveTolerance: number): void {
  const limit = powerBalanceLimitKva(b, solveTolerance);
  if (!(b.mismatchKva <= limit)) {
    throw new GridError(
      `power balance violated: source − loads − losses is ${b.mismatchKva.toExponential(3)} kVA (${b.relativeMismatch.toExponential(2)} of the source power), more than the ${limit.toExponential(3)} kVA a solve to tolerance ${solveTolerance} explains`,
    );
  }
}

/**
 * Allocation-free meter for the hot loop of a time series: one pass over every branch's Yprim gives
 * the largest conductor current of each branch (A) and the losses; with the source and load powers
 * it checks the power balance: source power = loads + losses.
 */
export class GridMeter {
  /** largest conductor current magnitude of each branch at the last `measure`, A */
  readonly maxAmps: Float64Array;
  private readonly cur = new Float64Array(2);
  private readonly feederKva: number;
  // every branch's Yprim and nodes packed once into flat arrays (branch b: nodes[nodeAt[b]…nodeAt[b+1]),
  // its n×n matrix from yAt[b]): the per-sub-step pass reads typed arrays only, never the branch
  // objects, whose shapes differ by element class (lines, transformers, switches)
  private readonly nodeAt: Int32Array;
  private readonly nodes: Int32Array;
  private readonly yAt: Int32Array;
  private readonly yRe: Float64Array;
  private readonly yIm: Float64Array;

  constructor(private readonly model: SolverModel) {
    this.feederKva = model.network.loads.reduce((sum, l) => sum + Math.hypot(l.kW, l.kvar), 0);
    const branches = model.network.branches;
    this.maxAmps = new Float64Array(branches.length);
    this.nodeAt = new Int32Array(branches.length + 1);
    this.yAt = new Int32Array(branches.length + 1);
    for (let b = 0; b < branches.length; b++) {
      const n = model.branchNodes[b].length;
      this.nodeAt[b + 1] = this.nodeAt[b] + n;
      this.yAt[b + 1] = this.yAt[b] + n * n;
    }
    this.nodes = new Int32Array(this.nodeAt[branches.length]);
    this.yRe = new Float64Array(this.yAt[branches.length]);
    this.yIm = new Float64Array(this.yAt[branches.length]);
    for (let b = 0; b < branches.length; b++) {
      const n = model.branchNodes[b].length;
      this.nodes.set(model.branchNodes[b], this.nodeAt[b]);
      this.yRe.set(branches[b].y.re.subarray(0, n * n), this.yAt[b]);
      this.yIm.set(branches[b].y.im.subarray(0, n * n), this.yAt[b]);
    }
  }

  /** Measures a solution; returns its power balance (kW, kvar, relative mismatch). */
  measure(vRe: Float64Array, vIm: Float64Array, powers: LoadPowers, emfScale = 1): PowerBalance {
    const m = this.model;
    let lossP = 0;
    let lossQ = 0;
    let termsVa = 0;
    const branches = m.network.branches;
    const { nodeAt, yAt, yRe, yIm } = this;
    const flatNodes = this.nodes;
    const jumpers = m.jumpers;
    for (let b = 0; b < branches.length; b++) {
      const n0 = nodeAt[b];
      const n = nodeAt[b + 1] - n0;
      const y0 = yAt[b];
      const jumper = jumpers[b] === 1;
      let mx = 0;
      for (let r = 0; r < n; r++) {
        let sr = 0;
        let si = 0;
        const row = y0 + r * n;
        for (let c = 0; c < n; c++) {
          const k = flatNodes[n0 + c];
          if (k < 0) continue;
          const ar = yRe[row + c];
          const ai = yIm[row + c];
          sr += ar * vRe[k] - ai * vIm[k];
          si += ar * vIm[k] + ai * vRe[k];
        }
        const mag = Math.sqrt(sr * sr + si * si);
        if (mag > mx) mx = mag;
        const k = flatNodes[n0 + r];
        if (k >= 0 && !jumper) {
          lossP += vRe[k] * sr + vIm[k] * si;
          lossQ += vIm[k] * sr - vRe[k] * si;
          termsVa += mag * Math.sqrt(vRe[k] * vRe[k] + vIm[k] * vIm[k]);
        }
      }
      this.maxAmps[b] = mx;
      const sh = jumper ? branches[b].shuntEnd : undefined;
      if (sh) {
        const nodes = m.branchNodes[b];
        // a merged jumper has no voltage across it: its only power is its capacitance's (series
        // terms of 1e10 S would cancel to rounding noise)
        const q = sh.n;
        for (let r = 0; r < n; r++) {
          const k = nodes[r];
          if (k < 0) continue;
          const off = r < q ? 0 : q;
          let sr = 0;
          let si = 0;
          for (let c = 0; c < q; c++) {
            const kc = nodes[off + c];
            if (kc < 0) continue;
            const ar = sh.re[(r - off) * q + c];
            const ai = sh.im[(r - off) * q + c];
            sr += ar * vRe[kc] - ai * vIm[kc];
            si += ar * vIm[kc] + ai * vRe[kc];
          }
          lossP += vRe[k] * sr + vIm[k] * si;
          lossQ += vIm[k] * sr - vRe[k] * si;
        }
      }
    }
    let loadP = 0;
    let loadQ = 0;
    let grossVa = 0;
    for (let k = 0; k < m.nBr; k++) {
      const a = m.brA[k];
      const bb = m.brB[k];
      const vr = (a >= 0 ? vRe[a] : 0) - (bb >= 0 ? vRe[bb] : 0);
      const vi = (a >= 0 ? vIm[a] : 0) - (bb >= 0 ? vIm[bb] : 0);
      branchCurrent(m, k, vr, vi, powers.pW[k], powers.qVar[k], this.cur);
      const pk = vr * this.cur[0] + vi * this.cur[1];
      const qk = vi * this.cur[0] - vr * this.cur[1];
      loadP += pk;
      loadQ += qk;
      grossVa += Math.sqrt(pk * pk + qk * qk);
    }
    const src = sourcePower(m, vRe, vIm, emfScale);
    const dp = src.p - loadP - lossP;
    const dq = src.q - loadQ - lossQ;
    return {
      sourceKw: src.p / 1000,
      sourceKvar: src.q / 1000,
      loadKw: loadP / 1000,
      loadKvar: loadQ / 1000,
      lossesKw: lossP / 1000,
      lossesKvar: lossQ / 1000,
      mismatchKva: Math.hypot(dp, dq) / 1000,
      grossKva: (grossVa + Math.hypot(src.p, src.q)) / 1000,
      termsKva: termsVa / 1000,
      relativeMismatch: Math.hypot(dp, dq) / Math.max(Math.hypot(src.p, src.q), 1),
      feederKva: this.feederKva,
    };
  }
}
