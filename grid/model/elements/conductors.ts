/**
 * Conductor and geometry data classes (OpenDSS WireData, CNData, TSData, LineSpacing,
 * LineGeometry) and their conversion to the line-constants library (grid/line-constants). Values
 * are kept as written with their unit names, and converted with the final units when a line is
 * built, as OpenDSS does (ConductorData.pas keeps raw values and unit codes). Unset units mean
 * metres ('none'); LineSpacing units default to ft and `nconds=` resets them, as in OpenDSS.
 */
import { DssError, type DssLocation } from '../../errors.js';
import type { DssClass, PropertyDef, SetContext } from '../../dss/object-class.js';
import { ignoredProperty } from '../../dss/object-class.js';
import { LENGTH_UNITS_M, parseBoolean, parseLengthUnit, parseNumberArray, parseStringArray } from '../../dss/values.js';
import {
  type Conductor,
  type LineGeometry as GeometrySpec,
  type WireDataInput,
  resolveCnCable,
  resolveTsCable,
  resolveWireData,
} from '../../line-constants/index.js';
import { conductorCount, num, text } from './common.js';

/** Raw conductor data as written (undefined = not given). */
export interface ConductorState {
  readonly name: string;
  kind: 'wire' | 'cn' | 'ts';
  rdc?: number;
  rac?: number;
  rUnits: string;
  gmr?: number;
  gmrUnits: string | undefined;
  radius?: number;
  radUnits: string | undefined;
  capRadius?: number;
  normAmps?: number;
  emergAmps?: number;
  // cable
  epsR?: number;
  insLayer?: number;
  diaIns?: number;
  diaCable?: number;
  // CN
  k?: number;
  diaStrand?: number;
  gmrStrand?: number;
  rStrand?: number;
  semicon?: boolean;
  // TS
  diaShield?: number;
  tapeLayer?: number;
  tapeLap?: number;
}

function conductorProps(): PropertyDef<ConductorState>[] {
  return [
    num('Rdc', (s, v) => void (s.rdc = v)),
    num('Rac', (s, v) => void (s.rac = v)),
    text('Runits', (s, v, ctx) => void (s.rUnits = parseLengthUnit(v, ctx.loc, 'Runits'))),
    num('GMRac', (s, v) => void (s.gmr = v)),
    text('GMRunits', (s, v, ctx) => void (s.gmrUnits = parseLengthUnit(v, ctx.loc, 'GMRunits'))),
    num('radius', (s, v) => void (s.radius = v)),
    text('radunits', (s, v, ctx) => void (s.radUnits = parseLengthUnit(v, ctx.loc, 'radunits'))),
    num('normamps', (s, v) => void (s.normAmps = v)),
    num('emergamps', (s, v) => void (s.emergAmps = v)),
    num('diam', (s, v) => void (s.radius = v / 2)),
    ignoredProperty('Seasons'),
    ignoredProperty('Ratings'),
    num('Capradius', (s, v) => void (s.capRadius = v)),
  ];
}

function cableProps(): PropertyDef<ConductorState>[] {
  return [
    num('EpsR', (s, v) => void (s.epsR = v)),
    num('InsLayer', (s, v) => void (s.insLayer = v)),
    num('DiaIns', (s, v) => void (s.diaIns = v)),
    num('DiaCable', (s, v) => void (s.diaCable = v)),
  ];
}

const create = (kind: ConductorState['kind']) => (name: string): ConductorState => ({ name, kind, rUnits: 'none', gmrUnits: undefined, radUnits: undefined });

export const wireDataClass: DssClass<ConductorState> = {
  name: 'wiredata',
  create: create('wire'),
  // OpenDSS also accepts the GMR property under the name `GMR`
  properties: [...conductorProps(), num('GMR', (s, v) => void (s.gmr = v))],
};

export const cnDataClass: DssClass<ConductorState> = {
  name: 'cndata',
  create: create('cn'),
  properties: [
    num('k', (s, v) => void (s.k = v)),
    num('DiaStrand', (s, v) => void (s.diaStrand = v)),
    num('GmrStrand', (s, v) => void (s.gmrStrand = v)),
    num('Rstrand', (s, v) => void (s.rStrand = v)),
    text('SemiconLayer', (s, v, ctx) => void (s.semicon = parseBoolean(v, ctx.loc, 'SemiconLayer'))),
    ...cableProps(),
    ...conductorProps(),
    num('GMR', (s, v) => void (s.gmr = v)),
  ],
};

export const tsDataClass: DssClass<ConductorState> = {
  name: 'tsdata',
  create: create('ts'),
  properties: [
    num('DiaShield', (s, v) => void (s.diaShield = v)),
    num('TapeLayer', (s, v) => void (s.tapeLayer = v)),
    num('TapeLap', (s, v) => void (s.tapeLap = v)),
    ...cableProps(),
    ...conductorProps(),
    num('GMR', (s, v) => void (s.gmr = v)),
  ],
};

const m = (unit: string | undefined): number => LENGTH_UNITS_M[unit ?? 'none'];

/** Converts raw conductor data to the line-constants library's SI types, with OpenDSS's defaults. */
export function resolveConductor(c: ConductorState, loc: DssLocation | undefined): Conductor {
  // GMRunits and radunits default to each other (OpenDSS ConductorData)
  const gmrUnits = c.gmrUnits ?? c.radUnits;
  const radUnits = c.radUnits ?? c.gmrUnits;
  const perM = 1 / m(c.rUnits);
  const core: WireDataInput = {
    rdcOhmPerM: c.rdc === undefined ? undefined : c.rdc * perM,
    racOhmPerM: c.rac === undefined ? undefined : c.rac * perM,
    gmrM: c.gmr === undefined ? undefined : c.gmr * m(gmrUnits),
    radiusM: c.radius === undefined ? undefined : c.radius * m(radUnits),
    capRadiusM: c.capRadius === undefined ? undefined : c.capRadius * m(radUnits),
    normAmps: c.normAmps,
    emergAmps: c.emergAmps,
  };
  const need = (v: number | undefined, prop: string): number => {
    if (v === undefined) throw new DssError(loc, `${c.kind === 'cn' ? 'CNData' : 'TSData'}.${c.name}: ${prop} is required`);
    return v;
  };
  const rad = m(radUnits);
  try {
    if (c.kind === 'wire') return resolveWireData(core, `WireData.${c.name}`);
    const ins = {
      core,
      epsR: c.epsR,
      insLayerM: need(c.insLayer, 'InsLayer') * rad,
      diaInsM: need(c.diaIns, 'DiaIns') * rad,
      diaCableM: need(c.diaCable, 'DiaCable') * rad,
    };
    if (c.kind === 'cn') {
      return resolveCnCable(
        {
          ...ins,
          strandCount: c.k,
          strandDiameterM: need(c.diaStrand, 'DiaStrand') * rad,
          strandGmrM: c.gmrStrand === undefined ? undefined : c.gmrStrand * m(gmrUnits),
          strandROhmPerM: need(c.rStrand, 'Rstrand') * perM,
          semiconLayer: c.semicon,
        },
        `CNData.${c.name}`,
      );
    }
    return resolveTsCable({ ...ins, diaShieldM: need(c.diaShield, 'DiaShield') * rad, tapeLayerM: need(c.tapeLayer, 'TapeLayer') * rad, tapeLapPct: c.tapeLap }, `TSData.${c.name}`);
  } catch (err) {
    if (err instanceof DssError || !(err instanceof Error)) throw err;
    throw new DssError(loc, err.message);
  }
}

/** A placed conductor as written: position with its unit, and the conductor's class and name. */
interface Slot {
  x?: number;
  h?: number;
  units: string;
  conductor?: { cls: 'wiredata' | 'cndata' | 'tsdata'; name: string };
}

export interface LineSpacingState {
  readonly name: string;
  nconds: number;
  nphases: number;
  x: number[];
  h: number[];
  units: string;
}

export const lineSpacingClass: DssClass<LineSpacingState> = {
  name: 'linespacing',
  create: (name) => ({ name, nconds: 3, nphases: 3, x: [], h: [], units: 'ft' }),
  properties: [
    num('nconds', (s, v, ctx) => {
      s.nconds = conductorCount(v, ctx);
      s.units = 'ft';
    }),
    num('nphases', (s, v, ctx) => void (s.nphases = conductorCount(v, ctx))),
    text('x', (s, v, ctx) => void (s.x = parseNumberArray(v, ctx.loc, 'x'))),
    text('h', (s, v, ctx) => void (s.h = parseNumberArray(v, ctx.loc, 'h'))),
    text('units', (s, v, ctx) => void (s.units = parseLengthUnit(v, ctx.loc, 'units'))),
  ],
};

export interface LineGeometryState {
  readonly name: string;
  nconds: number;
  nphases: number;
  slots: Slot[];
  active: number;
  units: string;
  reduce: boolean;
  normAmps?: number;
  emergAmps?: number;
}

function slot(s: LineGeometryState): Slot {
  while (s.slots.length <= s.active) s.slots.push({ units: s.units });
  return s.slots[s.active];
}

function conductorRef(cls: 'wiredata' | 'cndata' | 'tsdata', ctx: SetContext, name: string): { cls: 'wiredata' | 'cndata' | 'tsdata'; name: string } {
  if (!ctx.find(cls, name)) throw new DssError(ctx.loc, `${ctx.prop}: ${cls} '${name}' is not defined`);
  return { cls, name: name.toLowerCase() };
}

function allConductors(cls: 'wiredata' | 'cndata' | 'tsdata') {
  return (s: LineGeometryState, v: string, ctx: SetContext): void => {
    const names = parseStringArray(v);
    names.forEach((name, k) => {
      while (s.slots.length <= k) s.slots.push({ units: s.units });
      s.slots[k].conductor = conductorRef(cls, ctx, name);
    });
  };
}

export const lineGeometryClass: DssClass<LineGeometryState> = {
  name: 'linegeometry',
  create: (name) => ({ name, nconds: 3, nphases: 3, slots: [], active: 0, units: 'ft', reduce: false }),
  properties: [
    num('nconds', (s, v, ctx) => void (s.nconds = conductorCount(v, ctx))),
    num('nphases', (s, v, ctx) => void (s.nphases = conductorCount(v, ctx))),
    num('cond', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1) throw new DssError(ctx.loc, `cond: expected a conductor number ≥ 1, got ${v}`);
      s.active = v - 1;
    }),
    text('wire', (s, v, ctx) => void (slot(s).conductor = conductorRef('wiredata', ctx, v))),
    num('x', (s, v) => void (slot(s).x = v)),
    num('h', (s, v) => void (slot(s).h = v)),
    text('units', (s, v, ctx) => {
      s.units = parseLengthUnit(v, ctx.loc, 'units');
      slot(s).units = s.units;
    }),
    num('normamps', (s, v) => void (s.normAmps = v)),
    num('emergamps', (s, v) => void (s.emergAmps = v)),
    text('reduce', (s, v, ctx) => void (s.reduce = parseBoolean(v, ctx.loc, 'reduce'))),
    text('spacing', (s, v, ctx) => {
      const sp = ctx.find<LineSpacingState>('linespacing', v);
      if (!sp) throw new DssError(ctx.loc, `spacing: LineSpacing '${v}' is not defined`);
      s.nconds = sp.nconds;
      s.nphases = sp.nphases;
      for (let k = 0; k < sp.nconds; k++) {
        while (s.slots.length <= k) s.slots.push({ units: sp.units });
        s.slots[k].x = sp.x[k];
        s.slots[k].h = sp.h[k];
        s.slots[k].units = sp.units;
      }
    }),
    text('wires', allConductors('wiredata')),
    text('cncable', (s, v, ctx) => void (slot(s).conductor = conductorRef('cndata', ctx, v))),
    text('tscable', (s, v, ctx) => void (slot(s).conductor = conductorRef('tsdata', ctx, v))),
    text('cncables', allConductors('cndata')),
    text('tscables', allConductors('tsdata')),
    ignoredProperty('Seasons'),
    ignoredProperty('Ratings'),
    ignoredProperty('LineType'),
  ],
};

/** Objects a geometry refers to, looked up by class and name at build time. */
export type ObjectLookup = <T>(cls: string, name: string) => T | undefined;

/** Builds the line-constants geometry of a LineGeometry object. */
export function geometrySpec(g: LineGeometryState, find: ObjectLookup, loc: DssLocation | undefined): GeometrySpec {
  if (g.slots.length < g.nconds) throw new DssError(loc, `LineGeometry.${g.name}: ${g.nconds} conductors declared, ${g.slots.length} placed`);
  const conductors = g.slots.slice(0, g.nconds).map((sl, k) => {
    if (sl.x === undefined || sl.h === undefined) throw new DssError(loc, `LineGeometry.${g.name}: conductor ${k + 1} has no x/h position`);
    if (!sl.conductor) throw new DssError(loc, `LineGeometry.${g.name}: conductor ${k + 1} has no wire or cable`);
    const data = find<ConductorState>(sl.conductor.cls, sl.conductor.name);
    if (!data) throw new DssError(loc, `LineGeometry.${g.name}: ${sl.conductor.cls} '${sl.conductor.name}' is not defined`);
    return { xM: sl.x * m(sl.units), hM: sl.h * m(sl.units), conductor: resolveConductor(data, loc) };
  });
  return { nphases: g.nphases, conductors, reduce: g.reduce, nconds: g.nconds, name: g.name };
}
