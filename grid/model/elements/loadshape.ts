/**
 * LoadShape: multipliers at a fixed interval (npts with interval h, minterval min or sinterval s) or
 * at given hours (variable interval, interpolated), with separate Pmult/Qmult; values inline or read
 * from files (`mult=(file=… col=… header=…)`). Evaluation at time t follows OpenDSS's
 * LoadShape.GetMult: fixed interval → point round(t/interval) (1-based, banker's rounding as
 * Delphi's Round, wrapping past npts); `useactual` means the values are kW/kvar, not multipliers.
 */
import { DssError } from '../../errors.js';
import type { DssClass, SetContext } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { parseBoolean, parseNumberArray } from '../../dss/values.js';
import { num, text } from './common.js';

export interface LoadShapeState {
  readonly name: string;
  npts: number;
  /** hours; 0 means variable interval given by `hours` */
  intervalH: number;
  pmult: number[];
  qmult: number[] | undefined;
  hours: number[] | undefined;
  useActual: boolean;
}

/** An interval must be positive, or 0 for a variable interval given by hour= (checked at finish). */
function checkInterval(v: number, ctx: SetContext): number {
  if (!(v >= 0)) throw new DssError(ctx.loc, `${ctx.prop}: expected a positive interval (or 0 with hour=), got ${v}`);
  return v;
}

function readValues(v: string, ctx: SetContext): number[] {
  return parseNumberArray(v, ctx.loc, ctx.prop, { dir: ctx.dir, fs: ctx.fs });
}

export const loadShapeClass: DssClass<LoadShapeState> = {
  name: 'loadshape',
  create: (name) => ({ name, npts: 0, intervalH: 1, pmult: [], qmult: undefined, hours: undefined, useActual: false }),
  properties: [
    num('npts', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 0) throw new DssError(ctx.loc, `npts: expected a whole number ≥ 0, got ${v}`);
      s.npts = v;
    }),
    num('interval', (s, v, ctx) => void (s.intervalH = checkInterval(v, ctx))),
    text('mult', (s, v, ctx) => void (s.pmult = readValues(v, ctx))),
    text('hour', (s, v, ctx) => void (s.hours = readValues(v, ctx))),
    ignoredProperty('mean'),
    ignoredProperty('stddev'),
    text('csvfile', (s, v, ctx) => void (s.pmult = readValues(`file=${v}`, ctx))),
    text('sngfile', (s, v, ctx) => void (s.pmult = readValues(`sngfile=${v}`, ctx))),
    text('dblfile', (s, v, ctx) => void (s.pmult = readValues(`dblfile=${v}`, ctx))),
    text('action', (s, v, ctx) => {
      const a = v.trim().toLowerCase();
      if (a.startsWith('n')) normalize(s);
      else throw new DssError(ctx.loc, `action: LoadShape action '${v}' is not supported (supported: normalize)`);
    }),
    text('qmult', (s, v, ctx) => void (s.qmult = readValues(v, ctx))),
    text('UseActual', (s, v, ctx) => void (s.useActual = parseBoolean(v, ctx.loc, 'UseActual'))),
    ignoredProperty('Pmax'),
    ignoredProperty('Qmax'),
    num('sinterval', (s, v, ctx) => void (s.intervalH = checkInterval(v, ctx) / 3600)),
    num('minterval', (s, v, ctx) => void (s.intervalH = checkInterval(v, ctx) / 60)),
    ignoredProperty('Pbase'),
    ignoredProperty('Qbase'),
    text('Pmult', (s, v, ctx) => void (s.pmult = readValues(v, ctx))),
    ignoredProperty('PQCSVFile'),
    ignoredProperty('MemoryMapping'),
  ],
  finish: (s, ctx) => {
    if (s.npts === 0 && s.pmult.length > 0) s.npts = s.pmult.length;
    if (s.intervalH === 0 && s.pmult.length > 1) {
      // interval=0 is OpenDSS's variable interval: the hours come from hour=, increasing
      const h = s.hours ?? [];
      if (h.length < s.npts) throw new DssError(ctx.loc, `LoadShape.${s.name}: interval=0 needs hour= with ${s.npts} increasing hours, got ${h.length}`);
      for (let k = 1; k < s.npts; k++) if (!(h[k] > h[k - 1])) throw new DssError(ctx.loc, `LoadShape.${s.name}: hour= must increase, but hour ${k + 1} (${h[k]}) follows ${h[k - 1]}`);
    }
    if (s.pmult.length > s.npts) s.pmult = s.pmult.slice(0, s.npts);
    if (s.qmult && s.qmult.length > s.npts) s.qmult = s.qmult.slice(0, s.npts);
    if (s.pmult.length > 0 && s.pmult.length < s.npts) {
      throw new DssError(ctx.loc, `LoadShape.${s.name}: npts=${s.npts} but only ${s.pmult.length} multipliers were given`);
    }
    if (s.qmult && s.qmult.length < s.npts) {
      throw new DssError(ctx.loc, `LoadShape.${s.name}: npts=${s.npts} but only ${s.qmult.length} Q multipliers were given`);
    }
  },
};

/** `action=normalize`: Pmult and Qmult each divided by their largest magnitude (OpenDSS). */
function normalize(s: LoadShapeState): void {
  const scale = (a: number[]) => {
    const n = s.npts > 0 ? Math.min(s.npts, a.length) : a.length;
    let mx = 0;
    for (let k = 0; k < n; k++) mx = Math.max(mx, Math.abs(a[k]));
    return mx > 0 ? a.map((x) => x / mx) : a;
  };
  s.pmult = scale(s.pmult);
  if (s.qmult) s.qmult = scale(s.qmult);
}

/** OpenDSS's built-in `default` shape (24 hourly points), present in every circuit. */
export function defaultLoadShape(): LoadShapeState {
  const mult = [0.677, 0.6256, 0.6087, 0.5833, 0.58028, 0.6025, 0.657, 0.7477, 0.832, 0.88, 0.94, 0.989, 0.985, 0.98, 0.9898, 0.999, 1, 0.958, 0.936, 0.913, 0.876, 0.876, 0.828, 0.756];
  return { name: 'default', npts: 24, intervalH: 1, pmult: mult, qmult: undefined, hours: undefined, useActual: false };
}

/** Delphi's Round: to nearest, ties to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Multipliers of a shape at `hour` (h since the start of the day/year). Q falls back to P when the
 * shape has no Qmult, as OpenDSS does.
 */
export function shapeMultipliers(s: LoadShapeState, hour: number): { p: number; q: number } {
  const n = s.npts;
  if (n === 0 || s.pmult.length === 0) return { p: 1, q: 1 };
  if (n === 1) return { p: s.pmult[0], q: s.qmult ? s.qmult[0] : s.pmult[0] };
  if (s.intervalH > 0) {
    let idx = roundHalfEven(hour / s.intervalH);
    if (idx > n) idx = idx % n;
    if (idx === 0) idx = n;
    const p = s.pmult[idx - 1];
    return { p, q: s.qmult ? s.qmult[idx - 1] : p };
  }
  // variable interval: linear interpolation on the hour array, wrapping at its last hour
  const hours = s.hours ?? [];
  const last = hours[n - 1];
  let t = hour;
  if (last > 0 && t > last) t = t - Math.floor(t / last) * last;
  let k = 0;
  while (k < n - 1 && hours[k + 1] < t) k++;
  if (t <= hours[0]) return { p: s.pmult[0], q: s.qmult ? s.qmult[0] : s.pmult[0] };
  if (k >= n - 1) return { p: s.pmult[n - 1], q: s.qmult ? s.qmult[n - 1] : s.pmult[n - 1] };
  const f = (t - hours[k]) / (hours[k + 1] - hours[k]);
  const p = s.pmult[k] + f * (s.pmult[k + 1] - s.pmult[k]);
  const q = s.qmult ? s.qmult[k] + f * (s.qmult[k + 1] - s.qmult[k]) : p;
  return { p, q };
}
