/**
 * Pieces shared by the element definitions: bus references (`bus.1.2.0`), numeric setters, and the
 * properties every circuit element accepts (`enabled`, `like` is handled by the interpreter).
 */
import { DssError } from '../../errors.js';
import type { PropertyDef, SetContext, Setter } from '../../dss/object-class.js';
import { parseBoolean, parseNumber } from '../../dss/values.js';

/** A terminal's connection: bus name (lower case) and, when written, its node numbers. */
export interface BusRef {
  readonly bus: string;
  /** Node numbers as written after the bus name (`34.1` → [1]); undefined when none were written. */
  readonly nodes: readonly number[] | undefined;
}

/** Parses `name.1.2.0`. Node numbers must be whole numbers ≥ 0. */
export function parseBusRef(text: string, ctx: SetContext): BusRef {
  const t = text.trim();
  if (t === '') throw new DssError(ctx.loc, `${ctx.prop}: empty bus name`);
  // scanned, not split: every terminal of a feeder passes here, JIT-cold on the first load
  let dot = t.indexOf('.');
  const bus = (dot < 0 ? t : t.slice(0, dot)).toLowerCase();
  if (dot < 0) return { bus, nodes: undefined };
  const nodes: number[] = [];
  while (dot >= 0) {
    const next = t.indexOf('.', dot + 1);
    const p = next < 0 ? t.slice(dot + 1) : t.slice(dot + 1, next);
    const n = Number(p);
    if (p === '' || !Number.isInteger(n) || n < 0) throw new DssError(ctx.loc, `${ctx.prop}: bad node number '${p}' in bus '${text}'`);
    nodes.push(n);
    dot = next;
  }
  return { bus, nodes };
}

/**
 * Node numbers of a terminal's `nconds` conductors, following OpenDSS (CktElement bus processing):
 * each conductor starts on its default node (phase k on node k, every further conductor on node 0,
 * ground) and the nodes written after the bus name override the first ones. So `x.1.2` on a
 * three-phase element leaves its third conductor on node 3.
 */
export function terminalNodes(ref: BusRef, nconds: number, nphases: number): number[] {
  const out: number[] = [];
  const written = ref.nodes ?? [];
  for (let k = 0; k < nconds; k++) out.push(k < written.length ? written[k] : k < nphases ? k + 1 : 0);
  return out;
}

/** Setter of a numeric field. */
export function num<S>(name: string, apply: (s: S, v: number, ctx: SetContext) => void): PropertyDef<S> {
  return { name, set: (s, v, ctx) => apply(s, parseNumber(v, ctx.loc, name), ctx) };
}

/** Setter of a boolean field. */
export function bool<S>(name: string, apply: (s: S, v: boolean) => void): PropertyDef<S> {
  return { name, set: (s, v, ctx) => apply(s, parseBoolean(v, ctx.loc, name)) };
}

/** Setter of a free-text field. */
export function text<S>(name: string, apply: Setter<S>): PropertyDef<S> {
  return { name, set: apply };
}

/**
 * Most phases (conductors per terminal) an element may declare. OpenDSS sets no limit, but its
 * matrices grow with the square of it: phases=1e6 made a 10^12-entry admittance and hung. 100 is
 * far above any real multi-circuit line.
 */
export const MAX_PHASES = 100;

/** A conductor or phase count: a whole number in [min, MAX_PHASES], else a DssError at the statement. */
export function conductorCount(v: number, ctx: SetContext, min = 1): number {
  if (!Number.isInteger(v) || v < min || v > MAX_PHASES) throw new DssError(ctx.loc, `${ctx.prop}: expected a whole number from ${min} to ${MAX_PHASES}, got ${v}`);
  return v;
}

/** State every circuit element carries. */
export interface ElementBase {
  readonly name: string;
  enabled: boolean;
}

/**
 * What every OpenDSS circuit element starts with, as OpenDSS creates it: enabled, three phases, its
 * first terminal on a bus named after it (`<name>_1`) with the default node order, at 12.47 kV.
 */
export function elementDefaults(name: string) {
  return { name, enabled: true, phases: 3, bus1: { bus: `${name}_1`, nodes: undefined } as BusRef, kV: 12.47 };
}

export function enabledProperty<S extends ElementBase>(): PropertyDef<S> {
  return bool<S>('enabled', (s, v) => void (s.enabled = v));
}
