/**
 * What a bidding agent (prosumer or battery) remembers for its strategies, and the one place that
 * builds a strategy's context (agents/strategies/strategy.ts) and runs it. The memory is plain,
 * serializable data inside the agent's state: each side's strategy state, the agent's recent
 * settlements, the last clearing prices, the last voltage at its bus and its random stream's state.
 */
import { Immer, castDraft } from 'immer';
import { Rng } from '../src/kernel/rng.js';
import type { EventPayloads } from '../src/kernel/events.js';
import type { World } from './agent.js';
import { type AnyStrategy, type BatteryView, BID_HISTORY_PERIODS, HISTORY_PERIODS, type PastBid, type JsonValue, type Offer, type Settlement, type Side, type StrategyContext, withDefaults } from './strategies/strategy.js';

/** A strategy as a scenario names it. */
export interface StrategyRef {
  readonly name: string;
  readonly params: Readonly<Record<string, JsonValue>>;
}

/**
 * immer for the strategies' own state (any JSON a plugin keeps: structural sharing, so a snapshot of
 * an agent shares what did not change), without auto-freezing: states are immutable by the kernel's
 * convention, and freezing every update of 10,000 agents' memories costs more than the update
 * itself. The memory's fixed fields (histories, prices, voltage) are updated by hand, with the same
 * semantics (a new object where a field changed, the same object where nothing did, arrays copied,
 * never mutated): they change for every agent in every period, and immer's proxies over a 48-entry
 * history cost more than the whole period's bidding (bench sim-10k-agents).
 */
const immer = new Immer({ autoFreeze: false });
const produce = immer.produce;

/** `list` with `item` appended, keeping the last `max` entries (a new array; `list` is not touched). */
function appendBounded<T>(list: readonly T[], item: T, max: number): T[] {
  const from = Math.max(0, list.length + 1 - max);
  const out = new Array<T>(list.length + 1 - from);
  for (let i = from; i < list.length; i++) out[i - from] = list[i];
  out[out.length - 1] = item;
  return out;
}

export interface BidderMemory {
  readonly strategyState: Readonly<Record<Side, JsonValue>>;
  readonly settlements: readonly Settlement[];
  readonly bids: readonly PastBid[];
  readonly lastPrices: Readonly<Record<string, number>>;
  readonly voltagePu: number | undefined;
  /** the agent's random stream (see `Rng.snapshot`) */
  readonly rng: readonly number[];
}

/** The strategy a scenario names, from the world's registry (built-ins and plugins). */
export function strategyOf(world: World, ref: StrategyRef): AnyStrategy {
  const s = world.strategies[ref.name];
  if (!s) throw new Error(`strategy '${ref.name}' is not registered`);
  return s;
}

/** A new agent's memory: each side's strategy at its initial state, an empty history, its own stream. */
export function initialMemory(world: World, agentId: string, refs: Readonly<Record<Side, StrategyRef>>): BidderMemory {
  return {
    strategyState: { supply: strategyOf(world, refs.supply).initialState, demand: strategyOf(world, refs.demand).initialState },
    settlements: [],
    bids: [],
    lastPrices: {},
    voltagePu: undefined,
    rng: new Rng(`${world.scenario.seed}:strategy:${agentId}`).snapshot(),
  };
}

/** What the agent can do this period, and what it forecasts (index 0 = this period). */
export interface BidPhysics {
  readonly nominalDemandKw: number;
  readonly availableSupplyKw: number;
  readonly forecast: StrategyContext['forecast'];
  readonly battery?: BatteryView;
}

/**
 * What every agent's context shares, made once: the period's clock (per world and period) and a
 * strategy's parameters with its defaults applied (per scenario reference). Both are read-only to
 * strategies, and equal to what a fresh object per agent would hold.
 */
const clocksOf = new WeakMap<World, StrategyContext['clock'][]>();
function clockOf(world: World, period: number): StrategyContext['clock'] {
  let clocks = clocksOf.get(world);
  if (!clocks) {
    const m = world.scenario.market;
    clocks = world.periods.map((p) => ({ iso: p.iso, periodIndex: p.index, periodMinutes: m.period_min, periodHours: world.periodHours, startS: p.startS }));
    clocksOf.set(world, clocks);
  }
  return clocks[period];
}
const paramsOf = new WeakMap<StrategyRef, { strategy: AnyStrategy; params: Readonly<Record<string, JsonValue>> }>();
function paramsWithDefaults(strategy: AnyStrategy, ref: StrategyRef): Readonly<Record<string, JsonValue>> {
  const hit = paramsOf.get(ref);
  if (hit && hit.strategy === strategy) return hit.params;
  const params = withDefaults(strategy, ref.params);
  paramsOf.set(ref, { strategy, params });
  return params;
}

/** The order in which an agent's two strategies bid (and draw from its stream). */
const SIDES = ['demand', 'supply'] as const;

/** Runs both sides' strategies for `period`; returns their offers and the memory after them. */
export function runStrategies(world: World, agentId: string, period: number, refs: Readonly<Record<Side, StrategyRef>>, physics: BidPhysics, memory: BidderMemory): { offers: Record<Side, Offer>; memory: BidderMemory } {
  const m = world.scenario.market;
  const clock = clockOf(world, period);
  // the stream is restored on the first draw only: most strategies draw nothing (equal either way);
  // both sides draw from the one stream, in the order they bid
  let rng: Rng | undefined;
  const random = (): number => {
    rng ??= Rng.restore(memory.rng);
    return rng.next();
  };
  let demandState = memory.strategyState.demand;
  let supplyState = memory.strategyState.supply;
  const offers = {} as Record<Side, Offer>;
  for (const side of SIDES) {
    const strategy = strategyOf(world, refs[side]);
    const ctx: StrategyContext<Readonly<Record<string, JsonValue>>> = {
      agent: agentId,
      market: world.mechanism.bids,
      side,
      nominalDemandKw: physics.nominalDemandKw,
      availableSupplyKw: physics.availableSupplyKw,
      periodHours: world.periodHours,
      importPriceEurPerKwh: m.import_price,
      exportPriceEurPerKwh: m.export_price,
      params: paramsWithDefaults(strategy, refs[side]),
      clock,
      forecast: physics.forecast,
      battery: physics.battery,
      settlements: memory.settlements,
      bids: memory.bids,
      lastPrices: memory.lastPrices,
      voltagePu: memory.voltagePu,
      random,
    };
    const r = strategy.offer(ctx, side === 'demand' ? demandState : supplyState);
    offers[side] = r.offer;
    if (side === 'demand') demandState = r.state;
    else supplyState = r.state;
  }
  const state = { supply: supplyState, demand: demandState };
  return {
    offers,
    memory: {
      ...memory,
      // unchanged states (every stateless strategy's) keep the object, as immer itself would
      strategyState:
        state.supply === memory.strategyState.supply && state.demand === memory.strategyState.demand
          ? memory.strategyState
          : produce(memory.strategyState, (d) => {
              d.supply = castDraft(state.supply);
              d.demand = castDraft(state.demand);
            }),
      // an untouched stream keeps its snapshot (equal either way)
      rng: rng ? rng.snapshot() : memory.rng,
      bids: appendBounded(memory.bids, { period, supply: offers.supply, demand: offers.demand }, BID_HISTORY_PERIODS),
    },
  };
}

/** The memory after the agent's own dispatch: its settlement appended to the history. */
export function rememberSettlement(memory: BidderMemory, d: EventPayloads['dispatched'], periodHours: number): BidderMemory {
  const s: Settlement = {
    period: d.period,
    pKw: d.pKw,
    boughtKw: d.boughtKw,
    soldKw: d.soldKw,
    priceEurPerKwh: d.priceEurPerKwh,
    welfareEur: d.welfareEur,
    paymentEur: (d.boughtKw - d.soldKw) * d.priceEurPerKwh * periodHours,
  };
  return { ...memory, settlements: appendBounded(memory.settlements, s, HISTORY_PERIODS) };
}

/**
 * The memory after a clearing: its prices. Prices equal to the last ones keep the memory as it is
 * (as immer would: unchanged data, the same object), so a run of equal prices — a grid-bound
 * market clears at the grid's price for hours — copies no agent's state.
 */
export function rememberPrices(memory: BidderMemory, prices: Readonly<Record<string, number>>): BidderMemory {
  return samePrices(prices, memory.lastPrices) ? memory : { ...memory, lastPrices: prices };
}

function samePrices(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length) return false;
  for (let i = 0; i < keys.length; i++) if (keys[i] !== other[i] || !Object.is(a[keys[i]], b[keys[i]])) return false;
  return true;
}

/** The memory after a power flow: the voltage at the agent's bus (unchanged when none is known). */
export function rememberVoltage(memory: BidderMemory, vPu: number | undefined): BidderMemory {
  if (vPu === undefined || vPu === memory.voltagePu) return memory;
  return { ...memory, voltagePu: vPu };
}

/** Mean of the listed entries of a `grid-solved` voltage list (pu), or undefined when none is known. */
export function meanOf(values: readonly number[], indices: readonly number[]): number | undefined {
  let s = 0;
  let n = 0;
  for (const i of indices) {
    const v = values[i];
    if (v > 0) {
      s += v;
      n++;
    }
  }
  return n > 0 ? s / n : undefined;
}
