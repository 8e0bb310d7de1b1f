/**
 * The manager-strategy contract (issue 16): what a community manager bids into the inter-community
 * market. Like a member's strategy (../strategy.ts) it is a pure `(context, state) → { offer, state }`
 * with serializable state kept from period to period within a reinforcement iteration; unlike it,
 * its context is the community's truthful offer — its members' aggregate net-import curve
 * (markets/community/managers.ts) — and the manager's past outcomes, not one agent's physics.
 *
 * A parallel registry (`managerStrategies`, made with `defineManagerStrategy`) rather than the
 * members' one: the two contracts take different contexts and return different offers, so one
 * registry would need a tag on every entry and a run-time check on every call. A scenario names a
 * manager strategy under `market.managers`; a plugin module exports `managerStrategies`.
 */
import type { ManagerOffer, ManagerOutcome } from '../../../markets/community/managers.js';
import type { JsonValue, StrategyClock } from '../strategy.js';

/** One past period of the manager's community, as cleared. */
export interface ManagerSettlement extends ManagerOutcome {
  readonly period: number;
}

/** Everything a manager strategy may read when its community's gate closes. */
export interface ManagerContext<P = Readonly<Record<string, JsonValue>>> {
  readonly manager: string;
  readonly community: string;
  readonly clock: StrategyClock;
  /** the members' aggregate offer: their net-import curve, no markup, no cap */
  readonly truthful: ManagerOffer;
  readonly importPriceEurPerKwh: number;
  readonly exportPriceEurPerKwh: number;
  readonly interCommunityFeeEurPerKwh: number;
  readonly periodHours: number;
  /** the community's past periods of this iteration, oldest first (at most `HISTORY_PERIODS`) */
  readonly history: readonly ManagerSettlement[];
  /** the strategy's parameters from the scenario, defaults applied */
  readonly params: P;
  /** the manager's own seeded stream: uniform in [0, 1) */
  random(): number;
}

export interface ManagerStrategy<P = Readonly<Record<string, JsonValue>>, S = JsonValue> {
  readonly name: string;
  /** parameters and their defaults */
  readonly defaults: Readonly<Record<string, JsonValue>>;
  /** checks the parameters (defaults applied); returns a message naming the parameter, or undefined */
  readonly validate?: (params: Readonly<Record<string, JsonValue>>) => string | undefined;
  readonly initialState: S;
  offer(context: ManagerContext<P>, state: S): { readonly offer: ManagerOffer; readonly state: S };
}

// biome-ignore lint: registries hold strategies of different parameter and state types
export type AnyManagerStrategy = ManagerStrategy<any, any>;

/** Makes a manager strategy (built-ins and plugins alike). */
export function defineManagerStrategy<P = Readonly<Record<string, JsonValue>>, S = JsonValue>(s: ManagerStrategy<P, S>): ManagerStrategy<P, S> {
  return s;
}

/** A non-negative finite number parameter, or the message saying it is not. */
export function nonNegative(params: Readonly<Record<string, JsonValue>>, key: string, strategy: string): string | undefined {
  const v = params[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : `${key} must be a finite number ≥ 0 (manager strategy '${strategy}')`;
}

/** Checks parameters: own validate, else every key known and numbers where the default is a number. */
export function checkManagerParams(s: AnyManagerStrategy, params: Readonly<Record<string, JsonValue>>): { readonly param?: string; readonly message: string } | undefined {
  for (const key of Object.keys(params)) {
    if (!Object.hasOwn(s.defaults, key)) return { param: key, message: `unknown parameter of manager strategy '${s.name}' (known: ${Object.keys(s.defaults).join(', ') || 'none'})` };
  }
  const message = s.validate?.({ ...s.defaults, ...params });
  return message === undefined ? undefined : { message };
}
