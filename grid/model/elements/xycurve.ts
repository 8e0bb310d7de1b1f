/**
 * XYcurve, with OpenDSS's semantics (XYcurve.pas): points given as `Points=[x1 y1 x2 y2 …]`, as
 * `Xarray`/`Yarray`, or from a file of `x, y` lines (`csvfile`). `yAt(x)` is OpenDSS's GetYValue:
 * linear interpolation, extrapolated from the first or last two points outside the range, and a
 * point's own y when x is within 1e-5 of it. OpenDSS's GetYValue does not apply Xshift/Yshift/
 * Xscale/Yscale (they only scale the `x`/`y` utility properties), so neither does lemsim.
 */
import { DssError } from '../../errors.js';
import type { DssClass, SetContext } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { parseNumberArray } from '../../dss/values.js';
import { num, text } from './common.js';

export interface XYCurveState {
  readonly name: string;
  npts: number;
  x: number[];
  y: number[];
}

function values(v: string, ctx: SetContext): number[] {
  return parseNumberArray(v, ctx.loc, ctx.prop, { dir: ctx.dir, fs: ctx.fs });
}

/** Reads `x, y` pairs, one per line, as OpenDSS's DoCSVFile for curves. */
function readPairs(v: string, ctx: SetContext): { x: number[]; y: number[] } {
  const x = values(`file=${v}`, ctx);
  const y = values(`file=${v} col=2`, ctx);
  return { x, y };
}

export const xyCurveClass: DssClass<XYCurveState> = {
  name: 'xycurve',
  create: (name) => ({ name, npts: 0, x: [], y: [] }),
  properties: [
    num('npts', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 0) throw new DssError(ctx.loc, `npts: expected a whole number ≥ 0, got ${v}`);
      s.npts = v;
    }),
    text('Points', (s, v, ctx) => {
      const a = values(v, ctx);
      if (a.length % 2 !== 0) throw new DssError(ctx.loc, `Points: expected x y pairs, got ${a.length} numbers`);
      s.x = a.filter((_v, k) => k % 2 === 0);
      s.y = a.filter((_v, k) => k % 2 === 1);
      s.npts = s.x.length;
    }),
    text('Yarray', (s, v, ctx) => void (s.y = values(v, ctx))),
    text('Xarray', (s, v, ctx) => void (s.x = values(v, ctx))),
    text('csvfile', (s, v, ctx) => {
      const p = readPairs(v, ctx);
      s.x = p.x;
      s.y = p.y;
      s.npts = p.x.length;
    }),
    text('sngfile', (_s, _v, ctx) => {
      throw new DssError(ctx.loc, 'sngfile: binary curve files are not supported; use csvfile=');
    }),
    text('dblfile', (_s, _v, ctx) => {
      throw new DssError(ctx.loc, 'dblfile: binary curve files are not supported; use csvfile=');
    }),
    ignoredProperty('x'),
    ignoredProperty('y'),
    ignoredProperty('Xshift'),
    ignoredProperty('Yshift'),
    ignoredProperty('Xscale'),
    ignoredProperty('Yscale'),
  ],
  finish: (s, ctx) => {
    if (s.npts === 0) s.npts = Math.min(s.x.length, s.y.length);
    if (s.x.length > s.npts) s.x = s.x.slice(0, s.npts);
    if (s.y.length > s.npts) s.y = s.y.slice(0, s.npts);
    if ((s.x.length > 0 || s.y.length > 0) && (s.x.length < s.npts || s.y.length < s.npts)) {
      throw new DssError(ctx.loc, `XYcurve.${s.name}: npts=${s.npts} but ${s.x.length} x and ${s.y.length} y values were given`);
    }
  },
};

/** OpenDSS's InterpolatePoints(i, j, x): the line through points i and j (0-based). */
function line(c: XYCurveState, i: number, j: number, x: number): number {
  const dx = c.x[i] - c.x[j];
  if (dx === 0) return c.y[i];
  return c.y[j] + ((x - c.x[j]) / dx) * (c.y[i] - c.y[j]);
}

/** y at x (OpenDSS GetYValue); 0 for a curve without points. */
export function yAt(c: XYCurveState, x: number): number {
  const n = c.npts;
  if (n <= 0) return 0;
  if (n === 1) return c.y[0];
  if (c.x[0] > x) return line(c, 0, 1, x);
  for (let i = 0; i < n; i++) {
    if (Math.abs(c.x[i] - x) < 0.00001) return c.y[i];
    if (c.x[i] > x) return line(c, i, i - 1, x);
  }
  return line(c, n - 1, n - 2, x);
}

/**
 * x at y (OpenDSS GetXValue): the first segment whose y range holds `y`, rising or falling;
 * outside every segment, extrapolated from the end the curve runs toward. 0 without points.
 */
export function xAt(c: XYCurveState, y: number): number {
  const n = c.npts;
  if (n <= 0) return 0;
  if (n === 1) return c.x[0];
  const inv = (i: number, j: number): number => {
    const dy = c.y[i] - c.y[j];
    return dy === 0 ? c.x[i] : c.x[j] + ((y - c.y[j]) / dy) * (c.x[i] - c.x[j]);
  };
  for (let i = 1; i < n; i++) {
    if ((y >= c.y[i - 1] && y <= c.y[i]) || (y <= c.y[i - 1] && y >= c.y[i])) return inv(i - 1, i);
  }
  const rising = c.y[0] <= c.y[n - 1];
  if (rising ? y <= c.y[0] : y >= c.y[0]) return inv(0, 1);
  return inv(n - 2, n - 1);
}

/**
 * Slope and intercept of the segment that GetYValue uses at x (OpenDSS GetCoefficients): y = a·x + b;
 * the end segments extended outside the x range; [0, 0] for fewer than two points.
 */
export function lineAt(c: XYCurveState, x: number): [number, number] {
  const n = c.npts;
  if (n <= 1) return [0, 0];
  const seg = (i: number): [number, number] => {
    const a = (c.y[i] - c.y[i - 1]) / (c.x[i] - c.x[i - 1]);
    return [a, c.y[i] - a * c.x[i]];
  };
  if (c.x[0] > x) return seg(1);
  for (let i = 1; i < n; i++) if (c.x[i] > x) return seg(i);
  return seg(n - 1);
}
