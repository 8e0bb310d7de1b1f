/**
 * `roundTo(x, d)` must equal `Number(x.toFixed(d))` bit for bit (the grid operator's voltages in
 * `grid-solved` and voltages.csv are written from it): random doubles of every magnitude, values
 * near ties (k + 0.5)/10^d and their neighbours one ulp away, signed zeros and non-finite values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundTo } from '../../agents/round.js';

const same = (x: number, d: number): void => {
  const want = Number(x.toFixed(d));
  expect(Object.is(roundTo(x, d), want), `roundTo(${x}, ${d}) = ${roundTo(x, d)}, toFixed gives ${want}`).toBe(true);
};

describe('roundTo', () => {
  it('equals Number(x.toFixed(d)) on random doubles', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: false, min: -1e7, max: 1e7 }), fc.integer({ min: 0, max: 9 }), (x, d) => same(x, d)),
      { numRuns: 20000 },
    );
    fc.assert(fc.property(fc.double(), fc.integer({ min: 0, max: 9 }), (x, d) => same(x, d)), { numRuns: 5000 });
  });

  it('equals it at and around ties, voltages in pu and currents in A', () => {
    for (const d of [3, 4, 6]) {
      for (let k = -3000; k <= 3000; k += 7) {
        const tie = (k + 0.5) / 10 ** d;
        for (const x of [tie, tie + Number.EPSILON * Math.abs(tie), tie - Number.EPSILON * Math.abs(tie), 1 + tie, 0.95 + tie, 230 + tie]) same(x, d);
      }
    }
    for (const x of [0, -0, 1e-12, -1e-12, 0.5e-6, -0.5e-6, 2147.483648, -2147.483648, 1e300, Infinity, -Infinity, Number.NaN]) for (let d = 0; d <= 9; d++) same(x, d);
  });
});
