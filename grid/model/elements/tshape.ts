/**
 * TShape, with OpenDSS's semantics (TempShape.pas): temperatures (°C) at a fixed interval (h,
 * minterval, sinterval) or at given hours, evaluated at a time exactly as a LoadShape's
 * multipliers are (point round(t/interval), 1-based, wrapping; interpolated when the interval is
 * variable). PVSystem reads it through Tdaily/Tyearly/Tduty for its P-T curve.
 */
import { DssError } from '../../errors.js';
import type { DssClass, SetContext } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { parseNumberArray } from '../../dss/values.js';
import { num, text } from './common.js';
import { type LoadShapeState, shapeMultipliers } from './loadshape.js';

export interface TShapeState {
  readonly name: string;
  npts: number;
  intervalH: number;
  temp: number[];
  hours: number[] | undefined;
}

function values(v: string, ctx: SetContext): number[] {
  return parseNumberArray(v, ctx.loc, ctx.prop, { dir: ctx.dir, fs: ctx.fs });
}

export const tShapeClass: DssClass<TShapeState> = {
  name: 'tshape',
  create: (name) => ({ name, npts: 0, intervalH: 1, temp: [], hours: undefined }),
  properties: [
    num('npts', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 0) throw new DssError(ctx.loc, `npts: expected a whole number ≥ 0, got ${v}`);
      s.npts = v;
    }),
    num('interval', (s, v) => void (s.intervalH = v)),
    text('temp', (s, v, ctx) => void (s.temp = values(v, ctx))),
    text('hour', (s, v, ctx) => void (s.hours = values(v, ctx))),
    ignoredProperty('mean'),
    ignoredProperty('stddev'),
    text('csvfile', (s, v, ctx) => void (s.temp = values(`file=${v}`, ctx))),
    text('sngfile', (_s, _v, ctx) => {
      throw new DssError(ctx.loc, 'sngfile: binary shape files are not supported; use csvfile=');
    }),
    text('dblfile', (_s, _v, ctx) => {
      throw new DssError(ctx.loc, 'dblfile: binary shape files are not supported; use csvfile=');
    }),
    num('sinterval', (s, v) => void (s.intervalH = v / 3600)),
    num('minterval', (s, v) => void (s.intervalH = v / 60)),
    text('action', (_s, v, ctx) => {
      throw new DssError(ctx.loc, `action: TShape action '${v}' is not supported`);
    }),
  ],
  finish: (s, ctx) => {
    if (s.npts === 0 && s.temp.length > 0) s.npts = s.temp.length;
    if (s.temp.length > s.npts) s.temp = s.temp.slice(0, s.npts);
    if (s.temp.length > 0 && s.temp.length < s.npts) {
      throw new DssError(ctx.loc, `TShape.${s.name}: npts=${s.npts} but only ${s.temp.length} temperatures were given`);
    }
  },
};

/** Temperature (°C) of a shape at `hour`; the same point rule as a load shape's multipliers. */
export function temperatureAt(s: TShapeState, hour: number, fallbackC: number): number {
  if (s.npts === 0 || s.temp.length === 0) return fallbackC;
  const asShape: LoadShapeState = { name: s.name, npts: s.npts, intervalH: s.intervalH, pmult: s.temp, qmult: undefined, hours: s.hours, useActual: false };
  return shapeMultipliers(asShape, hour).p;
}
