/**
 * Line: a multi-phase pi section between two buses. Impedance comes from a LineCode (copied at the
 * moment `linecode=` is written, as in OpenDSS, so later r1=… edits override it), from direct
 * sequence or matrix values, or from a LineGeometry. Total impedance = per-length data × length,
 * converted from the line's length unit to the unit of the impedance data when both are given.
 */
import { DssError } from '../../../errors.js';
import type { DssClass, SetContext } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { parseLengthUnit, parseStringArray } from '../../dss/values.js';
import type { LineGeometryState, LineSpacingState } from './conductors.js';
import { type BusRef, type ElementBase, bool, enabledProperty, num, parseBusRef, text, MAX_PHASES } from './common.js';
import { type ImpedanceData, type LineCodeState, defaultImpedance, impedanceProperties } from './linecode.js';

export interface LineState extends ElementBase, ImpedanceData {
  bus1: BusRef;
  bus2: BusRef;
  phases: number;
  length: number;
  /** Unit of `length`; 'none' = same as the impedance data. */
  lengthUnits: string;
  linecode: string | undefined;
  /** LineGeometry name, or the spacing + conductors written on the line itself */
  geometry: string | undefined;
  spacing: string | undefined;
  conductors: { cls: 'wiredata' | 'cndata' | 'tsdata'; name: string }[];
  /** earth resistivity for geometry lines, Ω·m */
  rho: number;
  isSwitch: boolean;
}

const imp = impedanceProperties<LineState>();

export const lineClass: DssClass<LineState> = {
  name: 'line',
  // the impedance defaults spread last (see load.ts: literal properties after a spread are slow)
  create: (name) => ({
    name,
    enabled: true,
    bus1: { bus: `${name}_1`, nodes: undefined },
    bus2: { bus: `${name}_2`, nodes: undefined },
    phases: 3,
    length: 1,
    lengthUnits: 'none',
    linecode: undefined,
    geometry: undefined,
    spacing: undefined,
    conductors: [],
    rho: 100,
    isSwitch: false,
    ...defaultImpedance(),
  }),
  properties: [
    text('bus1', (s, v, ctx) => void (s.bus1 = parseBusRef(v, ctx))),
    text('bus2', (s, v, ctx) => void (s.bus2 = parseBusRef(v, ctx))),
    text('linecode', (s, v, ctx) => {
      const code = ctx.find<LineCodeState>('linecode', v);
      if (!code) throw new DssError(ctx.loc, `linecode: LineCode '${v}' is not defined (define it before the line)`);
      s.linecode = code.name;
      s.geometry = undefined;
      s.nphases = code.nphases;
      s.phases = code.nphases;
      s.kind = code.kind;
      s.r1 = code.r1;
      s.x1 = code.x1;
      s.r0 = code.r0;
      s.x0 = code.x0;
      s.c1 = code.c1;
      s.c0 = code.c0;
      s.rmatrix = code.rmatrix;
      s.xmatrix = code.xmatrix;
      s.cmatrix = code.cmatrix;
      s.units = code.units;
      s.normAmps = code.normAmps;
      s.emergAmps = code.emergAmps;
    }),
    num('length', (s, v) => void (s.length = v)),
    num('phases', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1 || v > MAX_PHASES) throw new DssError(ctx.loc, `phases: expected a whole number from 1 to ${MAX_PHASES}, got ${v}`);
      s.phases = v;
      if (s.kind === 'sequence' || s.rmatrix === undefined) s.nphases = v;
    }),
    { ...imp.r1, set: (s, v, ctx) => (directImpedance(s), imp.r1.set(s, v, ctx)) },
    { ...imp.x1, set: (s, v, ctx) => (directImpedance(s), imp.x1.set(s, v, ctx)) },
    { ...imp.r0, set: (s, v, ctx) => (directImpedance(s), imp.r0.set(s, v, ctx)) },
    { ...imp.x0, set: (s, v, ctx) => (directImpedance(s), imp.x0.set(s, v, ctx)) },
    imp.c1,
    imp.c0,
    { ...imp.rmatrix, set: (s, v, ctx) => ((s.nphases = s.phases), directImpedance(s), imp.rmatrix.set(s, v, ctx)) },
    { ...imp.xmatrix, set: (s, v, ctx) => ((s.nphases = s.phases), directImpedance(s), imp.xmatrix.set(s, v, ctx)) },
    { ...imp.cmatrix, set: (s, v, ctx) => ((s.nphases = s.phases), imp.cmatrix.set(s, v, ctx)) },
    bool('Switch', (s, v) => {
      s.isSwitch = v;
      if (v) {
        // OpenDSS: a switch is a short, nearly ideal line
        directImpedance(s);
        s.kind = 'sequence';
        s.r1 = 1;
        s.x1 = 1;
        s.r0 = 1;
        s.x0 = 1;
        s.c1 = 1.1;
        s.c0 = 1;
        s.length = 0.001;
        s.lengthUnits = 'none';
        s.units = 'none';
      }
    }),
    ignoredProperty('Rg'),
    ignoredProperty('Xg'),
    num('rho', (s, v) => void (s.rho = v)),
    text('geometry', (s, v, ctx) => {
      const g = ctx.find<LineGeometryState>('linegeometry', v);
      if (!g) throw new DssError(ctx.loc, `geometry: LineGeometry '${v}' is not defined (define it before the line)`);
      s.geometry = g.name;
      s.linecode = undefined;
      s.spacing = undefined;
      s.phases = g.reduce ? g.nphases : g.nconds;
      s.normAmps = g.normAmps ?? s.normAmps;
      s.emergAmps = g.emergAmps ?? s.emergAmps;
    }),
    text('units', (s, v, ctx) => {
      s.lengthUnits = parseLengthUnit(v, ctx.loc, 'units');
      // impedances written on the line itself are per the line's own length unit
      if (s.linecode === undefined && s.geometry === undefined && s.spacing === undefined) s.units = s.lengthUnits;
    }),
    text('spacing', (s, v, ctx) => {
      const sp = ctx.find<LineSpacingState>('linespacing', v);
      if (!sp) throw new DssError(ctx.loc, `spacing: LineSpacing '${v}' is not defined`);
      s.spacing = sp.name;
      s.geometry = undefined;
      s.linecode = undefined;
      s.phases = sp.nphases;
    }),
    text('wires', lineConductors('wiredata')),
    ignoredProperty('EarthModel'),
    text('cncables', lineConductors('cndata')),
    text('tscables', lineConductors('tsdata')),
    imp.b1,
    imp.b0,
    ignoredProperty('Seasons'),
    ignoredProperty('Ratings'),
    ignoredProperty('LineType'),
    imp.normamps,
    imp.emergamps,
    ignoredProperty('faultrate'),
    ignoredProperty('pctperm'),
    ignoredProperty('repair'),
    ignoredProperty('basefreq'),
    enabledProperty(),
  ],
};

function lineConductors(cls: 'wiredata' | 'cndata' | 'tsdata') {
  return (s: LineState, v: string, ctx: SetContext): void => {
    for (const name of parseStringArray(v)) {
      if (!ctx.find(cls, name)) throw new DssError(ctx.loc, `${ctx.prop}: ${cls} '${name}' is not defined`);
      s.conductors.push({ cls, name: name.toLowerCase() });
    }
  };
}

function directImpedance(s: LineState): void {
  if (s.linecode !== undefined || s.geometry !== undefined || s.spacing !== undefined) {
    s.linecode = undefined;
    s.geometry = undefined;
    s.spacing = undefined;
  }
  if (s.lengthUnits !== 'none') s.units = s.lengthUnits;
}
