/**
 * `Number(x.toFixed(d))` without the string round trip, for the grid operator's per-sub-step
 * voltages (thousands of values per power flow). `toFixed` picks the integer n nearest to the exact
 * x·10^d (ties away from zero) and the string n/10^d parses to the double nearest to it. The
 * product x·10^d in floating point is off by at most half an ulp, under 2^-22 for |x·10^d| < 2^31,
 * so unless its fraction lies within 1e-6 of one half, Math.round gives the same n; and n / 10^d,
 * both exact doubles, is correctly rounded by IEEE division: the same double as the parse. Near a
 * tie, and for large or non-finite x, the string path decides.
 */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** `Number(x.toFixed(d))`, bit for bit, for d in 0…9. */
export function roundTo(x: number, d: number): number {
  // (-0).toFixed gives '0': +0
  if (x === 0) return 0;
  const p = POW10[d];
  const y = x * p;
  const f = y - Math.floor(y);
  if (y < 2147483648 && y > -2147483648 && Math.abs(f - 0.5) > 1e-6) return Math.round(y) / p;
  return Number(x.toFixed(d));
}
