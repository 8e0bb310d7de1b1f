/**
 * The user-facing network (DESIGN rule 3, engineering model): buses with their voltage bases and
 * coordinates, linear elements with their primitive admittance (lines, transformers), sources as
 * Norton equivalents, and loads with their base power, voltage model and load shapes. Built from an
 * interpreted OpenDSS circuit; the power flow compiles it into index arrays (grid/powerflow).
 */
import { DssError, type DssLocation, GridError } from '../errors.js';
import { type DssCircuit, type IgnoredItem, modelledClass } from '../dss/interpreter.js';
import type { BranchSpec } from '../dss/object-class.js';
import type { CMatrix, Complex } from './complex.js';
import { type BusRef, terminalNodes } from './elements/common.js';
import type { LineState } from './elements/line.js';
import { type LoadModel, type LoadState, loadBasePower } from './elements/load.js';
import { type LoadShapeState, defaultLoadShape } from './elements/loadshape.js';
import { type TransformerState, transformerEmergAmps, transformerNormAmps } from './elements/transformer.js';
import type { VsourceState } from './elements/vsource.js';
import { lineYprim, openConductors, transformerYprim, vsourceNorton } from './yprim.js';
import { type LineGeometryState, type ObjectLookup, geometrySpec, resolveConductor } from './elements/conductors.js';
import type { LineSpacingState, ConductorState } from './elements/conductors.js';
import { type EarthModel, type LineGeometry as GeometrySpec, lineConstants } from '../line-constants/index.js';
import { LENGTH_UNITS_M } from '../dss/values.js';
import { type Pce, buildPces } from './pces.js';

export interface Bus {
  readonly name: string;
  /** Line-to-neutral voltage base in kV, when known (SetkVBase or Calcvoltagebases). */
  kvBaseLn: number | undefined;
  readonly coords: { x: number; y: number } | undefined;
}

/** Where one terminal's conductors connect: bus index and node number per conductor (0 = ground). */
export interface Terminal {
  readonly bus: number;
  readonly nodes: readonly number[];
}

/** A linear element (line or transformer) with its primitive admittance. */
export interface Branch {
  readonly kind: 'line' | 'transformer' | BranchSpec['kind'];
  readonly name: string;
  readonly terminals: readonly Terminal[];
  /** Siemens; order = Σ conductors of the terminals. */
  readonly y: CMatrix;
  readonly phases: number;
  /** Current ratings in A: a line's NormAmps/EmergAmps, a transformer's from NormHkVA/EmergHkVA (0 when unknown). */
  readonly normAmps: number;
  readonly emergAmps: number;
  /** Transformer flagged `sub=y`. */
  readonly substation: boolean;
  /** Total series impedance of a line (Ω), else undefined. */
  readonly seriesZ: CMatrix | undefined;
  /** Whether the element has shunt admittance (line capacitance, transformer magnetising). */
  readonly shunt: boolean;
  /** A line's shunt admittance at each end of its pi section (S), else undefined. */
  readonly shuntEnd: CMatrix | undefined;
  /** Conductors opened by `Open` (Yprim order), or undefined when all are closed. */
  readonly open: readonly boolean[] | undefined;
}

/** A voltage source behind an impedance: injects y·emf into terminal 0 and −y·emf into terminal 1. */
export interface Source {
  readonly name: string;
  readonly terminals: readonly Terminal[];
  readonly y: CMatrix;
  readonly emf: readonly Complex[];
}

export interface Load {
  readonly name: string;
  readonly terminal: Terminal;
  readonly phases: number;
  readonly conn: 'wye' | 'delta';
  /** Base power of the whole load (all phases): kW consumed > 0, kvar. */
  readonly kW: number;
  readonly kvar: number;
  readonly model: LoadModel;
  /** CVR exponents of P and Q (model 4) */
  readonly cvrWatts: number;
  readonly cvrVars: number;
  /** ZIPV coefficients (model 8): Z, I, P of P, Z, I, P of Q, cut-off pu */
  readonly zipv: readonly number[] | undefined;
  /** Voltage base of one load branch (phase-neutral for wye, phase-phase for delta), V. */
  readonly vBase: number;
  readonly vminpu: number;
  readonly vmaxpu: number;
  readonly vlowpu: number;
  readonly status: 'variable' | 'fixed' | 'exempt';
  readonly daily: LoadShapeState | undefined;
  readonly yearly: LoadShapeState | undefined;
  readonly duty: LoadShapeState | undefined;
}

export interface Network {
  readonly name: string;
  readonly file: string;
  readonly baseFrequencyHz: number;
  readonly voltageBasesKv: readonly number[];
  readonly calcVoltageBases: boolean;
  readonly buses: Bus[];
  readonly busIndex: ReadonlyMap<string, number>;
  readonly branches: readonly Branch[];
  readonly sources: readonly Source[];
  readonly loads: readonly Load[];
  /** Generators, PVSystems (power conversion elements that inject), see pces.ts */
  readonly pces: readonly Pce[];
  readonly shapes: ReadonlyMap<string, LoadShapeState>;
  readonly options: ReadonlyMap<string, string>;
  /** `Set loadmult=` (OpenDSS LoadMultiplier), 1 when not set */
  readonly loadMult: number;
  readonly ignored: readonly IgnoredItem[];
  /** accepted objects that change the physics and that lemsim does not apply (reported, never silent) */
  readonly notApplied: readonly IgnoredItem[];
  /** the interpreted script it was built from (element states for controls: taps, capacitor steps) */
  readonly circuit: DssCircuit;
  /** where each element was defined, by its network name (`line.l1`, `load.h3`): file:line */
  readonly definedAt: ReadonlyMap<string, DssLocation>;
}

/**
 * The first element connected to bus `bus` (sources, then lines and transformers, then loads) and
 * where it was defined, so an electrical error at a bus can point at a line of the script.
 */
export function elementAtBus(net: Network, bus: number): { name: string; loc: DssLocation | undefined } | undefined {
  const at = (els: readonly { name: string; terminals: readonly Terminal[] }[]) => els.find((e) => e.terminals.some((t) => t.bus === bus));
  const el = at(net.sources) ?? at(net.branches) ?? at(net.loads.map((l) => ({ name: l.name, terminals: [l.terminal] })));
  return el && { name: el.name, loc: net.definedAt.get(el.name) };
}

/** Builds the network of an interpreted circuit. */
export function buildNetwork(c: DssCircuit): Network {
  const buses: Bus[] = [];
  const busIndex = new Map<string, number>();
  const busOf = (name: string): number => {
    let k = busIndex.get(name);
    if (k === undefined) {
      k = buses.length;
      busIndex.set(name, k);
      buses.push({ name, kvBaseLn: c.busKvBaseLn.get(name), coords: c.busCoords.get(name) });
    }
    return k;
  };
  const terminal = (ref: BusRef, nconds: number, nphases: number): Terminal => ({ bus: busOf(ref.bus), nodes: terminalNodes(ref, nconds, nphases) });
  const objects = <T>(cls: string): T[] => [...(c.objects.get(cls)?.values() ?? [])] as T[];

  const sources: Source[] = [];
  for (const s of objects<VsourceState>('vsource')) {
    if (!s.enabled) continue;
    const { y, emf } = vsourceNorton(s, c.definedAt.get(`vsource.${s.name}`));
    const bus2: BusRef = s.bus2 ?? { bus: s.bus1.bus, nodes: new Array(s.phases).fill(0) };
    sources.push({ name: `vsource.${s.name}`, terminals: [terminal(s.bus1, s.phases, s.phases), terminal(bus2, s.phases, s.phases)], y, emf });
  }
  if (sources.length === 0) {
    if (c.circuitAt) throw new DssError(c.circuitAt, `circuit ${c.name}: every voltage source is disabled`);
    throw new DssError(undefined, `${c.file}: the script defines no circuit (expected New Circuit.<name>)`);
  }

  const branches: Branch[] = [];
  const find = <T>(cls: string, name: string): T | undefined => c.objects.get(cls)?.get(name) as T | undefined;
  const earthModel = earthModelOf(c.options.get('earthmodel'));
  const constantsCache = new Map<string, { z: CMatrix; cNf: Float64Array; normAmps: number | undefined }>();
  const perMetre = (l: LineState, loc: DssLocation | undefined) => {
    if (l.geometry === undefined && l.spacing === undefined) return undefined;
    const key = `${l.geometry ?? `${l.spacing}|${l.conductors.map((x) => `${x.cls}.${x.name}`).join(',')}`}|${l.rho}`;
    let hit = constantsCache.get(key);
    if (!hit) {
      const spec = l.geometry !== undefined ? geometrySpec(find<LineGeometryState>('linegeometry', l.geometry)!, find, undefined) : spacingSpec(l, find, loc);
      const res = lineConstants(spec, { frequencyHz: c.baseFrequencyHz, earthResistivityOhmM: l.rho, earthModel });
      const first = spec.conductors[0]?.conductor;
      const firstWire = first ? (first.kind === 'wire' ? first : first.core) : undefined;
      hit = { z: res.zOhmPerM, cNf: res.cFPerM.map((v) => v * 1e9), normAmps: firstWire?.normAmps };
      constantsCache.set(key, hit);
    }
    return hit;
  };
  for (const l of objects<LineState>('line')) {
    if (!l.enabled) continue;
    const geo = perMetre(l, c.definedAt.get(`line.${l.name}`));
    const prim = lineYprim(l, c.baseFrequencyHz, c.definedAt.get(`line.${l.name}`), geo);
    const phases = prim.z.n;
    const geometryAmps = l.geometry !== undefined ? find<LineGeometryState>('linegeometry', l.geometry)?.normAmps : undefined;
    branches.push({
      kind: 'line',
      name: `line.${l.name}`,
      terminals: [terminal(l.bus1, phases, phases), terminal(l.bus2, phases, phases)],
      y: prim.y,
      phases,
      normAmps: geo ? (geometryAmps ?? geo.normAmps ?? l.normAmps) : l.normAmps,
      emergAmps: l.emergAmps,
      substation: false,
      seriesZ: prim.z,
      shunt: prim.shunt,
      shuntEnd: prim.shuntEnd,
      open: undefined,
    });
  }
  for (const t of objects<TransformerState>('transformer')) {
    if (!t.enabled) continue;
    branches.push({
      kind: 'transformer',
      name: `transformer.${t.name}`,
      terminals: t.windings.map((w) => terminal(w.bus, t.phases + 1, t.phases)),
      y: transformerYprim(t, c.definedAt.get(`transformer.${t.name}`)),
      phases: t.phases,
      normAmps: transformerNormAmps(t),
      emergAmps: transformerEmergAmps(t),
      substation: t.sub,
      seriesZ: undefined,
      shunt: true,
      shuntEnd: undefined,
      open: undefined,
    });
  }
  // every other linear element a class defines (Capacitor, Reactor, …), in definition order
  for (const [clsName, objs] of c.objects) {
    const cls = modelledClass(clsName);
    if (!cls?.branch) continue;
    for (const s of objs.values()) {
      if (!(s as { enabled?: boolean }).enabled) continue;
      let spec: BranchSpec | undefined;
      try {
        spec = cls.branch(s, { baseFrequencyHz: c.baseFrequencyHz });
      } catch (err) {
        const at = c.definedAt.get(`${clsName}.${(s as { name: string }).name}`);
        if (err instanceof DssError && err.location === undefined && at) throw new DssError(at, err.detail);
        throw err;
      }
      if (!spec) continue;
      branches.push({
        kind: spec.kind,
        name: spec.name,
        terminals: spec.terminals.map((t) => terminal(t.ref, t.nconds, t.nphases)),
        y: spec.y,
        phases: spec.phases,
        normAmps: 0,
        emergAmps: 0,
        substation: false,
        seriesZ: undefined,
        shunt: true,
        shuntEnd: undefined,
        open: undefined,
      });
    }
  }
  // Open/Close: open conductors are eliminated from the element (an opened line is then no longer
  // a series element: it stays out of series chains and jumper merging)
  const byName = new Map(branches.map((b, k) => [b.name, k]));
  for (const [element, open] of openStates(c, (e) => {
    const k = byName.get(e);
    return k === undefined ? undefined : branches[k].terminals.map((t) => t.nodes.length);
  })) {
    const k = byName.get(element)!;
    const b = branches[k];
    branches[k] = { ...b, y: openConductors(b.y, open), seriesZ: undefined, shunt: true, shuntEnd: undefined, open };
  }

  const shapes = new Map<string, LoadShapeState>(c.objects.get('loadshape') ?? []);
  // OpenDSS defines a `default` shape in every circuit
  if (!shapes.has('default')) shapes.set('default', defaultLoadShape());
  const shapeOf = (load: LoadState, name: string | undefined, kind: string): LoadShapeState | undefined => {
    if (name === undefined) return undefined;
    const s = shapes.get(name);
    if (!s) throw new DssError(c.definedAt.get(`load.${load.name}`), `Load.${load.name}: ${kind} load shape '${name}' is not defined`);
    return s;
  };
  const loads: Load[] = [];
  for (const l of objects<LoadState>('load')) {
    if (!l.enabled) continue;
    // OpenDSS SetNcondsForConnection: wye phases + 1; delta of one or two phases (line-to-line,
    // open delta) phases + 1, else phases
    const nconds = l.conn === 'wye' || l.phases <= 2 ? l.phases + 1 : l.phases;
    const { kW, kvar } = loadBasePower(l);
    const vBase = l.conn === 'delta' ? l.kV * 1000 : l.phases === 2 || l.phases === 3 ? (l.kV * 1000) / Math.sqrt(3) : l.kV * 1000;
    loads.push({
      name: `load.${l.name}`,
      terminal: terminal(l.bus1, nconds, l.phases),
      phases: l.phases,
      conn: l.conn,
      kW,
      kvar,
      model: l.model,
      cvrWatts: l.cvrWatts,
      cvrVars: l.cvrVars,
      zipv: l.zipv,
      vBase,
      vminpu: l.vminpu,
      vmaxpu: l.vmaxpu,
      vlowpu: l.vlowpu,
      status: l.status,
      daily: shapeOf(l, l.daily, 'daily'),
      yearly: shapeOf(l, l.yearly, 'yearly'),
      duty: shapeOf(l, l.duty, 'duty'),
    });
  }
  return {
    name: c.name,
    file: c.file,
    baseFrequencyHz: c.baseFrequencyHz,
    voltageBasesKv: c.voltageBasesKv,
    calcVoltageBases: c.calcVoltageBases,
    buses,
    busIndex,
    branches,
    sources,
    loads,
    pces: buildPces(c, terminal),
    shapes,
    options: c.options,
    loadMult: c.loadMult,
    ignored: c.ignored,
    definedAt: c.definedAt,
    // an object disabled by the end of the script changes nothing: it is not reported
    notApplied: c.notApplied.filter((i) => {
      const m = /^([a-z_]+)\.([^:\s]+)[:\s]/.exec(i.what);
      const state = m ? (c.objects.get(m[1])?.get(m[2]) as { enabled?: boolean } | undefined) : undefined;
      return state?.enabled !== false;
    }),
    circuit: c,
  };
}

/**
 * The same network with some branches' primitive admittances replaced, by branch name (a control's
 * tap step or capacitor switching, see `transformerYprimWithTaps` and `capacitorBranch`). Buses,
 * terminals and the order of everything are unchanged, so a model compiled from it numbers its
 * nodes exactly as before and a solver state's voltages carry over as a warm start. The input is
 * not modified.
 */
export function withBranchAdmittances(n: Network, changes: ReadonlyMap<string, CMatrix>): Network {
  const index = new Map(n.branches.map((b, k) => [b.name, k]));
  const branches = [...n.branches];
  for (const [name, y] of changes) {
    const k = index.get(name.toLowerCase());
    if (k === undefined) throw new GridError(`withBranchAdmittances: no branch '${name}' in ${n.file}`);
    const b = branches[k];
    if (b.kind === 'line') throw new GridError(`withBranchAdmittances: ${name} is a line (its series impedance feeds series chains; rebuild the network instead)`);
    const order = b.terminals.reduce((s, t) => s + t.nodes.length, 0);
    if (y.n !== order) throw new GridError(`withBranchAdmittances: ${name} has ${order} conductors, the new admittance is ${y.n}×${y.n}`);
    branches[k] = { ...b, y: b.open ? openConductors(y, b.open) : y };
  }
  return { ...n, branches };
}

/**
 * Conductor states of every element an `Open`/`Close` names, after all of them in script order:
 * `class.name` → open flag per conductor (Yprim order), for elements with at least one open.
 */
function openStates(c: DssCircuit, conductorsPerTerminal: (element: string) => number[] | undefined): Map<string, boolean[]> {
  const out = new Map<string, boolean[]>();
  for (const a of c.switches) {
    const counts = conductorsPerTerminal(a.element);
    if (!counts) continue;
    if (a.terminal > counts.length) throw new DssError(a.loc, `${a.open ? 'Open' : 'Close'}: ${a.element} has ${counts.length} terminals, not ${a.terminal}`);
    const nc = counts[a.terminal - 1];
    if (a.conductor > nc) throw new DssError(a.loc, `${a.open ? 'Open' : 'Close'}: terminal ${a.terminal} of ${a.element} has ${nc} conductors, not ${a.conductor}`);
    const flags = out.get(a.element) ?? new Array(counts.reduce((x, y) => x + y, 0)).fill(false);
    const start = counts.slice(0, a.terminal - 1).reduce((x, y) => x + y, 0);
    for (let k = 0; k < nc; k++) if (a.conductor === 0 || a.conductor === k + 1) flags[start + k] = a.open;
    out.set(a.element, flags);
  }
  for (const [k, flags] of out) if (!flags.some((f) => f)) out.delete(k);
  return out;
}

function earthModelOf(v: string | undefined): EarthModel {
  const t = (v ?? 'deri').toLowerCase();
  if (t.startsWith('full')) return 'full-carson';
  if (t.startsWith('c')) return 'carson';
  return 'deri';
}

/**
 * Geometry of a line given as spacing + conductors on the line itself (OpenDSS
 * LoadSpacingAndWires): neutrals are reduced whenever there are more conductors than phases.
 */
function spacingSpec(l: LineState, find: ObjectLookup, loc: DssLocation | undefined): GeometrySpec {
  const sp = find<LineSpacingState>('linespacing', l.spacing!)!;
  if (l.conductors.length < sp.nconds) {
    throw new DssError(loc, `Line.${l.name}: spacing ${sp.name} has ${sp.nconds} conductors but ${l.conductors.length} wires/cables are given`);
  }
  const unit = LENGTH_UNITS_M[sp.units];
  const conductors = [];
  for (let k = 0; k < sp.nconds; k++) {
    const ref = l.conductors[k];
    conductors.push({ xM: sp.x[k] * unit, hM: sp.h[k] * unit, conductor: resolveConductor(find<ConductorState>(ref.cls, ref.name)!, undefined) });
  }
  return { nphases: sp.nphases, conductors, reduce: sp.nconds > sp.nphases, nconds: sp.nconds, name: sp.name };
}
