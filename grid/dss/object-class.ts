/**
 * The frame every OpenDSS class definition fills in: an ordered property list (the order gives
 * positional parameters, as in OpenDSS), one setter per property applied in the order the script
 * writes them (a later property overrides an earlier one; some setters have side effects exactly as
 * in OpenDSS, e.g. `windings=` re-creating the winding list), and a state factory. Property names
 * match case-insensitively, and a unique abbreviation is accepted as OpenDSS accepts it.
 */
import { DssError, type DssLocation } from '../../src/errors.js';
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
}

export type Setter<S> = (state: S, value: string, ctx: SetContext) => void;

export interface PropertyDef<S> {
  readonly name: string;
  readonly set: Setter<S>;
}

/** An OpenDSS class: its name, its properties in OpenDSS order, and how to create an object. */
export interface DssClass<S> {
  readonly name: string;
  readonly properties: readonly PropertyDef<S>[];
  create(name: string, ctx: { baseFrequencyHz: number }): S;
  /** Takes any property (and positional values, named `#k`) for classes kept without a model. */
  acceptAny?(state: S, prop: string, value: string, ctx: SetContext): void;
  /** Called after each New/Edit statement (OpenDSS's RecalcElementData moment); may validate. */
  finish?(state: S, ctx: SetContext): void;
}

/** Finds a property by exact name, else by unique prefix; undefined when none or ambiguous. */
export function findProperty<S>(cls: DssClass<S>, name: string): PropertyDef<S> | undefined {
  const lower = name.toLowerCase();
  const exact = cls.properties.find((p) => p.name.toLowerCase() === lower);
  if (exact) return exact;
  const candidates = cls.properties.filter((p) => p.name.toLowerCase().startsWith(lower));
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** A property the power flow does not use: accepted and recorded as ignored. */
export function ignoredProperty<S>(name: string): PropertyDef<S> {
  return { name, set: (_s, _v, ctx) => ctx.ignored(`${name}`) };
}

/** Throws the DssError for a value outside what the property accepts. */
export function badValue(ctx: SetContext, expected: string, value: string): never {
  throw new DssError(ctx.loc, `${ctx.prop}: expected ${expected}, got '${value}'`);
}
