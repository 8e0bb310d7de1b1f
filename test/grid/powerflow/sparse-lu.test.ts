/** The sparse LU against a dense residual check on random structurally symmetric complex matrices. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SparseLU, TripletMatrix, ZeroPivotError } from '../../../grid/powerflow/sparse-lu.js';

function residual(n: number, entries: [number, number, number, number][], xRe: Float64Array, xIm: Float64Array, bRe: Float64Array, bIm: Float64Array): number {
  const rRe = Float64Array.from(bRe);
  const rIm = Float64Array.from(bIm);
  for (const [i, j, re, im] of entries) {
    rRe[i] -= re * xRe[j] - im * xIm[j];
    rIm[i] -= re * xIm[j] + im * xRe[j];
  }
  let mx = 0;
  for (let i = 0; i < n; i++) mx = Math.max(mx, Math.hypot(rRe[i], rIm[i]));
  return mx;
}

describe('SparseLU', () => {
  it('solves random diagonally dominant meshed systems (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })), { maxLength: 120 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (n, raw, seed) => {
          const entries: [number, number, number, number][] = [];
          const diag = new Float64Array(n).fill(1);
          for (const [a, b, re, im] of raw) {
            const i = a % n;
            const j = b % n;
            if (i === j) continue;
            entries.push([i, j, re, im], [j, i, re, im]);
            diag[i] += Math.hypot(re, im);
            diag[j] += Math.hypot(re, im);
          }
          for (let i = 0; i < n; i++) entries.push([i, i, diag[i], 0.5]);
          const t = new TripletMatrix(n);
          for (const [i, j, re, im] of entries) t.add(i, j, re, im);
          const lu = new SparseLU(t);
          let s = seed;
          const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
          const bRe = Float64Array.from({ length: n }, rnd);
          const bIm = Float64Array.from({ length: n }, rnd);
          const xRe = new Float64Array(n);
          const xIm = new Float64Array(n);
          lu.solve(bRe, bIm, xRe, xIm);
          expect(residual(n, entries, xRe, xIm, bRe, bIm)).toBeLessThan(1e-10);
          // sparse right-hand side through the reach of its non-zeros gives the same answer
          const nodes = Int32Array.from([0, n - 1].filter((v, k, a) => a.indexOf(v) === k));
          const vRe = Float64Array.from(nodes, () => rnd());
          const vIm = Float64Array.from(nodes, () => rnd());
          const fullRe = new Float64Array(n);
          const fullIm = new Float64Array(n);
          nodes.forEach((node, k) => ((fullRe[node] = vRe[k]), (fullIm[node] = vIm[k])));
          const yRe = new Float64Array(n);
          const yIm = new Float64Array(n);
          lu.solveSparse(nodes, vRe, vIm, lu.reach(nodes), yRe, yIm);
          expect(residual(n, entries, yRe, yIm, fullRe, fullIm)).toBeLessThan(1e-10);
          // the same through the compact substitution over the reach, then the rest rows from zero
          // (the sparse power flow's path), with the rows marked `first` ordered before the others
          const first = Uint8Array.from({ length: n }, () => (rnd() > 0 ? 1 : 0));
          const lu2 = new SparseLU(t, first);
          const rows = lu2.reach(nodes);
          const reach = lu2.restrict(rows);
          reach.work.fill(0);
          nodes.forEach((node, k) => {
            const at = 2 * reach.position[lu2.iperm[node]];
            reach.work[at] += vRe[k];
            reach.work[at + 1] += vIm[k];
          });
          reach.solve();
          const full = lu2.work;
          full.fill(Number.NaN);
          reach.storeInto(full);
          const inReach = new Uint8Array(n);
          for (const r of rows) inReach[r] = 1;
          lu2.backwardRowsFromZero(Int32Array.from({ length: n }, (_v, r) => r).filter((r) => !inReach[r]));
          const zRe = Float64Array.from({ length: n }, (_v, o) => full[2 * lu2.iperm[o]]);
          const zIm = Float64Array.from({ length: n }, (_v, o) => full[2 * lu2.iperm[o] + 1]);
          expect(residual(n, entries, zRe, zIm, fullRe, fullIm)).toBeLessThan(1e-10);
          // every marked row is eliminated before every unmarked one
          let seenUnmarked = false;
          for (let k = 0; k < n; k++) {
            if (!first[lu2.perm[k]]) seenUnmarked = true;
            else expect(seenUnmarked).toBe(false);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
  it('gives no fill on a path (radial feeder) and reports a floating node', () => {
    const n = 50;
    const t = new TripletMatrix(n);
    for (let i = 0; i + 1 < n; i++) {
      t.add(i, i + 1, -1, 0);
      t.add(i + 1, i, -1, 0);
    }
    for (let i = 0; i < n; i++) t.add(i, i, 2.5, 0);
    expect(new SparseLU(t).nnz).toBe(n + 2 * (n - 1));
    const s = new TripletMatrix(3);
    s.add(0, 0, 1, 0);
    s.add(1, 1, 1, 0);
    s.add(0, 1, 0.5, 0);
    s.add(1, 0, 0.5, 0);
    expect(() => new SparseLU(s)).toThrow(ZeroPivotError);
  });
});
