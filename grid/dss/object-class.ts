/**
 * The frame every OpenDSS class definition fills in: an ordered property list (the order gives
 * positional parameters, as in OpenDSS), one setter per property applied in the order the script
 * writes them (a later property overrides an earlier one; some setters have side effects exactly as
 * in OpenDSS, e.g. `windings=` re-creating the winding list), and a state factory. Property names
 * match case-insensitively, and an abbreviation resolves as OpenDSS resolves it (first match in order).
 */
import { DssError, type DssLocation } from '../errors.js';
import type { CMatrix } from '../model/complex.js';
import type { BusRef } from '../model/elements/common.js';
import type { DssFileSystem } from './parser.js';

/** What a setter may consult besides the value. */
export interface SetContext {
  readonly loc: DssLocation;
  readonly prop: string;
  /** Directory of the statement's file, for file references. */
  readonly dir: string;
  readonly fs: DssFileSystem;
  /** Looks up an object already defined (e.g. a linecode at `linecode=` time). */
  find<T>(className: string, name: string): T | undefined;
  /** Circuit base frequency, Hz. */
  readonly baseFrequencyHz: number;
  /** Records a property accepted but without effect on the power flow. */
  ignored(what: string): void;
  /** Records a property that changes the physics and that lemsim does not apply (reported, never silent). */
  notApplied(what: string): void;
}

export type Setter<S> = (state: S, value: string, ctx: SetContext) => void;

export interface PropertyDef<S> {
  readonly name: string;
  readonly set: Setter<S>;
}

/**
 * A linear element as a class hands it to the network builder: its terminals (bus reference and
 * conductor count each) and its primitive admittance in siemens, conductor order terminal by
 * terminal.
 */
export interface BranchSpec {
  readonly name: string;
  readonly kind: 'capacitor' | 'reactor';
  readonly terminals: readonly { readonly ref: BusRef; readonly nconds: number; readonly nphases: number }[];
  readonly y: CMatrix;
  readonly phases: number;
}

/** An OpenDSS class: its name, its properties in OpenDSS order, and how to create an object. */
export interface DssClass<S> {
  readonly name: string;
  readonly properties: readonly PropertyDef<S>[];
  create(name: string, ctx: { baseFrequencyHz: number }): S;
  /** Takes any property (and positional values, named `#k`) for classes kept without a model. */
  acceptAny?(state: S, prop: string, value: string, ctx: SetContext): void;
  /** A linear element's branch for the network (classes without one are not circuit branches). */
  branch?(state: S, env: { readonly baseFrequencyHz: number }): BranchSpec | undefined;
  /** Called after each New/Edit statement (OpenDSS's RecalcElementData moment); may validate. */
  finish?(state: S, ctx: SetContext): void;
}

/**
 * Finds a property by exact name, else, as OpenDSS's command lists do, the first property in the
 * class's order that starts with what was written (`bus=` on a Capacitor is `bus1`).
 */
export function findProperty<S>(cls: DssClass<S>, name: string): PropertyDef<S> | undefined {
  // resolved once per class and name as written (a feeder writes the same few names thousands of times)
  let cache = resolved.get(cls);
  if (!cache) {
    cache = new Map();
    resolved.set(cls, cache);
  }
  const hit = cache.get(name);
  if (hit !== undefined) return hit ?? undefined;
  const lower = name.toLowerCase();
  const exact = cls.properties.find((p) => p.name.toLowerCase() === lower);
  const found = exact ?? (lower === '' ? undefined : cls.properties.find((p) => p.name.toLowerCase().startsWith(lower)));
  cache.set(name, found ?? null);
  return found;
}

// biome-ignore lint: properties of every class
const resolved = new WeakMap<object, Map<string, PropertyDef<any> | null>>();

/** A property the power flow does not use: accepted and recorded as ignored. */
export function ignoredProperty<S>(name: string): PropertyDef<S> {
  return { name, set: (_s, _v, ctx) => ctx.ignored(`${name}`) };
}

/**
 * A property that changes the physics in some solution mode and that lemsim does not model:
 * accepted, and reported as not applied unless its value is one of `inert` (e.g. `none`).
 */
export function notAppliedProperty<S>(name: string, reason: string, inert: readonly string[] = ['', 'none']): PropertyDef<S> {
  return {
    name,
    set: (_s, v, ctx) => {
      if (!inert.includes(v.trim().toLowerCase())) ctx.notApplied(`${name}=${v.trim().slice(0, 40)}: ${reason}`);
    },
  };
}

/** Throws the DssError for a value outside what the property accepts. */
export function badValue(ctx: SetContext, expected: string, value: string): never {
  throw new DssError(ctx.loc, `${ctx.prop}: expected ${expected}, got '${value}'`);
}
