/**
 * Parts of a feeder held to ground only by their loads. lemsim keeps constant-power loads out of
 * the nodal matrix (their compensation current carries them; see compile.ts linearPart), but a part
 * that no element of the matrix grounds — the secondary of a delta–delta or ungrounded-wye
 * transformer with wye-grounded loads, held only by the transformers' 1 ppm anti-float admittance
 * and line capacitance — then has a common mode the matrix barely determines, and the fixed-point
 * iteration diverges at once. OpenDSS puts every load's nominal admittance Yeq in its system matrix
 * (Load.pas CalcYPrim, power-flow load model) and so solves such a part. Here the loads of such a
 * part get their Yeq stamped too, as OpenDSS does; the fixed point is unchanged (the compensation
 * current subtracts exactly what is stamped), only the iteration is well posed.
 *
 * Parts: nodes joined galvanically — through any element's own conductors, except that a
 * transformer joins only the terminals of each winding (its windings couple magnetically, and a
 * winding's currents into its own terminals sum to zero unless a terminal is ground). A part's
 * common-mode admittance to ground is Σ Y_ij over its rows i, j (zero for a floating part but for
 * the anti-float and capacitance terms); its loads to ground hold it when the sum of their |Yeq|
 * exceeds that admittance (a grounded part sees a source or a grounded winding: 10–1000 S).
 */
import type { TripletMatrix } from './sparse-lu.js';

/** A load branch with one end at ground: its matrix row and the magnitude of its nominal admittance (S). */
export interface GroundCandidate {
  readonly row: number;
  readonly yeqAbs: number;
}

/**
 * Which candidates hold their part of the network to ground (see the module comment). `joinGroups`
 * calls `join(a, b)` for matrix rows joined galvanically (within one element's conductors, or one
 * winding's; a row −1 is ground and joins nothing); `y` is the nodal matrix without the candidates'
 * admittance.
 */
export function loadsHoldingGround(nRows: number, y: TripletMatrix, joinGroups: (join: (a: number, b: number) => void) => void, candidates: readonly GroundCandidate[]): boolean[] {
  if (candidates.length === 0) return [];
  const parent = new Int32Array(nRows);
  for (let k = 0; k < nRows; k++) parent[k] = k;
  const find = (k: number): number => {
    while (parent[k] !== k) k = parent[k] = parent[parent[k]];
    return k;
  };
  joinGroups((a, b) => {
    if (a < 0 || b < 0) return;
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[rb] = ra;
  });
  // every row's part once, and only the parts holding a candidate summed (a feeder has tens of
  // thousands of matrix entries, visited JIT-cold on a first load)
  const root = new Int32Array(nRows);
  for (let k = 0; k < nRows; k++) root[k] = find(k);
  const wanted = new Uint8Array(nRows);
  for (let c = 0; c < candidates.length; c++) wanted[root[candidates[c].row]] = 1;
  const cmRe = new Float64Array(nRows);
  const cmIm = new Float64Array(nRows);
  const rows = y.rows;
  const cols = y.cols;
  const re = y.re;
  const im = y.im;
  for (let t = 0; t < rows.length; t++) {
    const p = root[rows[t]];
    if (wanted[p] === 0 || p !== root[cols[t]]) continue;
    cmRe[p] += re[t];
    cmIm[p] += im[t];
  }
  const held = new Float64Array(nRows);
  for (const c of candidates) held[find(c.row)] += c.yeqAbs;
  return candidates.map((c) => {
    const p = find(c.row);
    return held[p] > Math.hypot(cmRe[p], cmIm[p]);
  });
}
