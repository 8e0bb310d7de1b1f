/**
 * Prosumer: a feeder load with optional PV. Physics: its nominal demand in a period is the load's
 * own shape (the feeder's load shape, averaged over the period's minutes, daily mode, times
 * `prosumers.load_scale`) and its PV is its system's output over the period from the scenario's PV
 * profile (clear sky or a measured file, agents/solar.ts). Behaviour: one strategy
 * per side (agents/strategies) turns those into offers. After clearing it keeps its dispatch; the
 * grid operator applies it to the feeder.
 */
import { shapeMultipliers } from '../grid/model/elements/loadshape.js';
import type { AnyDraft } from '../src/events.js';
import type { AgentKind, World } from './agent.js';
import { meanProfileKw } from './solar.js';
import { strategies } from './strategies/index.js';
import { type Offer, type Side, withDefaults } from './strategies/strategy.js';

export interface ProsumerConfig {
  readonly load: string;
  readonly pvKwp: number;
  readonly supply: { readonly name: string; readonly params: Readonly<Record<string, number>> };
  readonly demand: { readonly name: string; readonly params: Readonly<Record<string, number>> };
}

export interface ProsumerState extends ProsumerConfig {
  readonly id: string;
  readonly loadIndex: number;
  readonly community: string;
  /** last period's figures, for inspection */
  readonly nominalDemandKw: number;
  readonly pvAvailableKw: number;
  readonly dispatchKw: number;
  readonly priceEurPerKwh: number;
  readonly welfareEur: number;
}

/** Mean nominal demand of a feeder load over [fromS, toS), kW, from its load shape (daily mode). */
export function nominalDemandKw(world: World, loadIndex: number, fromS: number, toS: number): number {
  const l = world.feeder.network.loads[loadIndex];
  const shape = l.status === 'fixed' ? undefined : (l.daily ?? l.yearly ?? l.duty);
  const n = Math.max(1, Math.round((toS - fromS) / 60));
  let sum = 0;
  for (let k = 0; k < n; k++) {
    // minute M is the solve at t = M·60 s; the period's minutes are its starts + 1 … end
    const minute = fromS / 60 + ((k + 1) * (toS - fromS)) / 60 / n;
    sum += shape ? (shape.useActual ? shapeMultipliers(shape, minute / 60).p : l.kW * shapeMultipliers(shape, minute / 60).p) : l.kW;
  }
  return Math.max(0, sum / n);
}

/** Demand of a feeder load at clock `hour` from its load shape (daily mode), kW (≥ 0), unscaled. */
export function demandKwAt(world: World, loadIndex: number, hour: number): number {
  const l = world.feeder.network.loads[loadIndex];
  const shape = l.status === 'fixed' ? undefined : (l.daily ?? l.yearly ?? l.duty);
  return Math.max(0, shape ? (shape.useActual ? shapeMultipliers(shape, hour).p : l.kW * shapeMultipliers(shape, hour).p) : l.kW);
}

function offerFor(state: ProsumerState, side: Side, world: World, nominal: number, pv: number): Offer {
  const ref = side === 'supply' ? state.supply : state.demand;
  const strategy = strategies[ref.name];
  const m = world.scenario.market;
  return strategy.offer(side, {
    agent: state.id,
    market: m.mechanism,
    nominalDemandKw: nominal,
    availableSupplyKw: pv,
    periodHours: world.periodHours,
    importPriceEurPerKwh: m.import_price,
    exportPriceEurPerKwh: m.export_price,
    params: withDefaults(strategy, ref.params),
  });
}

export const prosumerKind: AgentKind<ProsumerState, ProsumerConfig> = {
  kind: 'prosumer',
  handles: ['period-opened', 'dispatched'],
  init(id, config, world) {
    const loadIndex = world.loadIndex.get(config.load);
    if (loadIndex === undefined) throw new Error(`prosumer ${id}: load ${config.load} is not on the feeder`);
    return { id, ...config, loadIndex, community: world.communityOf.get(id) ?? 'c1', nominalDemandKw: 0, pvAvailableKw: 0, dispatchKw: 0, priceEurPerKwh: 0, welfareEur: 0 };
  },
  transition(state, event, world) {
    if (event.type === 'period-opened') {
      const m = world.scenario.market;
      // a day-ahead market takes the whole day's bids when the first period opens
      const dayAhead = m.mechanism === 'community' && m.day_mode === 'day-ahead';
      if (dayAhead && event.payload.period > 0) return { state };
      const periods = dayAhead ? world.periods : [world.periods[event.payload.period]];
      let nominal = 0;
      let pv = 0;
      const emit = periods.map((p): AnyDraft => {
        nominal = nominalDemandKw(world, state.loadIndex, p.startS, p.endS) * world.scenario.prosumers.load_scale;
        pv = state.pvKwp > 0 ? meanProfileKw(world.pv, state.pvKwp, p.startS / 3600, p.endS / 3600) : 0;
        const demand = offerFor(state, 'demand', world, nominal, pv);
        const supply = offerFor(state, 'supply', world, nominal, pv);
        return m.mechanism === 'auction'
          ? { type: 'bid-submitted', time: event.time, payload: { period: p.index, agent: state.id, community: state.community, bid: { market: 'auction', supply: supply.supply, demand: demand.demand } } }
          : { type: 'bid-submitted', time: event.time, payload: { period: p.index, agent: state.id, community: state.community, bid: { market: 'community', agents: [...demand.communityAgents, ...supply.communityAgents] } } };
      });
      return { state: dayAhead ? state : { ...state, nominalDemandKw: nominal, pvAvailableKw: pv }, emit };
    }
    if (event.type === 'dispatched' && event.payload.agent === state.id) {
      return { state: { ...state, dispatchKw: event.payload.pKw, priceEurPerKwh: event.payload.priceEurPerKwh, welfareEur: state.welfareEur + event.payload.welfareEur } };
    }
    return { state };
  },
};
