/**
 * The power flow: a fixed-point (current-injection) iteration V = V0 − Z·I_load(V), the method of
 * OpenDSS's "Normal" solution, with the load-branch voltages as its only unknowns (the network is
 * linear elsewhere): Gauss-Seidel through the dense reduced impedance matrix when the model has one
 * (method 'dense'), else the same map applied through the sparse LU over the reach of the load rows,
 * Anderson-accelerated (method 'sparse'). Either way one more substitution recovers every node.
 * Load currents follow OpenDSS's voltage models exactly (Load.pas: DoConstantPQLoad,
 * DoConstantZLoad, DoMotorTypeLoad, DoConstantILoad). Each solve can warm-start from the previous
 * one; the iteration allocates nothing.
 *
 * Sign convention (grid layer, DESIGN rule 2): load power consumed is positive (W, var);
 * generation entered as a load is negative.
 */
import { Anderson } from './anderson.js';
import { BR_PCE_FIXED_Q, BR_PCE_FIXED_QZ, BR_PCE_PQ, BR_PCE_PQ_ANY_V, BR_PCE_PQ_CAP, BR_PCE_PQ_ILIMIT, BR_PCE_GEN7, BR_PCE_Z, type SolverModel } from './compile.js';
import { type PceRuntime, newPceRuntime, setPcePowersAt } from './pce-power.js';
import { solveVoltageControlledGenerators } from './pv-generators.js';
import { expandChains } from './series-chains.js';
import type { Load } from '../model/network.js';

export interface SolveOptions {
  /** convergence tolerance on the largest voltage change, per unit of the node's voltage scale */
  readonly tolerance?: number;
  readonly maxIterations?: number;
  /**
   * Anderson acceleration of the sparse method's iteration (default true; see anderson.ts). The
   * stopping rule and the fixed point are those of the plain iteration either way.
   */
  readonly accelerate?: boolean;
}

/** Columns of history kept by the Anderson acceleration of the sparse method. */
export const ANDERSON_DEPTH = 5;

/**
 * A warm-started sparse solve takes plain steps while each contracts the change by at least this
 * factor, and Anderson's from the first that does not (see `iterateSparse`).
 */
export const PLAIN_CONTRACTION = 0.25;

/** Per-load-branch power for one solve: W and var per phase. */
export interface LoadPowers {
  readonly pW: Float64Array;
  readonly qVar: Float64Array;
  /** state the power conversion elements carry between solves (see pce-power.ts) */
  readonly pce?: PceRuntime;
}

export interface SolveStatus {
  readonly converged: boolean;
  readonly iterations: number;
  /** largest voltage change of the last iteration, per unit */
  readonly lastChangePu: number;
}

/** Working state of a solver: node voltages (V) and scratch arrays, reused across solves. */
export class PowerFlowState {
  readonly vRe: Float64Array;
  readonly vIm: Float64Array;
  private readonly rIcRe: Float64Array;
  private readonly rIcIm: Float64Array;
  private readonly tRe: Float64Array;
  private readonly tIm: Float64Array;
  /** load-branch voltages and compensation currents of the reduced iteration */
  private readonly bvRe: Float64Array;
  private readonly bvIm: Float64Array;
  private readonly biIc: Float64Array;
  private warm = false;
  /** factor on every source's EMF (1: as compiled); an ideal regulator moves it (regulate.ts) */
  private emf = 1;
  private inGeneratorLoop = false;
  /** the sparse iteration's iterate and map value, scaled by the branch scale, interleaved re/im */
  private readonly xS: Float64Array;
  private readonly gS: Float64Array;
  private readonly anderson: Anderson;

  constructor(readonly model: SolverModel) {
    const n = model.nNodes;
    this.vRe = Float64Array.from(model.v0Re);
    this.vIm = Float64Array.from(model.v0Im);
    const r = model.reduced ? model.reduced.nodes.length : 0;
    this.rIcRe = new Float64Array(r);
    this.rIcIm = new Float64Array(r);
    this.tRe = new Float64Array(n);
    this.tIm = new Float64Array(n);
    this.bvRe = new Float64Array(model.nBr);
    this.bvIm = new Float64Array(model.nBr);
    this.biIc = new Float64Array(2 * model.nBr);
    this.xS = new Float64Array(2 * model.nBr);
    this.gS = new Float64Array(2 * model.nBr);
    this.anderson = new Anderson(2 * model.nBr, ANDERSON_DEPTH);
  }

  /**
   * The next solve starts from these node voltages (V, by system node; the same numbering, e.g. the
   * last solution of the model before a control changed it), as OpenDSS continues after a control
   * action.
   */
  startFrom(vRe: Float64Array, vIm: Float64Array): void {
    this.vRe.set(vRe);
    this.vIm.set(vIm);
    this.warm = true;
  }

  /** Forgets the previous solution: the next solve starts from the no-load voltages. */
  coldStart(): void {
    this.setNoLoad();
    this.warm = false;
  }

  /** The factor applied to every source's EMF (and so to the no-load voltages, which are linear in it). */
  get sourceScale(): number {
    return this.emf;
  }

  /** Scales every source's EMF by `a` (> 0) for the following solves; the warm start is kept. */
  setSourceScale(a: number): void {
    if (!(a > 0 && Number.isFinite(a))) throw new RangeError(`source scale must be a positive number, got ${a}`);
    this.emf = a;
  }

  private setNoLoad(): void {
    const a = this.emf;
    for (let k = 0; k < this.vRe.length; k++) {
      this.vRe[k] = a * this.model.v0Re[k];
      this.vIm[k] = a * this.model.v0Im[k];
    }
  }

  /**
   * Solves for the given load powers, starting from the last solution. Returns the status; the
   * voltages are in `vRe`/`vIm`. Never produces NaN: a diverging iteration stops with converged =
   * false and the last finite voltages.
   */
  solve(powers: LoadPowers, options: SolveOptions = {}): SolveStatus {
    const tol = options.tolerance ?? 1e-10;
    const maxIt = options.maxIterations ?? 100;
    const m = this.model;
    const red = m.reduced;
    if (!this.warm) this.setNoLoad();
    let status: SolveStatus;
    // start from the present branch voltages
    for (let k = 0; k < m.nBr; k++) {
      const a = m.brA[k];
      const b = m.brB[k];
      this.bvRe[k] = (a >= 0 ? this.vRe[a] : 0) - (b >= 0 ? this.vRe[b] : 0);
      this.bvIm[k] = (a >= 0 ? this.vIm[a] : 0) - (b >= 0 ? this.vIm[b] : 0);
    }
    if (red) {
      status = this.iterateReduced(powers, tol, maxIt);
      if (Number.isFinite(status.lastChangePu)) {
        // every node: V = V0 − Y⁻¹·Ic, Ic from the final branch voltages, gathered at the load nodes
        // (also when not converged: the last finite iterate, for the caller to report)
        this.rIcRe.fill(0);
        this.rIcIm.fill(0);
        for (let k = 0; k < m.nBr; k++) {
          compensationAt(m, k, this.bvRe[k], this.bvIm[k], powers, scratch);
          const a = red.brA[k];
          const b = red.brB[k];
          if (a >= 0) {
            this.rIcRe[a] += scratch[0];
            this.rIcIm[a] += scratch[1];
          }
          if (b >= 0) {
            this.rIcRe[b] -= scratch[0];
            this.rIcIm[b] -= scratch[1];
          }
        }
        m.lu.solveSparse(red.luNodes, this.rIcRe, this.rIcIm, red.reachRows, this.tRe, this.tIm);
        this.setKept(this.tRe, this.tIm);
      }
    } else {
      status = this.iterateSparse(powers, tol, maxIt, options.accelerate ?? true);
    }
    this.warm = status.converged;
    if (status.converged && m.pvGenerators.length > 0 && !this.inGeneratorLoop) {
      // model-3 generators: adjust their kvar until each holds its voltage (outer loop, re-solving)
      this.inGeneratorLoop = true;
      try {
        return solveVoltageControlledGenerators(this, powers, options, status);
      } finally {
        this.inGeneratorLoop = false;
      }
    }
    return status;
  }

  /**
   * Z-bus Gauss-Seidel on the load-branch voltages: each branch voltage is updated from the latest
   * currents, and that branch's current is refreshed at once. It converges to the same fixed point as
   * the Jacobi form in fewer sweeps; the order is fixed, so results are deterministic.
   */
  private iterateReduced(powers: LoadPowers, tol: number, maxIt: number): SolveStatus {
    const m = this.model;
    const red = m.reduced!;
    const nb = m.nBr;
    const z = red.z;
    const vr = this.bvRe;
    const vi = this.bvIm;
    // the branch currents interleaved re/im, as the rows of Z
    const ic = this.biIc;
    const v0r = red.v0Re;
    const v0i = red.v0Im;
    const scale = red.scale;
    const a = this.emf;
    for (let k = 0; k < nb; k++) {
      compensationAt(m, k, vr[k], vi[k], powers, scratch);
      ic[2 * k] = scratch[0];
      ic[2 * k + 1] = scratch[1];
    }
    let change = Infinity;
    for (let it = 1; it <= maxIt; it++) {
      change = 0;
      for (let row = 0; row < nb; row++) {
        let sr = 0;
        let si = 0;
        const base = 2 * row * nb;
        for (let c = 0; c < nb; c++) {
          const ar = z[base + 2 * c];
          const ai = z[base + 2 * c + 1];
          const br = ic[2 * c];
          const bi = ic[2 * c + 1];
          sr += ar * br - ai * bi;
          si += ar * bi + ai * br;
        }
        const nr = a * v0r[row] - sr;
        const ni = a * v0i[row] - si;
        if (!(Math.abs(nr) < 1e12 && Math.abs(ni) < 1e12)) return { converged: false, iterations: it, lastChangePu: Infinity };
        const dr = nr - vr[row];
        const di = ni - vi[row];
        const d = Math.sqrt(dr * dr + di * di) / scale[row];
        if (d > change) change = d;
        vr[row] = nr;
        vi[row] = ni;
        compensationAt(m, row, nr, ni, powers, scratch);
        ic[2 * row] = scratch[0];
        ic[2 * row + 1] = scratch[1];
      }
      if (change < tol) return { converged: true, iterations: it, lastChangePu: change };
    }
    return { converged: false, iterations: maxIt, lastChangePu: change };
  }

  /** V = V0 − x at every node with a matrix row (x by row), then the chain interiors. */
  private setKept(xRe: Float64Array, xIm: Float64Array): void {
    const m = this.model;
    const nodes = m.matrixNodes;
    const map = m.nodeMap;
    for (let i = 0; i < nodes.length; i++) {
      const k = nodes[i];
      this.vRe[k] = this.emf * m.v0Re[k] - xRe[map[k]];
      this.vIm[k] = this.emf * m.v0Im[k] - xIm[map[k]];
    }
    expandChains(m.chains, this.vRe, this.vIm);
  }

  /**
   * The fixed point of `iterateReduced` through the sparse LU (method 'sparse'): each iteration
   * scatters the compensation currents of the present branch voltages into the compact work vector
   * of the reach of the load rows and substitutes forward and back over it (ReachSubstitution);
   * the map's value is g = v0 − (w_a − w_b). It stops when the largest |g − v| (per unit of the
   * branch scale) is below the tolerance, with v = g; otherwise the next v is g, or with
   * `accelerate` Anderson's combination of the last map values (on a warm start only once the
   * plain steps stop contracting fast, see PLAIN_CONTRACTION). At the end (converged or not) every
   * node voltage is recovered from the last map value (`recoverSparse`). Allocates nothing.
   */
  private iterateSparse(powers: LoadPowers, tol: number, maxIt: number, accelerate: boolean): SolveStatus {
    const m = this.model;
    const sp = m.branchSpace;
    const reach = sp.reach;
    const lu = m.lu;
    const low = m.lowRank;
    // with a low-rank correction the iteration works on the LU's full work vector (posA/posB are
    // then 2 × the full rows, incremental.ts), else on the reach's compact one
    const w = low ? lu.work : reach.work;
    const nb = m.nBr;
    const posA = sp.posA;
    const posB = sp.posB;
    const v0r = sp.v0Re;
    const v0i = sp.v0Im;
    const scale = sp.scale;
    const vr = this.bvRe;
    const vi = this.bvIm;
    const x = this.xS;
    const g = this.gS;
    const emf = this.emf;
    for (let k = 0; k < nb; k++) {
      x[2 * k] = vr[k] / scale[k];
      x[2 * k + 1] = vi[k] / scale[k];
    }
    // a warm start (the next step of a series) keeps the secant history of the last solve, and
    // takes plain steps while they contract fast: from the last solution the iteration mostly
    // removes local errors (a load's own service drop), which the plain map damps by ~10× a
    // step; the acceleration, whose step costs about one iteration, pays only on slow modes
    // (a cold start on a heavily loaded feeder). Until then each point is recorded for it.
    let plain = this.warm;
    let lastChange = Infinity;
    if (this.warm) this.anderson.restart();
    else this.anderson.reset();
    const pqLo2 = sp.pqLo2;
    const pqHi2 = sp.pqHi2;
    const pqZ = sp.pqZ;
    const pW = powers.pW;
    const qVar = powers.qVar;
    let change = Infinity;
    for (let it = 1; it <= maxIt; it++) {
      w.fill(0);
      for (let k = 0; k < nb; k++) {
        const br = x[2 * k] * scale[k];
        const bi = x[2 * k + 1] * scale[k];
        const d = br * br + bi * bi;
        let cr: number;
        let ci: number;
        if (d > pqLo2[k] && d <= pqHi2[k]) {
          // the common case inline: a constant-power load inside its band, I = conj(S / V)
          // (branchCurrent's first model-1 case; nothing of it is in Y)
          const p = pW[k];
          const q = qVar[k];
          cr = (p * br + q * bi) / d;
          ci = (p * bi - q * br) / d;
        } else if (d > pqHi2[k]) {
          // the next (a lightly loaded feeder): above vmaxpu, the impedance of S at vmaxpu,
          // I = (p − jq)·v / (vmaxpu·Vbase)²
          const p = pW[k] * pqZ[k];
          const q = qVar[k] * pqZ[k];
          cr = p * br + q * bi;
          ci = p * bi - q * br;
        } else {
          compensationAt(m, k, br, bi, powers, scratch);
          cr = scratch[0];
          ci = scratch[1];
        }
        const a = posA[k];
        const b = posB[k];
        if (a >= 0) {
          w[a] += cr;
          w[a + 1] += ci;
        }
        if (b >= 0) {
          w[b] -= cr;
          w[b + 1] -= ci;
        }
      }
      if (low) {
        // a control changed some elements since the factorisation: the substitution over the
        // full work vector, with their low-rank correction of the forward-substituted vector
        // (incremental.ts) before the back substitution
        lu.forward(sp.reachRows);
        low.correct(lu);
        lu.backwardRows(sp.reachRows);
      } else reach.solve();
      change = 0;
      for (let k = 0; k < nb; k++) {
        const a = posA[k];
        const b = posB[k];
        const nr = emf * v0r[k] - ((a >= 0 ? w[a] : 0) - (b >= 0 ? w[b] : 0));
        const ni = emf * v0i[k] - ((a >= 0 ? w[a + 1] : 0) - (b >= 0 ? w[b + 1] : 0));
        if (!(Math.abs(nr) < 1e12 && Math.abs(ni) < 1e12)) return { converged: false, iterations: it, lastChangePu: Infinity };
        const gr = nr / scale[k];
        const gi = ni / scale[k];
        const dr = gr - x[2 * k];
        const di = gi - x[2 * k + 1];
        const d2 = dr * dr + di * di;
        if (d2 > change) change = d2;
        g[2 * k] = gr;
        g[2 * k + 1] = gi;
      }
      change = Math.sqrt(change);
      if (change < tol) {
        this.recoverSparse();
        return { converged: true, iterations: it, lastChangePu: change };
      }
      if (it === maxIt) break;
      if (plain && it > 1 && change > PLAIN_CONTRACTION * lastChange) plain = false;
      lastChange = change;
      if (accelerate && !plain) {
        this.anderson.next(x, g);
      } else {
        if (accelerate) this.anderson.record(x, g);
        x.set(g);
      }
    }
    // not converged: every node at the last map value (finite), for the caller to report
    this.recoverSparse();
    return { converged: false, iterations: maxIt, lastChangePu: change };
  }

  /**
   * After an iteration of `iterateSparse`: the branch voltages are its map value g, and every node
   * V = V0 − w once the back substitution is completed over the rows outside the reach (zero after
   * forward; they depend only on the finished reach rows and on each other, higher rows first).
   */
  private recoverSparse(): void {
    const m = this.model;
    const sp = m.branchSpace;
    const w = m.lu.work;
    const g = this.gS;
    const bvRe = this.bvRe;
    const bvIm = this.bvIm;
    const scale = sp.scale;
    for (let k = 0; k < m.nBr; k++) {
      bvRe[k] = g[2 * k] * scale[k];
      bvIm[k] = g[2 * k + 1] * scale[k];
    }
    if (m.lowRank) {
      // the full vector holds the corrected reach rows; the others are zero after the forward
      m.lu.backwardRows(sp.restRows);
    } else {
      sp.reach.storeInto(w);
      m.lu.backwardRowsFromZero(sp.restRows);
    }
    const nodes = m.matrixNodes;
    const nodeRow = sp.nodeRow;
    // fields in locals: stores into the typed arrays would otherwise reload them every node
    const vRe = this.vRe;
    const vIm = this.vIm;
    const v0Re = m.v0Re;
    const v0Im = m.v0Im;
    const emf = this.emf;
    for (let i = 0; i < nodes.length; i++) {
      const k = nodes[i];
      const r = 2 * nodeRow[k];
      vRe[k] = emf * v0Re[k] - w[r];
      vIm[k] = emf * v0Im[k] - w[r + 1];
    }
    expandChains(m.chains, vRe, vIm);
  }
}

/**
 * Current drawn by one load branch (A, flowing from end a through the load to end b) at branch
 * voltage v = Va − Vb, per OpenDSS's load models (Load.pas: DoConstantPQLoad, DoConstantZLoad,
 * DoMotorTypeLoad, DoCVRModel, DoConstantILoad, DoFixedQ, DoFixedQZ, DoZIPVModel), `p`/`q` the
 * branch's present power (W, var; OpenDSS's WNominal/varNominal). Writes into `out[0..1]`.
 */
export function branchCurrent(m: SolverModel, k: number, vr: number, vi: number, p: number, q: number, out: Float64Array): void {
  const vbase = m.brVBase[k];
  const v2 = vbase * vbase;
  // Yeq at the present power (OpenDSS SetNominalLoad)
  const yr = p / v2;
  const yi = -q / v2;
  const model = m.brModel[k];
  if (model === BR_PCE_PQ_ILIMIT || model === BR_PCE_GEN7) {
    // current-limited inverter: below Vminpu the current keeps |S|/(Vminpu·Vbase), I =
    // conj(S)·(V/|V|)/(Vminpu·Vbase) (OpenDSS DoConstantPQPVsystemObj). Generator model 7
    // (DoCurrentLimitedPQ) computes its limit from conj(S), so once limited its reactive current
    // has the opposite sign, I = S·(V/|V|)/(Vminpu·Vbase): OpenDSS's behaviour, measured against it
    const vmag = Math.sqrt(vr * vr + vi * vi);
    const lim = m.brVminPu[k] * vbase;
    if (vmag < lim) {
      const ur = vr / vmag;
      const ui = vi / vmag;
      const qs = model === BR_PCE_GEN7 ? -q : q;
      out[0] = (p * ur + qs * ui) / lim;
      out[1] = (p * ui - qs * ur) / lim;
    } else {
      const d = vmag * vmag;
      out[0] = (p * vr + q * vi) / d;
      out[1] = (p * vi - q * vr) / d;
    }
    return;
  }
  if (model === BR_PCE_PQ || model === BR_PCE_PQ_ANY_V || model === BR_PCE_PQ_CAP) {
    // power conversion element (p, q ≤ 0 when generating): constant PQ, and for BR_PCE_PQ a
    // constant impedance at its Vminpu/Vmaxpu power outside that band (OpenDSS DoConstantPQGen)
    const d = vr * vr + vi * vi;
    if (model !== BR_PCE_PQ_ANY_V) {
      const vmag = Math.sqrt(d);
      const lo = m.brVminPu[k];
      const hi = m.brVmaxPu[k];
      if (vmag <= lo * vbase || vmag > hi * vbase) {
        const pu = vmag <= lo * vbase ? lo : hi;
        const f = (pu !== 0 ? 1 / (pu * pu) : 1) * m.brZScale[k];
        out[0] = f * (yr * vr - yi * vi);
        out[1] = f * (yr * vi + yi * vr);
      } else {
        out[0] = (p * vr + q * vi) / d;
        out[1] = (p * vi - q * vr) / d;
      }
      if (model === BR_PCE_PQ_CAP) {
        // Storage LimitCurrent (DoConstantPQStorageObj): that current, capped at |S|/(Vminpu·Vbase)
        // at the power factor angle
        const lim = m.brVminPu[k] * vbase;
        const cap = Math.sqrt(p * p + q * q) / lim;
        if (Math.hypot(out[0], out[1]) > cap) {
          out[0] = (p * vr + q * vi) / (vmag * lim);
          out[1] = (p * vi - q * vr) / (vmag * lim);
        }
      }
      return;
    }
    out[0] = (p * vr + q * vi) / d;
    out[1] = (p * vi - q * vr) / d;
    return;
  }
  if (model === BR_PCE_Z) {
    // model 2 of a power conversion element: Yeq at the present power (OpenDSS DoConstantZGen)
    const zs = m.brZScale[k];
    out[0] = zs * (yr * vr - yi * vi);
    out[1] = zs * (yr * vi + yi * vr);
    return;
  }
  if (model === BR_PCE_FIXED_Q || model === BR_PCE_FIXED_QZ) {
    // generator models 4 and 5 (DoFixedQGen, DoFixedQZGen): the base var `qf` stays fixed as a
    // constant Q (4) or as the susceptance it gives at base voltage (5); outside Vminpu…Vmaxpu the
    // P part becomes the conductance at the band-edge power, the Q part that base susceptance
    const zs = m.brZScale[k];
    const qf = m.brQFixed[k];
    const bq = (-qf / v2) * zs;
    const d = vr * vr + vi * vi;
    const vmag = Math.sqrt(d);
    const lo = m.brVminPu[k];
    const hi = m.brVmaxPu[k];
    if (vmag <= lo * vbase || vmag > hi * vbase) {
      const pu = vmag <= lo * vbase ? lo : hi;
      const g = (pu !== 0 ? yr / (pu * pu) : yr) * zs;
      out[0] = g * vr - bq * vi;
      out[1] = g * vi + bq * vr;
    } else if (model === BR_PCE_FIXED_Q) {
      out[0] = (p * vr + qf * vi) / d;
      out[1] = (p * vi - qf * vr) / d;
    } else {
      out[0] = (p * vr) / d - bq * vi;
      out[1] = (p * vi) / d + bq * vr;
    }
    return;
  }
  if (model === 2) {
    out[0] = yr * vr - yi * vi;
    out[1] = yr * vi + yi * vr;
    return;
  }
  const d = vr * vr + vi * vi;
  const vmag = Math.sqrt(d);
  const vmin = m.brVminPu[k];
  const vmax = m.brVmaxPu[k];
  const v95 = vmin * vbase;
  const v105 = vmax * vbase;
  if (model === 1 && vmag > v95 && vmag <= v105) {
    // the common case first: constant PQ inside its band, I = conj(S / V)
    out[0] = (p * vr + q * vi) / d;
    out[1] = (p * vi - q * vr) / d;
    return;
  }
  if (model === 1 && vmag > v105) {
    // the next most common (a lightly loaded feeder): above vmaxpu, the impedance of S at vmaxpu
    const f = vmax !== 0 ? 1 / (vmax * vmax) : 1;
    const zr = yr * f;
    const zi = yi * f;
    out[0] = zr * vr - zi * vi;
    out[1] = zr * vi + zi * vr;
    return;
  }
  const vLow = m.brVlowPu[k] * vbase;
  // fixed reactance of models 6 and 7 (OpenDSS YQFixed), from the base kvar
  const yqf = -m.brQFixed[k] / v2;
  let gr: number;
  let gi: number;
  if (vmag <= vLow) {
    gr = yr;
    gi = yi;
  } else if (vmag <= v95) {
    if (model === 6 || model === 7) {
      gr = vmin !== 0 ? yr / (vmin * vmin) : 0;
      gi = yqf;
    } else if (model === 8) {
      const z = k * 7;
      const zip = m.brZip;
      interpolated(yr, yi, vmag, vLow, v95, vmin, vbase, false, out);
      const pr = out[0];
      const pi = out[1];
      interpolated(yr, yi, vmag, vLow, v95, vmin, vbase, true, out);
      gr = yr * zip[z] + pr * zip[z + 2] + out[0] * zip[z + 1];
      gi = yi * zip[z + 3] + pi * zip[z + 5] + out[1] * zip[z + 4];
    } else {
      interpolated(yr, yi, vmag, vLow, v95, vmin, vbase, model === 5, out);
      gr = out[0];
      gi = out[1];
    }
  } else if (vmag > v105) {
    const f2 = vmax !== 0 ? 1 / (vmax * vmax) : 1;
    const f1 = vmax !== 0 ? 1 / vmax : 1;
    if (model === 6 || model === 7) {
      gr = yr * f2;
      gi = yqf;
    } else if (model === 8) {
      const z = k * 7;
      const zip = m.brZip;
      gr = yr * (zip[z] + zip[z + 2] * f2 + zip[z + 1] * f1);
      gi = yi * (zip[z + 3] + zip[z + 5] * f2 + zip[z + 4] * f1);
    } else {
      const f = model === 5 ? f1 : f2;
      gr = yr * f;
      gi = yi * f;
    }
  } else {
    if (model === 1) {
      // I = conj(S / V)
      out[0] = (p * vr + q * vi) / d;
      out[1] = (p * vi - q * vr) / d;
    } else if (model === 3 || model === 7) {
      // constant P plus a constant reactance (3: of the present Q; 7: of the base Q)
      const b = model === 3 ? yi : yqf;
      out[0] = (p * vr) / d - b * vi;
      out[1] = (p * vi) / d + b * vr;
    } else if (model === 4) {
      // CVR: P × (V/Vbase)^CVRwatts, Q × (V/Vbase)^CVRvars (2: a constant reactance)
      const ratio = vmag / vbase;
      const cw = m.brCvrW[k];
      const cq = m.brCvrQ[k];
      const wf = cw !== 1 ? ratio ** cw : ratio;
      const pw = wf > 0 ? p * wf : 0;
      out[0] = (pw * vr) / d;
      out[1] = (pw * vi) / d;
      if (cq === 2) {
        out[0] -= yi * vi;
        out[1] += yi * vr;
      } else {
        const qv = q * (cq === 3 ? ratio * ratio * ratio : ratio ** cq);
        out[0] += (qv * vi) / d;
        out[1] -= (qv * vr) / d;
      }
    } else if (model === 5) {
      // constant |I| = |S| / Vbase at the voltage's angle
      const ur = vr / vmag;
      const ui = vi / vmag;
      out[0] = (p * ur + q * ui) / vbase;
      out[1] = (p * ui - q * ur) / vbase;
    } else if (model === 6) {
      // constant P, Q fixed at its base value
      const qf = m.brQFixed[k];
      out[0] = (p * vr + qf * vi) / d;
      out[1] = (p * vi - qf * vr) / d;
    } else {
      // ZIPV: constant-Z, constant-|I| and constant-power parts of P and of Q
      const z = k * 7;
      const zip = m.brZip;
      const ur = vr / vmag;
      const ui = vi / vmag;
      const pI = p * zip[z + 1];
      const qI = q * zip[z + 4];
      const pP = p * zip[z + 2];
      const qP = q * zip[z + 5];
      out[0] = yr * zip[z] * vr - yi * zip[z + 3] * vi + (pI * ur + qI * ui) / vbase + (pP * vr + qP * vi) / d;
      out[1] = yr * zip[z] * vi + yi * zip[z + 3] * vr + (pI * ui - qI * ur) / vbase + (pP * vi - qP * vr) / d;
    }
    if (model === 8) zipCutoff(m, k, vmag / vbase, out);
    return;
  }
  out[0] = gr * vr - gi * vi;
  out[1] = gr * vi + gi * vr;
  if (model === 8) zipCutoff(m, k, vmag / vbase, out);
}

/**
 * OpenDSS InterpolateY95_YLow (constant |I|: InterpolateY95I_YLow): the admittance that moves the
 * current linearly from the constant-Z current at vLow to the model's current at v95. Writes out.
 */
function interpolated(yr: number, yi: number, vmag: number, vLow: number, v95: number, vmin: number, vbase: number, constantI: boolean, out: Float64Array): void {
  const lowR = yr * vLow;
  const lowI = yi * vLow;
  const f = constantI ? vbase : vmin !== 0 ? v95 / (vmin * vmin) : 0;
  const span = v95 - vLow;
  const mr = (yr * f - lowR) / span;
  const mi = (yi * f - lowI) / span;
  out[0] = (lowR + mr * (vmag - vLow)) / vmag;
  out[1] = (lowI + mi * (vmag - vLow)) / vmag;
}

/** ZIPV low-voltage drop-out: the current fades out smoothly around the cut-off voltage (pu). */
function zipCutoff(m: SolverModel, k: number, vpu: number, out: Float64Array): void {
  const cut = m.brZip[k * 7 + 6];
  if (!(cut > 0)) return;
  const vx = 500 * (vpu - cut);
  if (vx >= 20) return;
  const e = Math.exp(2 * vx);
  const yv = 0.5 * (1 + (e - 1) / (e + 1));
  out[0] *= yv;
  out[1] *= yv;
}

const scratch = new Float64Array(2);

/** Compensation current of branch k at branch voltage v (drawn a→b, minus its linear part in Y). */
function compensationAt(m: SolverModel, k: number, br: number, bi: number, powers: LoadPowers, out: Float64Array): void {
  branchCurrent(m, k, br, bi, powers.pW[k], powers.qVar[k], out);
  const gr = m.brYlinRe[k];
  const gi = m.brYlinIm[k];
  out[0] -= gr * br - gi * bi;
  out[1] -= gr * bi + gi * br;
}

/** Allocates a LoadPowers for a model. */
export function newLoadPowers(m: SolverModel): LoadPowers {
  return { pW: new Float64Array(m.nBr), qVar: new Float64Array(m.nBr), pce: newPceRuntime(m.network.pces) };
}

/** Which load shape drives a load in a solution mode (OpenDSS: daily mode uses Daily, …). */
export type ShapeMode = 'snapshot' | 'daily' | 'yearly' | 'duty';

export interface ShapeOptions {
  /**
   * Daily mode also drives a load that has only a Yearly shape by that shape (lemsim's convenience
   * for feeders such as the IEEE European LV feeder, whose loads carry one day as a Yearly shape).
   * OpenDSS leaves such a load at its base power in daily mode; so does lemsim unless this is set.
   */
  readonly yearlyShapesInDaily?: boolean;
}

/** OpenDSS CalcDailyMult / CalcYearlyMult / CalcDutyMult: the shape of a load in a mode, if any. */
function shapeFor(l: Load, mode: ShapeMode, options: ShapeOptions) {
  if (l.status === 'fixed' || mode === 'snapshot') return undefined;
  if (mode === 'daily') return l.daily ?? (options.yearlyShapesInDaily ? l.yearly : undefined);
  if (mode === 'yearly') return l.yearly;
  return l.duty ?? l.daily;
}

/**
 * OpenDSS SetNominalLoad's factor: the circuit's load multiplier, except for fixed loads (never)
 * and exempt loads (only in yearly mode).
 */
function loadMultiplier(l: Load, mode: ShapeMode, loadMult: number): number {
  if (l.status === 'fixed') return 1;
  if (l.status === 'exempt' && mode !== 'yearly') return 1;
  return loadMult;
}

import { type LoadShapeState, shapeMultipliers } from '../model/elements/loadshape.js';

/**
 * What `setLoadPowersAt` needs of each load in one mode, resolved once per model and mode: its shape
 * (an index into the distinct shapes, −1 for none) and its load multiplier. Many loads share a shape
 * (IEEE 8500 in a day: 1,177 loads, 100 shapes): each shape is evaluated once per call.
 */
interface LoadPlan {
  readonly shapes: readonly LoadShapeState[];
  readonly shapeOf: Int32Array;
  readonly factor: Float64Array;
  readonly mp: Float64Array;
  readonly mq: Float64Array;
}

const plans = new WeakMap<SolverModel, Map<string, LoadPlan>>();

function loadPlan(m: SolverModel, mode: ShapeMode, options: ShapeOptions): LoadPlan {
  let byMode = plans.get(m);
  if (!byMode) {
    byMode = new Map();
    plans.set(m, byMode);
  }
  const key = `${mode}|${options.yearlyShapesInDaily === true}`;
  let plan = byMode.get(key);
  if (plan) return plan;
  const loads = m.network.loads;
  const shapes: LoadShapeState[] = [];
  const index = new Map<LoadShapeState, number>();
  const shapeOf = new Int32Array(loads.length);
  const factor = new Float64Array(loads.length);
  for (let li = 0; li < loads.length; li++) {
    const shape = shapeFor(loads[li], mode, options);
    let k = -1;
    if (shape) {
      k = index.get(shape) ?? -1;
      if (k < 0) {
        k = shapes.length;
        shapes.push(shape);
        index.set(shape, k);
      }
    }
    shapeOf[li] = k;
    factor[li] = loadMultiplier(loads[li], mode, m.network.loadMult);
  }
  plan = { shapes, shapeOf, factor, mp: new Float64Array(shapes.length), mq: new Float64Array(shapes.length) };
  byMode.set(key, plan);
  return plan;
}

/**
 * Sets every load branch's power for time `hour` (h) in `mode`: base kW/kvar × the circuit's load
 * multiplier × shape multipliers (or the shape's actual kW/kvar when it says useactual), split
 * equally over the load's phases.
 */
export function setLoadPowersAt(m: SolverModel, hour: number, mode: ShapeMode, out: LoadPowers, options: ShapeOptions = {}): void {
  const loads = m.network.loads;
  const plan = loadPlan(m, mode, options);
  const { shapes, shapeOf, factor, mp, mq } = plan;
  for (let k = 0; k < shapes.length; k++) {
    const mult = shapeMultipliers(shapes[k], hour);
    mp[k] = mult.p;
    mq[k] = mult.q;
  }
  const brStart = m.loadBrStart;
  const pW = out.pW;
  const qVar = out.qVar;
  for (let li = 0; li < loads.length; li++) {
    const l = loads[li];
    let pKw = l.kW * factor[li];
    let qKvar = l.kvar * factor[li];
    const k = shapeOf[li];
    if (k >= 0) {
      const shape = shapes[k];
      if (shape.useActual) {
        pKw = mp[k];
        qKvar = shape.qmult ? mq[k] : l.kW !== 0 ? mp[k] * (l.kvar / l.kW) : 0;
      } else {
        pKw *= mp[k];
        qKvar *= mq[k];
      }
    }
    const pPh = (pKw * 1000) / l.phases;
    const qPh = (qKvar * 1000) / l.phases;
    for (let b = brStart[li]; b < brStart[li + 1]; b++) {
      pW[b] = pPh;
      qVar[b] = qPh;
    }
  }
  if (m.network.pces.length > 0) setPcePowersAt(m, hour, mode, out, out.pce ?? newPceRuntime(m.network.pces));
}
