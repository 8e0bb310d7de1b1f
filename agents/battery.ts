/**
 * Battery: a Standard Battery Unit stack (seed 000, Table III) at a feeder bus. Physics and
 * behaviour are apart (DESIGN rule 5):
 * - physics (`batteryLimits`, `advanceSoc`): charge ≤ min(power, rate_ch·capacity, room to soc_max),
 *   discharge ≤ min(power, rate_dis·capacity, energy above soc_min); after a period,
 *   soc' = soc + [(η_ch·ch − dis/η_dis)·h − λ_sd·soc·capacity] / capacity (seed 000, Eqs. 9–13 with
 *   consistent signs: charge > 0 raises the stored energy);
 * - behaviour: the scenario's battery strategy (`batteries.strategy`, default `storage-threshold`,
 *   or a plugin's) bids in both markets, with its context (agents/bidding.ts: soc and limits, the
 *   feeder-load forecast, past settlements, last prices, the voltage at its bus): in the auction it
 *   turns the limits into blocks; in the community market it prices the stored energy of the seed 000
 *   battery agent (markets/community) that the physics here describes.
 */
import type { AnyDraft, Bid } from '../src/kernel/events.js';
import type { AgentKind, World } from './agent.js';
import { type BidderMemory, initialMemory, meanOf, rememberPrices, rememberSettlement, rememberVoltage, runStrategies } from './bidding.js';

export interface BatteryParams {
  readonly capacityKwh: number;
  readonly powerKw: number;
  readonly socMin: number;
  readonly socMax: number;
  readonly etaCh: number;
  readonly etaDis: number;
  readonly rateChPerH: number;
  readonly rateDisPerH: number;
  /** fraction of stored energy lost per hour */
  readonly selfDischargePerH: number;
  readonly aEurPerKwhPerKw: number;
  /**
   * issue 12, a feeder Storage's idling losses (%IdlingkW × kWrated), kW, as OpenDSS's UpdateStorage
   * charges them: taken from the stored energy while charging or discharging, drawn from the grid
   * (not the energy) while idle. Absent for Standard Battery Units.
   */
  readonly idlingKw?: number;
}

export interface BatteryConfig {
  readonly bus: string;
  readonly units: number;
  readonly params: BatteryParams;
  readonly soc: number;
  /** issue 12: the feeder Storage element this battery is (`batteries.feeder_storage`) */
  readonly storage?: string;
}

export interface BatteryState extends BatteryConfig {
  readonly id: string;
  readonly community: string;
  /** entries of the world's `voltageBuses` (and so of `grid-solved.busVPu`) that are this battery's bus */
  readonly voltageEntries: readonly number[];
  readonly memory: BidderMemory;
  readonly dispatchKw: number;
  readonly welfareEur: number;
  /** energy the physics refused because a dispatch would have left the soc bounds, kWh */
  readonly curtailedKwh: number;
}

/** Charge and discharge limits for a period of `h` hours, kW (both ≥ 0). */
export function batteryLimits(p: BatteryParams, soc: number, h: number): { chargeKw: number; dischargeKw: number } {
  const room = Math.max(0, (p.socMax - soc) * p.capacityKwh);
  const stored = Math.max(0, (soc - p.socMin) * p.capacityKwh);
  // a feeder Storage's idling losses come out of the energy while it runs (OpenDSS UpdateStorage)
  const idle = p.idlingKw ?? 0;
  return {
    chargeKw: Math.max(0, Math.min(p.powerKw, p.rateChPerH * p.capacityKwh, room / (p.etaCh * h) + idle)),
    dischargeKw: Math.max(0, Math.min(p.powerKw, p.rateDisPerH * p.capacityKwh, (stored * p.etaDis) / h - idle)),
  };
}

/** State of charge after a period of `h` hours at net power `pKw` (charge > 0); clamped to bounds. */
export function advanceSoc(p: BatteryParams, soc: number, pKw: number, h: number): { soc: number; curtailedKwh: number } {
  const ch = Math.max(0, pKw);
  const dis = Math.max(0, -pKw);
  const de = (p.idlingKw ?? 0) > 0 ? storageEnergyChangeKwh(p, pKw, h) : (p.etaCh * ch - dis / p.etaDis) * h - p.selfDischargePerH * h * soc * p.capacityKwh;
  const raw = soc + de / p.capacityKwh;
  const next = Math.min(p.socMax, Math.max(p.socMin, raw));
  return { soc: next, curtailedKwh: Math.abs(raw - next) * p.capacityKwh };
}

/**
 * Stored-energy change of a feeder Storage over `h` hours at net power `pKw` (charge > 0), kWh, as
 * OpenDSS's UpdateStorage integrates it: charging, (P − idling)·η_ch·h (or (P − idling)/η_dis·h when
 * the charge does not cover the idling losses); discharging, −(P + idling)/η_dis·h; idle, 0 (the
 * idling losses are then drawn from the grid).
 */
export function storageEnergyChangeKwh(p: BatteryParams, pKw: number, h: number): number {
  const idle = p.idlingKw ?? 0;
  if (pKw > 0) return pKw >= idle ? (pKw - idle) * p.etaCh * h : ((pKw - idle) / p.etaDis) * h;
  if (pKw < 0) return (-(-pKw + idle) / p.etaDis) * h;
  return 0;
}

/** Scales one unit to `units` units (capacity and converter power; rates per capacity unchanged). */
export function scaleUnits(unit: BatteryParams, units: number): BatteryParams {
  return { ...unit, capacityKwh: unit.capacityKwh * units, powerKw: unit.powerKw * units };
}

export const batteryKind: AgentKind<BatteryState, BatteryConfig> = {
  kind: 'battery',
  handles: ['period-opened', 'market-cleared', 'dispatched', 'grid-solved'],
  init(id, config, world) {
    const ref = world.scenario.batteries.strategy;
    const voltageEntries = world.voltageBuses.flatMap((b, i) => (b.name === config.bus ? [i] : []));
    return { id, ...config, community: world.communityOf.get(id) ?? 'c1', voltageEntries, memory: initialMemory(world, id, { supply: ref, demand: ref }), dispatchKw: 0, welfareEur: 0, curtailedKwh: 0 };
  },
  transition(state, event, world: World) {
    const h = world.periodHours;
    switch (event.type) {
      case 'period-opened': {
        const k = event.payload.period;
        const m = world.scenario.market;
        const dayAhead = m.mechanism === 'community' && m.day_mode === 'day-ahead';
        if (dayAhead && k > 0) return { state };
        const p = state.params;
        const lim = batteryLimits(p, state.soc, h);
        const ref = world.scenario.batteries.strategy;
        const none = new Float64Array(world.periods.length - k);
        const r = runStrategies(
          world,
          state.id,
          k,
          { supply: ref, demand: ref },
          {
            nominalDemandKw: lim.chargeKw,
            availableSupplyKw: lim.dischargeKw,
            forecast: { demandKw: none, pvKw: none, feederLoadKw: world.forecast.feederLoadKw().subarray(k) },
            battery: { soc: state.soc, socMin: p.socMin, socMax: p.socMax, capacityKwh: p.capacityKwh, chargeKw: lim.chargeKw, dischargeKw: lim.dischargeKw },
          },
          state.memory,
        );
        if (world.mechanism.bids === 'auction') {
          const draft: AnyDraft = { type: 'bid-submitted', time: event.time, payload: { period: k, agent: state.id, community: state.community, bid: { market: 'auction', supply: r.offers.supply.supply, demand: r.offers.demand.demand } } };
          return { state: { ...state, memory: r.memory }, emit: [draft] };
        }
        const value = r.offers.supply.storageValueEurPerKwh ?? r.offers.demand.storageValueEurPerKwh;
        if (value === undefined || !Number.isFinite(value)) throw new Error(`battery ${state.id}: strategy '${ref.name}' gave no value of stored energy for the community market (Offer.storageValueEurPerKwh)`);
        // day-ahead (issue 10): the whole day's bids when the first period opens; soc is read from
        // the first hour, and `terminal_soc: initial` closes the day at the starting soc with no
        // value on what is left stored (all its welfare is then arbitrage between hours)
        const closed = dayAhead && world.scenario.batteries.terminal_soc === 'initial';
        const agent = (last: boolean) => ({
          id: `${state.id}:bat`,
          kind: 'battery',
          capacityKwh: p.capacityKwh,
          powerKw: p.powerKw,
          soc: state.soc,
          socMin: p.socMin,
          socMax: p.socMax,
          etaCh: p.etaCh,
          etaDis: p.etaDis,
          rateChPerH: p.rateChPerH,
          rateDisPerH: p.rateDisPerH,
          selfDischargePerPeriod: p.selfDischargePerH * h,
          aEurPerKwhPerKw: p.aEurPerKwhPerKw,
          valueEurPerKwh: closed ? 0 : value,
          ...(closed && last ? { terminalSocMin: state.soc } : {}),
        });
        if (dayAhead) {
          const n = world.periods.length;
          const emit = world.periods.map((per): AnyDraft => ({ type: 'bid-submitted', time: event.time, payload: { period: per.index, agent: state.id, community: state.community, bid: { market: 'community', agents: [agent(per.index === n - 1)] } } }));
          return { state: { ...state, memory: r.memory }, emit };
        }
        const bid: Bid = { market: 'community', agents: [agent(false)] };
        const draft: AnyDraft = { type: 'bid-submitted', time: event.time, payload: { period: k, agent: state.id, community: state.community, bid } };
        return { state: { ...state, memory: r.memory }, emit: [draft] };
      }
      case 'market-cleared': {
        const memory = rememberPrices(state.memory, event.payload.prices);
        return memory === state.memory ? { state } : { state: { ...state, memory } };
      }
      case 'dispatched': {
        const next = advanceSoc(state.params, state.soc, event.payload.pKw, h);
        return {
          state: {
            ...state,
            memory: rememberSettlement(state.memory, event.payload, h),
            soc: next.soc,
            dispatchKw: event.payload.pKw,
            welfareEur: state.welfareEur + event.payload.welfareEur,
            curtailedKwh: state.curtailedKwh + next.curtailedKwh,
          },
        };
      }
      case 'grid-solved': {
        if (!event.payload.converged) return { state };
        const memory = rememberVoltage(state.memory, meanOf(event.payload.busVPu, state.voltageEntries));
        return memory === state.memory ? { state } : { state: { ...state, memory } };
      }
      default:
        return { state };
    }
  },
};
