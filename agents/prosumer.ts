/**
 * Prosumer: a feeder load with optional PV. Physics: its nominal demand in a period is the load's
 * own shape (the feeder's load shape, averaged over the period's minutes, daily mode, times
 * `prosumers.load_scale`) and its PV is its system's output over the period from the scenario's PV
 * profile (clear sky or a measured file, agents/solar.ts), both read from the world's forecasts. Behaviour: one strategy per side (agents/strategies, or a plugin's) turns those
 * into offers, with a context of the clock, its forecasts, its past settlements, the last prices and
 * the last voltage at its bus (agents/bidding.ts). After clearing it keeps its dispatch; the grid
 * operator applies it to the feeder.
 */
import { shapeMultipliers } from '../grid/model/elements/loadshape.js';
import type { AnyDraft } from '../src/kernel/events.js';
import type { AgentKind, World } from './agent.js';
import { type BidderMemory, type StrategyRef, initialMemory, meanOf, rememberPrices, rememberSettlement, rememberVoltage, runStrategies } from './bidding.js';

export { nominalDemandKw } from './forecast.js';

/** Demand of a feeder load at clock `hour` from its load shape (daily mode), kW (≥ 0), unscaled. */
export function demandKwAt(world: World, loadIndex: number, hour: number): number {
  const l = world.feeder.network.loads[loadIndex];
  const shape = l.status === 'fixed' ? undefined : (l.daily ?? l.yearly ?? l.duty);
  return Math.max(0, shape ? (shape.useActual ? shapeMultipliers(shape, hour).p : l.kW * shapeMultipliers(shape, hour).p) : l.kW);
}

/** Entries of the world's `loadNodes` by load name, computed once per world (not once per prosumer: O(loads²)). */
const entriesByWorld = new WeakMap<World, Map<string, number[]>>();
function loadNodeEntries(world: World): Map<string, number[]> {
  let byLoad = entriesByWorld.get(world);
  if (!byLoad) {
    byLoad = new Map();
    world.loadNodes.forEach(([load], i) => {
      const list = byLoad!.get(load);
      if (list) list.push(i);
      else byLoad!.set(load, [i]);
    });
    entriesByWorld.set(world, byLoad);
  }
  return byLoad;
}

/** The demand the agent has in period k: its load shape, times its noise draw (the forecast stays noiseless). */
function nominalAt(state: ProsumerState, demandKw: Float64Array, k: number): number {
  return demandKw[k] * (state.loadNoise ? state.loadNoise[k] : 1);
}

export interface ProsumerConfig {
  readonly load: string;
  readonly pvKwp: number;
  readonly supply: StrategyRef;
  readonly demand: StrategyRef;
  /** demand factor per period (`prosumers.load_noise`; all 1 without noise) */
  readonly loadNoise?: ArrayLike<number>;
  /** issue 12: the feeder PVSystems (indices into network.pces) that are this prosumer's PV (`prosumers.feeder_pv`) */
  readonly pvElements?: readonly number[];
}

export interface ProsumerState extends ProsumerConfig {
  readonly id: string;
  readonly loadIndex: number;
  readonly community: string;
  /** entries of the world's `loadNodes` (and so of `grid-solved.loadVPu`) that are this load's */
  readonly voltageEntries: readonly number[];
  readonly memory: BidderMemory;
  /** last period's figures, for inspection */
  readonly nominalDemandKw: number;
  readonly pvAvailableKw: number;
  readonly dispatchKw: number;
  readonly priceEurPerKwh: number;
  readonly welfareEur: number;
}

export const prosumerKind: AgentKind<ProsumerState, ProsumerConfig> = {
  kind: 'prosumer',
  handles: ['period-opened', 'market-cleared', 'dispatched', 'grid-solved'],
  init(id, config, world) {
    const loadIndex = world.loadIndex.get(config.load);
    if (loadIndex === undefined) throw new Error(`prosumer ${id}: load ${config.load} is not on the feeder`);
    const voltageEntries = loadNodeEntries(world).get(config.load) ?? [];
    return {
      id,
      ...config,
      loadIndex,
      community: world.communityOf.get(id) ?? 'c1',
      voltageEntries,
      memory: initialMemory(world, id, config),
      nominalDemandKw: 0,
      pvAvailableKw: 0,
      dispatchKw: 0,
      priceEurPerKwh: 0,
      welfareEur: 0,
    };
  },
  transition(state, event, world) {
    switch (event.type) {
      case 'period-opened': {
        const m = world.scenario.market;
        // a day-ahead market (issue 10) takes the whole day's bids when the first period opens: the
        // strategies bid every period in turn, each with that period's clock and forecast
        const dayAhead = m.mechanism === 'community' && m.day_mode === 'day-ahead';
        if (dayAhead && event.payload.period > 0) return { state };
        const demandKw = world.forecast.demandKw(state.loadIndex);
        const pvKw = state.pvElements ? world.forecast.pvElementsKw(state.pvElements, world.subStepS) : world.forecast.pvKw(state.pvKwp, state.id);
        const feederKw = world.forecast.feederLoadKw();
        let memory = state.memory;
        const bid = (k: number): AnyDraft => {
          const r = runStrategies(world, state.id, k, state, { nominalDemandKw: nominalAt(state, demandKw, k), availableSupplyKw: pvKw[k], forecast: { demandKw: demandKw.subarray(k), pvKw: world.forecast.from(pvKw, k), feederLoadKw: world.forecast.from(feederKw, k) } }, memory);
          memory = r.memory;
          const { supply, demand } = r.offers;
          return world.mechanism.bids === 'auction'
            ? { type: 'bid-submitted', time: event.time, payload: { period: k, agent: state.id, community: state.community, bid: { market: 'auction', supply: supply.supply, demand: demand.demand } } }
            : { type: 'bid-submitted', time: event.time, payload: { period: k, agent: state.id, community: state.community, bid: { market: 'community', agents: [...demand.communityAgents, ...supply.communityAgents] } } };
        };
        if (dayAhead) {
          const emit = world.periods.map((p) => bid(p.index));
          return { state: { ...state, memory }, emit };
        }
        // one period (the usual case, for 10,000 agents a period: no per-agent list of periods)
        const k = event.payload.period;
        const emit = [bid(k)];
        return { state: { ...state, memory, nominalDemandKw: nominalAt(state, demandKw, k), pvAvailableKw: pvKw[k] }, emit };
      }
      case 'market-cleared': {
        const memory = rememberPrices(state.memory, event.payload.prices);
        return memory === state.memory ? { state } : { state: { ...state, memory } };
      }
      case 'dispatched':
        return {
          state: {
            ...state,
            memory: rememberSettlement(state.memory, event.payload, world.periodHours),
            dispatchKw: event.payload.pKw,
            priceEurPerKwh: event.payload.priceEurPerKwh,
            welfareEur: state.welfareEur + event.payload.welfareEur,
          },
        };
      case 'grid-solved': {
        if (!event.payload.converged) return { state };
        const memory = rememberVoltage(state.memory, meanOf(event.payload.loadVPu, state.voltageEntries));
        return memory === state.memory ? { state } : { state: { ...state, memory } };
      }
      default:
        return { state };
    }
  },
};
