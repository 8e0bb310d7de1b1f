/**
 * Incremental models after a control action (a tap step, a capacitor switching): instead of
 * compiling and factorising the network again, the changed primitive admittances are a low-rank
 * change of the nodal matrix factorised once, solved through the Sherman–Morrison–Woodbury identity
 * (Golub & Van Loan, Matrix Computations, 4th ed., §2.1.4) with U = P·D, V = P:
 *
 *     Y' = Y + P·D·Pᵀ                P: the r matrix rows the changed elements touch (n × r selection)
 *     Y'⁻¹·b = Y⁻¹·(b − P·c),   c = D·(I + Z_RR·D)⁻¹·x_R,   x = Y⁻¹·b,   Z_RR = Pᵀ·Y⁻¹·P (r × r)
 *
 * (check: with y = Y⁻¹(b − P·c), Y'·y = b − P·c + P·D·(x_R − Z_RR·c), and
 * D·(x_R − Z_RR·c) = D·(I + Z_RR·D)·u − D·Z_RR·D·u = D·u = c for u = (I + Z_RR·D)⁻¹·x_R).
 * D is the sum, over every element changed since the base model was factorised, of its present
 * primitive admittance minus its base one, stamped on those rows exactly as compile stamps it. The
 * base factor never changes; Z_RR's columns cost one base solve per row, kept between actions.
 *
 * Why two substitutions and not x − Y⁻¹P·c with the columns Y⁻¹P kept: a regulator between a
 * source and an ungrounded (delta) part of a feeder has columns Y⁻¹·e of ~1e5 Ω (the part's
 * common mode is held only by line capacitance), and summing them cancels to ~1e-6 pu of error
 * (measured on an open-delta bank). Written as D times a vector, c injects no net current into such
 * a part (a winding's currents sum to zero), so Y⁻¹·(b − P·c) is as accurate as a solve with the
 * matrix refactorised.
 *
 * In the sparse iteration (solve.ts) the forward substitution runs over the load rows' reach
 * extended by R's elimination-tree ancestors ("path"); then x_R comes from a back substitution over
 * the path alone (a row needs only its ancestors), c from it, and L⁻¹·P·c — non-zero only on the
 * path, from the columns L⁻¹·e_i kept per row of R — is subtracted there, before the usual back
 * substitution; every row, the remaining ones included, is then the corrected solution. The
 * columns of L⁻¹ are moderate where those of Y⁻¹ are not (the ill-determined mode lives in U's
 * small pivots, which act on the corrected vector as a whole). The dense iteration's impedance
 * matrix would need the full columns: a dense model is compiled again (dense models are the small
 * ones, which compile fast).
 *
 * When the update cannot be made this way (a dense model, a changed element on a folded series
 * chain or a merged jumper, more than `maxRank` rows, a singular I + Z_RR·D: the change isolates a
 * node), `update` returns undefined and the caller compiles the network (which reports a floating
 * node with its location).
 */
import type { CMatrix } from '../model/complex.js';
import { cinvert } from '../model/complex.js';
import type { Network } from '../model/network.js';
import { type SolverModel, branchVoltages, nodeVoltageScales } from './compile.js';
import { expandChains } from './series-chains.js';
import type { SparseLU } from './sparse-lu.js';

/** Rows beyond which a full compile is cheaper than the correction (r² per substitution). */
export const MAX_UPDATE_RANK = 48;

/**
 * The low-rank change of a model's factorised nodal matrix (see the module comment). Rows are the
 * permuted rows of the LU's work vector. Allocates nothing per use.
 */
export class LowRankCorrection {
  private readonly xr: Float64Array;
  private readonly u: Float64Array;
  private readonly c: Float64Array;
  private readonly saved: Float64Array;

  constructor(
    /** permuted LU rows R */
    readonly rows: Int32Array,
    /** D, r × r row-major, interleaved re/im */
    private readonly d: Float64Array,
    /** (I + Z_RR·D)⁻¹, r × r row-major, interleaved */
    private readonly inv: Float64Array,
    /** R and its elimination-tree ancestors (sorted): the back substitution that gives x_R */
    readonly pathRows: Int32Array,
    /** L⁻¹·e_i for each row i of R, on `pathRows` (pathRows.length × r, interleaved) */
    private readonly lColumns: Float64Array,
  ) {
    const r = rows.length;
    this.xr = new Float64Array(2 * r);
    this.u = new Float64Array(2 * r);
    this.c = new Float64Array(2 * r);
    this.saved = new Float64Array(2 * pathRows.length);
  }

  get rank(): number {
    return this.rows.length;
  }

  /**
   * After a forward substitution of b (over rows that include `pathRows`): turns L⁻¹·b in the work
   * vector into L⁻¹·(b − P·c), so that the caller's back substitution gives Y'⁻¹·b. x_R comes from
   * a back substitution over R's ancestors only; L⁻¹·P·c is non-zero only on them.
   */
  correct(lu: SparseLU): void {
    const w = lu.work;
    const path = this.pathRows;
    const saved = this.saved;
    for (let q = 0; q < path.length; q++) {
      saved[2 * q] = w[2 * path[q]];
      saved[2 * q + 1] = w[2 * path[q] + 1];
    }
    lu.backwardRows(path);
    const r = this.rows.length;
    for (let i = 0; i < r; i++) {
      this.xr[2 * i] = w[2 * this.rows[i]];
      this.xr[2 * i + 1] = w[2 * this.rows[i] + 1];
    }
    this.coefficients();
    const lc = this.lColumns;
    const c = this.c;
    for (let q = 0; q < path.length; q++) {
      let sr = saved[2 * q];
      let si = saved[2 * q + 1];
      const base = 2 * q * r;
      for (let i = 0; i < r; i++) {
        const ar = lc[base + 2 * i];
        const ai = lc[base + 2 * i + 1];
        sr -= ar * c[2 * i] - ai * c[2 * i + 1];
        si -= ar * c[2 * i + 1] + ai * c[2 * i];
      }
      w[2 * path[q]] = sr;
      w[2 * path[q] + 1] = si;
    }
  }

  /**
   * Y'⁻¹·b for a full right-hand side (original order, split arrays), b's solution x = Y⁻¹·b given:
   * x is overwritten with the result; `b` is left as it was.
   */
  solveFull(lu: SparseLU, bRe: Float64Array, bIm: Float64Array, xRe: Float64Array, xIm: Float64Array): void {
    const r = this.rows.length;
    for (let i = 0; i < r; i++) {
      const o = lu.perm[this.rows[i]];
      this.xr[2 * i] = xRe[o];
      this.xr[2 * i + 1] = xIm[o];
    }
    this.coefficients();
    const tRe = Float64Array.from(bRe);
    const tIm = Float64Array.from(bIm);
    for (let i = 0; i < r; i++) {
      const o = lu.perm[this.rows[i]];
      tRe[o] -= this.c[2 * i];
      tIm[o] -= this.c[2 * i + 1];
    }
    lu.solve(tRe, tIm, xRe, xIm);
  }

  /** c = D·(I + Z_RR·D)⁻¹·x_R from `xr`. */
  private coefficients(): void {
    const r = this.rows.length;
    multiply(this.inv, this.xr, this.u, r);
    multiply(this.d, this.u, this.c, r);
  }
}

/** out = A·x for an r × r interleaved matrix A and interleaved vectors. */
function multiply(a: Float64Array, x: Float64Array, out: Float64Array, r: number): void {
  for (let i = 0; i < r; i++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < r; j++) {
      const ar = a[2 * (i * r + j)];
      const ai = a[2 * (i * r + j) + 1];
      sr += ar * x[2 * j] - ai * x[2 * j + 1];
      si += ar * x[2 * j + 1] + ai * x[2 * j];
    }
    out[2 * i] = sr;
    out[2 * i + 1] = si;
  }
}

/** What depends on a base model's factor alone, shared by every user of that model. */
interface BaseSolutions {
  /** original matrix row → Y⁻¹·e_row (original order, split re/im) */
  readonly columns: Map<number, { re: Float64Array; im: Float64Array }>;
  /** the base no-load solution Y⁻¹·iSrc by matrix row */
  readonly x0Re: Float64Array;
  readonly x0Im: Float64Array;
}

const baseSolutions = new WeakMap<SolverModel, BaseSolutions>();

interface Layout {
  readonly key: string;
  readonly pathRows: Int32Array;
  readonly lColumns: Float64Array;
  readonly reach: Int32Array;
  readonly rest: Int32Array;
}

/**
 * Models of one network with some branch admittances changed, all derived from one base model's
 * factorisation (see the module comment).
 */
export class IncrementalModels {
  private readonly branchIndex: Map<string, number>;
  /** every branch changed since the base (its base admittance is `base.network.branches[k].y`) */
  private readonly changed = new Set<number>();
  private readonly shared: BaseSolutions;
  private layout: Layout | undefined;

  constructor(
    readonly base: SolverModel,
    private readonly maxRank = MAX_UPDATE_RANK,
  ) {
    this.branchIndex = new Map(base.network.branches.map((b, k) => [b.name, k]));
    let shared = baseSolutions.get(base);
    if (!shared) {
      const x0Re = new Float64Array(base.nMatrix);
      const x0Im = new Float64Array(base.nMatrix);
      base.lu.solve(base.iSrcRe, base.iSrcIm, x0Re, x0Im);
      shared = { columns: new Map(), x0Re, x0Im };
      baseSolutions.set(base, shared);
    }
    this.shared = shared;
  }

  /**
   * The model of `network` (the base network with the admittances of the branches `names` replaced,
   * withBranchAdmittances), or undefined when a full compile is needed (see the module comment).
   */
  update(network: Network, names: Iterable<string>): SolverModel | undefined {
    const base = this.base;
    if (base.method !== 'sparse') return undefined;
    const lu = base.lu;
    for (const name of names) {
      const k = this.branchIndex.get(name.toLowerCase());
      if (k === undefined) return undefined;
      if (base.chains.inChain[k] || base.jumpers[k] || network.branches[k].kind === 'line') return undefined;
      this.changed.add(k);
    }
    // D = Σ (Y_now − Y_base) on the matrix rows the changed elements touch (as compile stamps)
    const local = new Map<number, number>();
    const entries: number[] = [];
    for (const k of this.changed) {
      const nodes = base.branchNodes[k];
      const now = network.branches[k].y;
      const was = base.network.branches[k].y;
      const m = nodes.length;
      // a node folded into a chain or merged away: the stamp is not one row per node
      for (let i = 0; i < m; i++) if (nodes[i] >= 0 && base.nodeMap[nodes[i]] < 0) return undefined;
      for (let i = 0; i < m; i++) {
        if (nodes[i] < 0) continue;
        const a = base.nodeMap[nodes[i]];
        for (let j = 0; j < m; j++) {
          if (nodes[j] < 0) continue;
          const b = base.nodeMap[nodes[j]];
          if (!local.has(a)) local.set(a, local.size);
          if (!local.has(b)) local.set(b, local.size);
          entries.push(a, b, now.re[i * m + j] - was.re[i * m + j], now.im[i * m + j] - was.im[i * m + j]);
        }
      }
    }
    const r = local.size;
    if (r === 0 || r > this.maxRank) return undefined;
    const origRows = [...local.keys()];
    const d = new Float64Array(2 * r * r);
    for (let e = 0; e < entries.length; e += 4) {
      const p = local.get(entries[e])! * r + local.get(entries[e + 1])!;
      d[2 * p] += entries[e + 2];
      d[2 * p + 1] += entries[e + 3];
    }
    // I + Z_RR·D and its inverse (Z_RR from the base columns, one solve per new row)
    const cols = origRows.map((o) => this.column(o));
    const mat: CMatrix = { n: r, re: new Float64Array(r * r), im: new Float64Array(r * r) };
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < r; j++) {
        let sr = i === j ? 1 : 0;
        let si = 0;
        for (let q = 0; q < r; q++) {
          // Z_RR[i][q] = (Y⁻¹·e_q)[row i]
          const zr = cols[q].re[origRows[i]];
          const zi = cols[q].im[origRows[i]];
          const dr = d[2 * (q * r + j)];
          const di = d[2 * (q * r + j) + 1];
          sr += zr * dr - zi * di;
          si += zr * di + zi * dr;
        }
        mat.re[i * r + j] = sr;
        mat.im[i * r + j] = si;
      }
    }
    const inverse = cinvert(mat, 1e-12);
    if (!inverse) return undefined;
    const inv = new Float64Array(2 * r * r);
    for (let p = 0; p < r * r; p++) {
      inv[2 * p] = inverse.re[p];
      inv[2 * p + 1] = inverse.im[p];
    }
    const rows = Int32Array.from(origRows, (o) => lu.iperm[o]);
    const layout = this.layoutFor(origRows, rows);
    const correction = new LowRankCorrection(rows, d, inv, layout.pathRows, layout.lColumns);

    // no-load voltages of the changed network
    const xRe = Float64Array.from(this.shared.x0Re);
    const xIm = Float64Array.from(this.shared.x0Im);
    correction.solveFull(lu, base.iSrcRe, base.iSrcIm, xRe, xIm);
    const v0Re = new Float64Array(base.nNodes);
    const v0Im = new Float64Array(base.nNodes);
    for (const node of base.matrixNodes) {
      v0Re[node] = xRe[base.nodeMap[node]];
      v0Im[node] = xIm[base.nodeMap[node]];
    }
    // (chains are series lines, never changed here: their interiors follow from their ends)
    expandChains(base.chains, v0Re, v0Im);
    const withV0: SolverModel = { ...base, network, v0Re, v0Im, nodeVScale: nodeVoltageScales(base.busNodes, v0Re, v0Im) };
    // the corrected iteration substitutes over the LU's full work vector (solve.ts): branch ends at 2 × their full rows
    const fullPos = (rows: Int32Array): Int32Array => rows.map((r) => (r < 0 ? -1 : 2 * r));
    const branchSpace = { ...base.branchSpace, ...branchVoltages(withV0), reachRows: layout.reach, restRows: layout.rest, posA: fullPos(base.branchSpace.rowA), posB: fullPos(base.branchSpace.rowB) };
    return { ...withV0, branchSpace, lowRank: correction };
  }

  /** The extended reach and R's ancestors for the rows R (cached while R stays the same). */
  private layoutFor(origRows: number[], rows: Int32Array): Layout {
    // (in R's order: lColumns are by R's index)
    const key = rows.join(',');
    if (this.layout?.key === key) return this.layout;
    const lu = this.base.lu;
    const space = this.base.branchSpace;
    const pathRows = lu.reach(Int32Array.from(origRows));
    const inReach = new Uint8Array(lu.n);
    for (const row of space.reachRows) inReach[row] = 1;
    for (const row of pathRows) inReach[row] = 1;
    const reach: number[] = [];
    const rest: number[] = [];
    for (let row = 0; row < lu.n; row++) (inReach[row] ? reach : rest).push(row);
    // L⁻¹·e_i on the path rows, for each row i of R (the work vector is free between solves)
    const r = rows.length;
    const lColumns = new Float64Array(2 * pathRows.length * r);
    const w = lu.work;
    w.fill(0);
    for (let i = 0; i < r; i++) {
      w[2 * rows[i]] = 1;
      lu.forward(pathRows);
      for (let q = 0; q < pathRows.length; q++) {
        lColumns[2 * (q * r + i)] = w[2 * pathRows[q]];
        lColumns[2 * (q * r + i) + 1] = w[2 * pathRows[q] + 1];
        w[2 * pathRows[q]] = 0;
        w[2 * pathRows[q] + 1] = 0;
      }
    }
    this.layout = { key, pathRows, lColumns, reach: Int32Array.from(reach), rest: Int32Array.from(rest) };
    return this.layout;
  }

  /** Y⁻¹·e_o for original matrix row `o` (original order), computed once per base model. */
  private column(o: number): { re: Float64Array; im: Float64Array } {
    let col = this.shared.columns.get(o);
    if (!col) {
      const n = this.base.nMatrix;
      const e = new Float64Array(n);
      e[o] = 1;
      col = { re: new Float64Array(n), im: new Float64Array(n) };
      this.base.lu.solve(e, new Float64Array(n), col.re, col.im);
      this.shared.columns.set(o, col);
    }
    return col;
  }
}
