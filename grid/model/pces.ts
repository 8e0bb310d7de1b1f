/**
 * Power conversion elements of the network (engineering model): Generator, PVSystem and Storage,
 * each drawn by the solver as one injection branch per phase (wye: phase to the element's neutral
 * conductor; delta: phase to the next phase), with OpenDSS's voltage behaviour, and carrying what
 * the solver needs to compute its power at a time step (grid/powerflow/pce-power.ts). Built from
 * the interpreted circuit; shapes and curves are resolved here, so a missing one is a DssError.
 *
 * Sign convention (grid layer, DESIGN rule 2): the element data below are OpenDSS's (generation
 * positive); the branches the solver sees carry consumption-positive power, i.e. minus these.
 */
import { DssError } from '../errors.js';
import type { DssCircuit } from '../dss/interpreter.js';
import type { BusRef } from './elements/common.js';
import type { GeneratorModel, GeneratorState } from './elements/generator.js';
import type { LoadShapeState } from './elements/loadshape.js';
import { type Connection, branchBase, pceConductors } from './elements/power-conversion.js';
import type { PvSystemState } from './elements/pvsystem.js';
import type { StorageState } from './elements/storage.js';
import type { TShapeState } from './elements/tshape.js';
import type { XYCurveState } from './elements/xycurve.js';

export interface PceTerminal {
  readonly bus: number;
  readonly nodes: readonly number[];
}

interface PceBase {
  /** `generator.g1`, `pvsystem.pv1`, `storage.b1` */
  readonly name: string;
  readonly terminal: PceTerminal;
  readonly phases: number;
  readonly conn: Connection;
  /** voltage base of one injection branch (V) and scale of its constant-impedance fallback */
  readonly vBase: number;
  readonly zScale: number;
  readonly vminpu: number;
  readonly vmaxpu: number;
  /**
   * How the element's current follows its voltage (OpenDSS's model procedures): `pq` constant PQ
   * inside Vminpu…Vmaxpu, constant Z outside (DoConstantPQGen, DoConstantPQPVsystemObj); `z`
   * constant admittance at the present power (model 2); `ilimit` constant PQ with the current capped
   * below Vminpu (PVSystem LimitCurrent=yes; `gen7` generator model 7, see BR_PCE_GEN7); `pqcap`
   * as `pq` with the current then capped at |S|/(Vminpu·VBase) (Storage LimitCurrent=yes); `fixedq` / `fixedqz`
   * constant P with the base kvar as a constant Q / a constant reactance (generator models 4 and
   * 5); `pv` constant PQ at any voltage, its Q adjusted to hold |V| (generator model 3).
   */
  readonly branchModel: PceBranchModel;
  /** base kvar per element (generation sign) that models 4 and 5 hold fixed; 0 otherwise */
  readonly kvarFixed: number;
}

export type PceBranchModel = 'pq' | 'z' | 'ilimit' | 'gen7' | 'pqcap' | 'fixedq' | 'fixedqz' | 'pv';

export interface ShapeSet {
  readonly daily: LoadShapeState | undefined;
  readonly yearly: LoadShapeState | undefined;
  readonly duty: LoadShapeState | undefined;
}

export interface GeneratorPce extends PceBase {
  readonly kind: 'generator';
  /** OpenDSS's generator model (see GeneratorState) */
  readonly model: GeneratorModel;
  readonly kW: number;
  readonly kvar: number;
  readonly fixed: boolean;
  readonly shapes: ShapeSet;
  readonly dutyStartH: number;
  /** model 3: target of the average terminal voltage magnitude (V, L-N or as OpenDSS's VTarget) */
  readonly vTarget: number;
  readonly kvarMax: number;
  readonly kvarMin: number;
}

export interface PvSystemPce extends PceBase {
  readonly kind: 'pvsystem';
  readonly state: PvSystemState;
  readonly shapes: ShapeSet;
  readonly tshapes: { readonly daily: TShapeState | undefined; readonly yearly: TShapeState | undefined; readonly duty: TShapeState | undefined };
  readonly effCurve: XYCurveState | undefined;
  readonly ptCurve: XYCurveState | undefined;
}

export interface StoragePce extends PceBase {
  readonly kind: 'storage';
  readonly state: StorageState;
  readonly shapes: ShapeSet;
  /** inverter efficiency against |DC kW| / kVA */
  readonly effCurve: XYCurveState | undefined;
}

export type Pce = GeneratorPce | PvSystemPce | StoragePce;

type TerminalOf = (ref: BusRef, nconds: number, nphases: number) => PceTerminal;

/** Every enabled Generator, PVSystem and Storage of a circuit, in class then creation order. */
export function buildPces(c: DssCircuit, terminal: TerminalOf): Pce[] {
  const lookup = <T>(cls: string, owner: string, what: string, name: string | undefined): T | undefined => {
    if (name === undefined) return undefined;
    const o = c.objects.get(cls)?.get(name) as T | undefined;
    if (!o) throw new DssError({ file: c.file, line: 1 }, `${owner}: ${what} '${name}' is not defined`);
    return o;
  };
  const shapeSet = (owner: string, s: { daily?: string; yearly?: string; duty?: string }): ShapeSet => ({
    daily: lookup<LoadShapeState>('loadshape', owner, 'daily load shape', s.daily),
    yearly: lookup<LoadShapeState>('loadshape', owner, 'yearly load shape', s.yearly),
    duty: lookup<LoadShapeState>('loadshape', owner, 'duty load shape', s.duty),
  });
  const base = (owner: string, s: { phases: number; conn: Connection; bus1: BusRef; vBase: number; vminpu: number; vmaxpu: number }) => {
    const br = branchBase(s.vBase, s.phases, s.conn);
    return {
      name: owner,
      terminal: terminal(s.bus1, pceConductors(s.phases, s.conn), s.phases),
      phases: s.phases,
      conn: s.conn,
      vBase: br.vBase,
      zScale: br.zScale,
      vminpu: s.vminpu,
      vmaxpu: s.vmaxpu,
      branchModel: 'pq' as PceBranchModel,
      kvarFixed: 0,
    };
  };
  const out: Pce[] = [];
  for (const g of (c.objects.get('generator')?.values() ?? []) as Iterable<GeneratorState>) {
    if (!g.enabled) continue;
    const owner = `generator.${g.name}`;
    const vTarget = (g.vpu * 1000 * g.kV) / (g.phases > 1 ? Math.sqrt(3) : 1);
    const branchModel: PceBranchModel = ({ 1: 'pq', 2: 'z', 3: 'pv', 4: 'fixedq', 5: 'fixedqz', 7: 'gen7' } as const)[g.model];
    out.push({
      ...base(owner, g),
      branchModel,
      kvarFixed: g.model === 4 || g.model === 5 ? g.kvar : 0,
      kind: 'generator',
      model: g.model,
      kW: g.kW,
      kvar: g.kvar,
      fixed: g.fixed,
      shapes: shapeSet(owner, g),
      dutyStartH: g.dutyStartH,
      vTarget,
      kvarMax: g.kvarMax,
      kvarMin: g.kvarMin,
    });
  }
  for (const p of (c.objects.get('pvsystem')?.values() ?? []) as Iterable<PvSystemState>) {
    if (!p.enabled) continue;
    const owner = `pvsystem.${p.name}`;
    if (p.limitCurrent && p.conn === 'delta' && p.phases === 1) {
      throw new DssError({ file: c.file, line: 1 }, `${owner}: LimitCurrent=yes on a 1-phase delta PVSystem is not supported`);
    }
    out.push({
      ...base(owner, p),
      branchModel: p.model === 2 ? 'z' : p.limitCurrent ? 'ilimit' : 'pq',
      kind: 'pvsystem',
      state: p,
      shapes: shapeSet(owner, p),
      tshapes: {
        daily: lookup<TShapeState>('tshape', owner, 'Tdaily temperature shape', p.tdaily),
        yearly: lookup<TShapeState>('tshape', owner, 'Tyearly temperature shape', p.tyearly),
        duty: lookup<TShapeState>('tshape', owner, 'Tduty temperature shape', p.tduty),
      },
      effCurve: lookup<XYCurveState>('xycurve', owner, 'EffCurve', p.effCurve),
      ptCurve: lookup<XYCurveState>('xycurve', owner, 'P-TCurve', p.ptCurve),
    });
  }
  for (const s of (c.objects.get('storage')?.values() ?? []) as Iterable<StorageState>) {
    if (!s.enabled) continue;
    const owner = `storage.${s.name}`;
    if (s.limitCurrent && s.conn === 'delta' && s.phases === 1) {
      throw new DssError({ file: c.file, line: 1 }, `${owner}: LimitCurrent=yes on a 1-phase delta Storage is not supported (OpenDSS scales its check by √3 there)`);
    }
    const effCurve = lookup<XYCurveState>('xycurve', owner, 'EffCurve', s.effCurve);
    if (effCurve && effCurve.y.some((y, i) => i > 0 && y < effCurve.y[i - 1])) {
      // OpenDSS's ComputeDCkW takes the larger root of its quadratic, which on a falling segment
      // is far off the curve (the battery empties in one step), and can loop without end
      throw new DssError({ file: c.file, line: 1 }, `${owner}: EffCurve '${effCurve.name}' falls between points; Storage efficiency curves must not decrease (OpenDSS's DC-power computation fails on a falling segment)`);
    }
    out.push({ ...base(owner, s), branchModel: s.model === 2 ? 'z' : s.limitCurrent ? 'pqcap' : 'pq', kind: 'storage', state: s, shapes: shapeSet(owner, s), effCurve });
  }
  return out;
}
