/**
 * Dense complex and real matrices for line-constant work: small (a line has at most a dozen
 * conductors), so plain row-major typed arrays and O(n³) eliminations are the fastest option.
 *
 * Layout: a `ComplexMatrix` of order n keeps element (i, j) — 0-based row i, column j — at index
 * `i * n + j` of both `re` and `im`. The shape is structurally the same as `CMatrix` in
 * `grid/model/complex.ts`, so results can be handed to the network model without copying.
 */
import { LuDecomposition, Matrix } from 'ml-matrix';
import { LineConstantsError } from './errors.js';

/** Square complex matrix of order `n`, row-major split storage (see module comment). */
export interface ComplexMatrix {
  readonly n: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

/** A zero complex matrix of order `n`. */
export function complexMatrix(n: number): ComplexMatrix {
  return { n, re: new Float64Array(n * n), im: new Float64Array(n * n) };
}

/**
 * Kron reduction: eliminates every row/column from `keep` to `n - 1`, returning the order-`keep`
 * Schur complement Z_pp − Z_pn Z_nn⁻¹ Z_np. Eliminated conductors are those held at zero voltage
 * (grounded neutrals, cable sheaths). Rows are eliminated last-first, one at a time, as OpenDSS's
 * `TCMatrix.Kron` does, so the rounding matches it too.
 */
export function kronReduce(z: ComplexMatrix, keep: number): ComplexMatrix {
  const n = z.n;
  if (!Number.isInteger(keep) || keep < 1 || keep > n) {
    throw new LineConstantsError('Kron reduction', `cannot keep ${keep} of ${n} conductors`);
  }
  const re = Float64Array.from(z.re);
  const im = Float64Array.from(z.im);
  for (let k = n - 1; k >= keep; k--) {
    const kk = k * n + k;
    const pr = re[kk];
    const pi = im[kk];
    const d = pr * pr + pi * pi;
    if (!(d > 0)) throw new LineConstantsError('Kron reduction', `zero pivot at conductor ${k + 1}`);
    // 1 / Z_kk
    const ir = pr / d;
    const ii = -pi / d;
    for (let i = 0; i < k; i++) {
      const ik = i * n + k;
      // f = Z_ik / Z_kk
      const fr = re[ik] * ir - im[ik] * ii;
      const fi = re[ik] * ii + im[ik] * ir;
      if (fr === 0 && fi === 0) continue;
      const rowI = i * n;
      const rowK = k * n;
      for (let j = 0; j < k; j++) {
        const kr = re[rowK + j];
        const ki = im[rowK + j];
        re[rowI + j] -= fr * kr - fi * ki;
        im[rowI + j] -= fr * ki + fi * kr;
      }
    }
  }
  return { n: keep, re: leadingBlock(re, n, keep), im: leadingBlock(im, n, keep) };
}

/** The leading `keep`×`keep` block of a row-major order-`n` matrix. */
export function leadingBlock(a: Float64Array, n: number, keep: number): Float64Array {
  if (keep === n) return a;
  const out = new Float64Array(keep * keep);
  for (let i = 0; i < keep; i++) out.set(a.subarray(i * n, i * n + keep), i * keep);
  return out;
}

/**
 * Inverse of a real symmetric positive-definite matrix (the potential-coefficient matrix), by
 * ml-matrix's LU decomposition with partial pivoting (dense real linear algebra is that library's
 * job; a line has a handful of conductors, so this is not a hot loop). Throws when the matrix is
 * singular, which for a potential matrix means two conductors share a place.
 */
export function invertReal(a: Float64Array, n: number, subject: string): Float64Array {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(a.subarray(i * n, (i + 1) * n)));
  if (!rows.every((r) => r.every(Number.isFinite))) throw new LineConstantsError(subject, 'potential-coefficient matrix is singular');
  const lu = new LuDecomposition(new Matrix(rows));
  if (lu.isSingular()) throw new LineConstantsError(subject, 'potential-coefficient matrix is singular');
  const inv = lu.solve(Matrix.eye(n));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = inv.get(i, j);
  return out;
}
