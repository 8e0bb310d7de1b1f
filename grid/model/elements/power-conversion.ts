/**
 * Pieces shared by OpenDSS's power conversion elements that inject power (Generator, PVSystem,
 * Storage): the connection and voltage-base rules they have in common (Generator.pas,
 * PVSystem.pas, Storage.pas: VBase is L-N for 2 and 3 phases and the given kV otherwise, and is
 * recomputed when kV or conn is written), and the load-shape name rule.
 */
import { DssError } from '../../errors.js';
import { type PropertyDef, type SetContext, ignoredProperty } from '../../dss/object-class.js';
import { type BusRef, type ElementBase, enabledProperty, num, parseBusRef, text } from './common.js';
import { parseBoolean } from '../../dss/values.js';

export type Connection = 'wye' | 'delta';

/** Parses `conn=` as OpenDSS does (wye/y/ln, delta/d/ll). */
export function parseConn(v: string, ctx: SetContext): Connection {
  const t = v.trim().toLowerCase();
  if (t.startsWith('w') || t.startsWith('y') || t === 'ln') return 'wye';
  if (t.startsWith('d') || t === 'll') return 'delta';
  throw new DssError(ctx.loc, `conn: expected wye or delta, got '${v}'`);
}

/** OpenDSS's VBase (V) of a power conversion element: L-N for 2 or 3 phases, else the kV given. */
export function pceVBase(kV: number, phases: number): number {
  return phases === 2 || phases === 3 ? (kV * 1000) / Math.sqrt(3) : kV * 1000;
}

/** A shape reference: lower case, `none`/empty for no shape. */
export function shapeRef(v: string): string | undefined {
  const t = v.trim().toLowerCase();
  return t === '' || t === 'none' ? undefined : t;
}

/**
 * Voltage base and constant-impedance scale of one injection branch, as the solver uses them.
 * OpenDSS compares a delta element's |V_LL|/√3 (2–3 phases) with its L-N VBase and uses Yeq/3 on
 * V_LL; that is the same as a branch base of √3·VBase with the full admittance. A 1-phase delta
 * element compares |V_LL| itself with VBase and still divides Yeq by 3, hence `zScale` = 1/3.
 */
export function branchBase(vBase: number, phases: number, conn: Connection): { vBase: number; zScale: number } {
  if (conn === 'wye') return { vBase, zScale: 1 };
  if (phases === 2 || phases === 3) return { vBase: vBase * Math.sqrt(3), zScale: 1 };
  return { vBase, zScale: 1 / 3 };
}

/** Conductors of a power conversion element (SetNcondsForConnection in the three units). */
export function pceConductors(phases: number, conn: Connection): number {
  if (conn === 'wye') return phases + 1;
  return phases === 1 || phases === 2 ? phases + 1 : phases;
}

/** A yes/no property (OpenDSS's boolean spellings). */
export function flag<S>(name: string, apply: (s: S, v: boolean) => void): PropertyDef<S> {
  return text<S>(name, (s, v, ctx) => apply(s, parseBoolean(v, ctx.loc, name)));
}

/** A boolean property lemsim accepts only as `no` (a mode it does not model). */
export function refuseYes<S>(name: string, why: string): PropertyDef<S> {
  return {
    name,
    set: (_s, v, ctx) => {
      if (parseBoolean(v, ctx.loc, name)) throw new DssError(ctx.loc, `${name}=${v}: ${why}`);
    },
  };
}

/**
 * The properties PVSystem and Storage share at the end of their lists, as OpenDSS's inverter-based
 * elements declare them: dynamics-only settings (accepted and reported as ignored: a static power flow
 * does not read them), the grid-following control mode (the only one modelled), and `enabled`.
 */
export function inverterTailProperties<S extends ElementBase>(): PropertyDef<S>[] {
  return [
    ...['kVDC', 'Kp', 'PITol', 'SafeVoltage', 'SafeMode', 'DynamicEq', 'DynOut'].map((n) => ignoredProperty<S>(n)),
    text<S>('ControlMode', (_s, v, ctx) => {
      if (!v.trim().toLowerCase().startsWith('gfl')) throw new DssError(ctx.loc, `ControlMode: only GFL (grid-following) inverters are supported, got '${v}'`);
    }),
    ...['AmpLimit', 'AmpLimitGain', 'spectrum', 'basefreq'].map((n) => ignoredProperty<S>(n)),
    enabledProperty<S>(),
  ];
}

/** What the inverter model properties write: the model, its voltage band, current limit and shapes. */
interface InverterModel extends ElementBase {
  model: number;
  vminpu: number;
  vmaxpu: number;
  limitCurrent: boolean;
  yearly: string | undefined;
  daily: string | undefined;
  duty: string | undefined;
}

/**
 * The run of properties PVSystem and Storage declare alike, in OpenDSS's order: `%R`/`%X`
 * (dynamics only, ignored), `model` (1 constant PQ, 2 constant Z; 3 is a user DLL and refused),
 * the voltage band, `Balanced` (refused when yes), `LimitCurrent` and the three shapes.
 */
export function inverterModelProperties<S extends InverterModel>(className: string): PropertyDef<S>[] {
  return [
    ignoredProperty<S>('%R'),
    ignoredProperty<S>('%X'),
    num<S>('model', (s, v, ctx) => {
      if (v === 3) throw new DssError(ctx.loc, `model: ${className} model 3 is a user-written model (a DLL OpenDSS loads through UserModel); lemsim cannot run it`);
      if (v !== 1 && v !== 2) throw new DssError(ctx.loc, `model: expected a ${className} model 1 (constant PQ) or 2 (constant Z), got ${v}`);
      s.model = v;
    }),
    num<S>('Vminpu', (s, v) => void (s.vminpu = v)),
    num<S>('Vmaxpu', (s, v) => void (s.vmaxpu = v)),
    refuseYes<S>('Balanced', 'forcing balanced currents is not supported'),
    flag<S>('LimitCurrent', (s, v) => void (s.limitCurrent = v)),
    text<S>('yearly', (s, v) => void (s.yearly = shapeRef(v))),
    text<S>('daily', (s, v) => void (s.daily = shapeRef(v))),
    text<S>('duty', (s, v) => void (s.duty = shapeRef(v))),
  ];
}

/** What a power conversion element's connection needs: its phases, its bus and its voltage base. */
interface PceConnection extends ElementBase {
  phases: number;
  kV: number;
  vBase: number;
  bus1: BusRef;
}

/**
 * `phases`, `bus1` and `kv` as PVSystem and Storage declare them: phases and kV set the
 * line-to-neutral voltage base together, in either order.
 */
export function pceConnectionProperties<S extends PceConnection>(): PropertyDef<S>[] {
  return [
    num<S>('phases', (s, v, ctx) => {
      if (!Number.isInteger(v) || v < 1) throw new DssError(ctx.loc, `phases: expected a whole number ≥ 1, got ${v}`);
      s.phases = v;
      s.vBase = pceVBase(s.kV, v);
    }),
    text<S>('bus1', (s, v, ctx) => void (s.bus1 = parseBusRef(v, ctx))),
    num<S>('kv', (s, v) => {
      s.kV = v;
      s.vBase = pceVBase(v, s.phases);
    }),
  ];
}
