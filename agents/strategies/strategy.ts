/**
 * The strategy contract (DESIGN rule 5): a bidding strategy is a pure function of
 * `(context, state) → { offer, state }`. The context is everything the agent knows when its market
 * period opens — the clock, its own physics (demand and PV now and forecast, battery state of
 * charge and limits), its past bids and settlements, the last clearing prices, the last voltage at
 * its bus, a seeded random stream of its own and its parameters (any JSON). The state is the
 * strategy's own memory: plain serializable data, kept by the agent from period to period within a
 * reinforcement iteration (each iteration replays the horizon on a changed grid, so every iteration
 * starts from `initialState` again: results of iterations stay comparable).
 *
 * A strategy serves the supply side, the demand side, or both, in the block auction (blocks) or the
 * community market (quadratic agents, and for batteries the value of stored energy). Physics stays
 * with the agent: a strategy cannot change what an agent can deliver, only what it offers.
 * Built-ins and plugins are made the same way, with `defineStrategy`.
 */

/** Any value a scenario's YAML/JSON can hold. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export type Side = 'supply' | 'demand';

/** The clock of the period being bid for. */
export interface StrategyClock {
  /** start of the period, ISO 8601 local date-time of the scenario's clock */
  readonly iso: string;
  /** index of the period in the horizon (0-based) */
  readonly periodIndex: number;
  readonly periodMinutes: number;
  readonly periodHours: number;
  /** simulated seconds since the start of the horizon's first day */
  readonly startS: number;
}

/** A battery's physics as its strategy may read it. */
export interface BatteryView {
  /** state of charge at the start of the period, fraction of capacity */
  readonly soc: number;
  readonly socMin: number;
  readonly socMax: number;
  readonly capacityKwh: number;
  /** most it can charge / discharge during this period, kW */
  readonly chargeKw: number;
  readonly dischargeKw: number;
}

/** One past period as the agent was settled (grid convention: consumed > 0). */
export interface Settlement {
  readonly period: number;
  readonly pKw: number;
  readonly boughtKw: number;
  readonly soldKw: number;
  readonly priceEurPerKwh: number;
  readonly welfareEur: number;
  /** what the agent paid for its net purchase at the clearing price, EUR (negative: it was paid) */
  readonly paymentEur: number;
}

/** Compatible with the first strategy interface: what any strategy needs to bid. */
export interface StrategyInput<P = Readonly<Record<string, number>>> {
  readonly agent: string;
  readonly market: 'auction' | 'community';
  /** consumption the agent would have without a market this period, kW (≥ 0); a battery's charge limit */
  readonly nominalDemandKw: number;
  /** production it can deliver this period, kW (≥ 0); a battery's discharge limit */
  readonly availableSupplyKw: number;
  readonly periodHours: number;
  /** upstream prices, EUR/kWh */
  readonly importPriceEurPerKwh: number;
  readonly exportPriceEurPerKwh: number;
  /** the strategy's parameters from the scenario, defaults applied */
  readonly params: P;
}

/** Everything a strategy may read when it bids. */
export interface StrategyContext<P = Readonly<Record<string, number>>> extends StrategyInput<P> {
  readonly side: Side;
  readonly clock: StrategyClock;
  /**
   * The agent's own forecast for this and the coming periods (index 0 = this period): nominal demand
   * and available PV, kW, to the end of the horizon; and the feeder's total nominal load, kW.
   */
  readonly forecast: { readonly demandKw: ArrayLike<number>; readonly pvKw: ArrayLike<number>; readonly feederLoadKw: ArrayLike<number> };
  /** present for battery agents */
  readonly battery?: BatteryView;
  /** the agent's settlements of past periods of this iteration, oldest first (at most `HISTORY_PERIODS`) */
  readonly settlements: readonly Settlement[];
  /** the agent's own bids of past periods, oldest first (at most `BID_HISTORY_PERIODS`) */
  readonly bids: readonly PastBid[];
  /** clearing prices of the last cleared period (per community, or `market`), EUR/kWh */
  readonly lastPrices: Readonly<Record<string, number>>;
  /** mean voltage of the agent's own bus at the grid operator's last solve, pu; undefined before the first */
  readonly voltagePu: number | undefined;
  /** the agent's own seeded stream: uniform in [0, 1) */
  random(): number;
}

/** Auction blocks (market convention: kW > 0 on both sides) and community-market agents. */
export interface Offer {
  readonly supply: readonly { readonly id: string; readonly kw: number; readonly priceEurPerKwh: number }[];
  readonly demand: readonly { readonly id: string; readonly kw: number; readonly priceEurPerKwh: number }[];
  readonly communityAgents: readonly Readonly<Record<string, unknown>>[];
  /** community market, batteries: the value the battery puts on a kWh it keeps stored, EUR/kWh */
  readonly storageValueEurPerKwh?: number;
}

export interface StrategyResult<S> {
  readonly offer: Offer;
  readonly state: S;
}

/** A strategy with parameters `P` and serializable state `S`. */
export interface Strategy<P = Readonly<Record<string, number>>, S = JsonValue> {
  readonly name: string;
  readonly sides: readonly Side[];
  /** parameters and their defaults (documented with the strategy) */
  readonly defaults: Readonly<Record<string, JsonValue>>;
  /**
   * Checks the scenario's parameters (defaults already applied); returns an error message naming
   * the parameter, or undefined. Default: every parameter must be a key of `defaults`, and a number
   * where the default is a number.
   */
  readonly validate?: (params: Readonly<Record<string, JsonValue>>) => string | undefined;
  /** the state of a new agent (per side), before its first period */
  readonly initialState: S;
  offer(context: StrategyContext<P>, state: S): StrategyResult<S>;
}

/** A strategy of any parameter and state types, as registries hold them. */
// biome-ignore lint: registries hold strategies of different parameter and state types
export type AnyStrategy = Strategy<any, any>;

export const NO_OFFER: Offer = { supply: [], demand: [], communityAgents: [] };

/** How many past settlements an agent keeps for its strategies. */
export const HISTORY_PERIODS = 48;

/** How many past bids an agent keeps for its strategies (bids hold every block: fewer are kept). */
export const BID_HISTORY_PERIODS = 8;

/** One past bid of the agent: what each side offered for a period. */
export interface PastBid {
  readonly period: number;
  readonly supply: Offer;
  readonly demand: Offer;
}

/**
 * Makes a strategy. `offer` may be written the short way, `(side, input) → Offer`, for a strategy
 * without state; then `initialState` is null.
 */
export function defineStrategy<P = Readonly<Record<string, number>>, S = JsonValue>(
  s:
    | (Omit<Strategy<P, S>, 'initialState'> & { readonly initialState: S })
    | (Omit<Strategy<P, S>, 'offer' | 'initialState'> & { readonly stateless: (side: Side, input: StrategyContext<P>) => Offer }),
): Strategy<P, S> {
  if ('stateless' in s) {
    const { stateless, ...rest } = s;
    return { ...rest, initialState: null as S, offer: (ctx, state) => ({ offer: stateless(ctx.side, ctx), state }) };
  }
  return s;
}

/** Parameters with defaults applied. */
export function withDefaults(s: AnyStrategy, params: Readonly<Record<string, JsonValue>>): Record<string, JsonValue> {
  return { ...s.defaults, ...params };
}

/** The parameter check (the strategy's own `validate`, else the default one; see `Strategy.validate`). */
export function checkParams(s: AnyStrategy, params: Readonly<Record<string, JsonValue>>): { readonly param?: string; readonly message: string } | undefined {
  if (s.validate) {
    const message = s.validate(params);
    return message === undefined ? undefined : { message };
  }
  for (const [key, value] of Object.entries(params)) {
    if (!Object.hasOwn(s.defaults, key)) return { param: key, message: `unknown parameter of strategy '${s.name}' (known: ${Object.keys(s.defaults).join(', ') || 'none'})` };
    const d = s.defaults[key];
    // a number default asks for a number; a null default means "derived when unset" and takes a number or null
    if (typeof d === 'number' && (typeof value !== 'number' || !Number.isFinite(value))) return { param: key, message: `must be a finite number (strategy '${s.name}')` };
    if (d === null && value !== null && (typeof value !== 'number' || !Number.isFinite(value))) return { param: key, message: `must be a finite number or null (strategy '${s.name}')` };
  }
  return undefined;
}
