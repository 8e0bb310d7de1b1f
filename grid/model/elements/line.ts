/**
 * Line: a multi-phase pi section between two buses. Impedance comes from a LineCode (copied at the
 * moment `linecode=` is written, as in OpenDSS, so later r1=… edits override it), from direct
 * sequence or matrix values, or from a LineGeometry. Total impedance = per-length data × length,
 * converted from the line's length unit to the unit of the impedance data when both are given.
 */
import { DssError } from '../../errors.js';
import type { DssClass, SetContext } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { LENGTH_UNITS_M, parseLengthUnit, parseStringArray } from '../../dss/values.js';
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
  /**
   * OpenDSS's default C1 = 3.4 and C0 = 1.6 nF are per 1000 ft (Line.pas): when a line's own sequence
   * impedance was written and its capacitance was not (`capSpecified` false), the defaults are
   * converted to the `units` written after the impedance (`unitsAfterImpedance`; every impedance
   * property resets OpenDSS's LengthUnits to none), e.g. 11.15 nF/km with units=km. LineCodes keep
   * 3.4/1.6 per their own units.
   */
  capSpecified: boolean;
  sequenceWritten: boolean;
  unitsAfterImpedance: string;
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
    capSpecified: false,
    sequenceWritten: false,
    unitsAfterImpedance: 'none',
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
    { ...imp.r1, set: (s, v, ctx) => (directImpedance(s, true), imp.r1.set(s, v, ctx)) },
    { ...imp.x1, set: (s, v, ctx) => (directImpedance(s, true), imp.x1.set(s, v, ctx)) },
    { ...imp.r0, set: (s, v, ctx) => (directImpedance(s, true), imp.r0.set(s, v, ctx)) },
    { ...imp.x0, set: (s, v, ctx) => (directImpedance(s, true), imp.x0.set(s, v, ctx)) },
    { ...imp.c1, set: (s, v, ctx) => (capacitanceWritten(s, true), imp.c1.set(s, v, ctx)) },
    { ...imp.c0, set: (s, v, ctx) => (capacitanceWritten(s, true), imp.c0.set(s, v, ctx)) },
    { ...imp.rmatrix, set: (s, v, ctx) => ((s.nphases = s.phases), directImpedance(s, false), imp.rmatrix.set(s, v, ctx)) },
    { ...imp.xmatrix, set: (s, v, ctx) => ((s.nphases = s.phases), directImpedance(s, false), imp.xmatrix.set(s, v, ctx)) },
    { ...imp.cmatrix, set: (s, v, ctx) => ((s.nphases = s.phases), capacitanceWritten(s, false), imp.cmatrix.set(s, v, ctx)) },
    bool('Switch', (s, v) => {
      s.isSwitch = v;
      if (v) {
        // OpenDSS: a switch is a short, nearly ideal line
        directImpedance(s, true);
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
        s.unitsAfterImpedance = 'none';
        s.sequenceWritten = true;
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
      s.unitsAfterImpedance = s.lengthUnits;
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
    { ...imp.b1, set: (s, v, ctx) => (capacitanceWritten(s, true), imp.b1.set(s, v, ctx)) },
    { ...imp.b0, set: (s, v, ctx) => (capacitanceWritten(s, true), imp.b0.set(s, v, ctx)) },
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

function directImpedance(s: LineState, sequence: boolean): void {
  if (s.linecode !== undefined || s.geometry !== undefined || s.spacing !== undefined) {
    s.linecode = undefined;
    s.geometry = undefined;
    s.spacing = undefined;
  }
  if (s.lengthUnits !== 'none') s.units = s.lengthUnits;
  // OpenDSS ResetLengthUnits: a later units= is what converts the default capacitance
  s.unitsAfterImpedance = 'none';
  if (sequence) s.sequenceWritten = true;
}

/** C1, C0, B1, B0 or cmatrix written on the line (OpenDSS FCapSpecified). */
function capacitanceWritten(s: LineState, sequence: boolean): void {
  directImpedance(s, sequence);
  s.capSpecified = true;
}

/**
 * Factor on the line's C1/C0 for OpenDSS's default capacitance (see LineState.capSpecified): the
 * defaults, per 1000 ft, expressed per the unit written after the impedance. 1 otherwise.
 */
export function defaultCapacitanceFactor(s: LineState): number {
  if (s.kind !== 'sequence' || s.linecode !== undefined || !s.sequenceWritten || s.capSpecified || s.unitsAfterImpedance === 'none') return 1;
  return LENGTH_UNITS_M[s.unitsAfterImpedance] / LENGTH_UNITS_M.kft;
}
