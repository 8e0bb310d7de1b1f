/**
 * Battery: a Standard Battery Unit stack (seed 000, Table III) at a feeder bus. Physics and
 * behaviour are apart (DESIGN rule 5):
 * - physics (`batteryLimits`, `advanceSoc`): charge ≤ min(power, rate_ch·capacity, room to soc_max),
 *   discharge ≤ min(power, rate_dis·capacity, energy above soc_min); after a period,
 *   soc' = soc + [(η_ch·ch − dis/η_dis)·h − λ_sd·soc·capacity] / capacity (seed 000, Eqs. 9–13 with
 *   consistent signs: charge > 0 raises the stored energy);
 * - behaviour: in the auction, the scenario's battery strategy (`batteries.strategy`, default
 *   `storage-threshold`) turns the limits into blocks; in the community market it enters as a battery
 *   agent whose welfare term values stored energy (markets/community).
 */
import type { AnyDraft, Bid } from '../src/events.js';
import type { AgentKind, World } from './agent.js';
import { strategies } from './strategies/index.js';
import { withDefaults } from './strategies/strategy.js';

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
}

export interface BatteryConfig {
  readonly bus: string;
  readonly units: number;
  readonly params: BatteryParams;
  readonly soc: number;
}

export interface BatteryState extends BatteryConfig {
  readonly id: string;
  readonly community: string;
  readonly dispatchKw: number;
  readonly welfareEur: number;
  /** energy the physics refused because a dispatch would have left the soc bounds, kWh */
  readonly curtailedKwh: number;
}

/** Charge and discharge limits for a period of `h` hours, kW (both ≥ 0). */
export function batteryLimits(p: BatteryParams, soc: number, h: number): { chargeKw: number; dischargeKw: number } {
  const room = Math.max(0, (p.socMax - soc) * p.capacityKwh);
  const stored = Math.max(0, (soc - p.socMin) * p.capacityKwh);
  return {
    chargeKw: Math.max(0, Math.min(p.powerKw, p.rateChPerH * p.capacityKwh, room / (p.etaCh * h))),
    dischargeKw: Math.max(0, Math.min(p.powerKw, p.rateDisPerH * p.capacityKwh, (stored * p.etaDis) / h)),
  };
}

/** State of charge after a period of `h` hours at net power `pKw` (charge > 0); clamped to bounds. */
export function advanceSoc(p: BatteryParams, soc: number, pKw: number, h: number): { soc: number; curtailedKwh: number } {
  const ch = Math.max(0, pKw);
  const dis = Math.max(0, -pKw);
  const de = (p.etaCh * ch - dis / p.etaDis) * h - p.selfDischargePerH * h * soc * p.capacityKwh;
  const raw = soc + de / p.capacityKwh;
  const next = Math.min(p.socMax, Math.max(p.socMin, raw));
  return { soc: next, curtailedKwh: Math.abs(raw - next) * p.capacityKwh };
}

/** Scales one unit to `units` units (capacity and converter power; rates per capacity unchanged). */
export function scaleUnits(unit: BatteryParams, units: number): BatteryParams {
  return { ...unit, capacityKwh: unit.capacityKwh * units, powerKw: unit.powerKw * units };
}

export const batteryKind: AgentKind<BatteryState, BatteryConfig> = {
  kind: 'battery',
  handles: ['period-opened', 'dispatched'],
  init(id, config, world) {
    return { id, ...config, community: world.communityOf.get(id) ?? 'c1', dispatchKw: 0, welfareEur: 0, curtailedKwh: 0 };
  },
  transition(state, event, world: World) {
    const h = world.periodHours;
    if (event.type === 'period-opened') {
      const m = world.scenario.market;
      const lim = batteryLimits(state.params, state.soc, h);
      let bid: Bid;
      if (m.mechanism === 'auction') {
        // behaviour: the scenario's battery strategy turns the physical limits into blocks
        const ref = world.scenario.batteries.strategy;
        const strategy = strategies[ref.name];
        const input = {
          agent: state.id,
          market: m.mechanism,
          nominalDemandKw: lim.chargeKw,
          availableSupplyKw: lim.dischargeKw,
          periodHours: h,
          importPriceEurPerKwh: m.import_price,
          exportPriceEurPerKwh: m.export_price,
          params: withDefaults(strategy, ref.params),
        };
        bid = { market: 'auction', supply: strategy.offer('supply', input).supply, demand: strategy.offer('demand', input).demand };
      } else {
        const p = state.params;
        // day-ahead (issue 10): the whole day's bids when the first period opens; soc is read from
        // the first hour, and `terminal_soc: initial` closes the day at the starting soc with no
        // value on what is left stored (all its welfare is then arbitrage between hours)
        const dayAhead = m.day_mode === 'day-ahead';
        if (dayAhead && event.payload.period > 0) return { state };
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
          valueEurPerKwh: closed ? 0 : (m.import_price + m.export_price) / 2,
          ...(closed && last ? { terminalSocMin: state.soc } : {}),
        });
        if (dayAhead) {
          const n = world.periods.length;
          const emit = world.periods.map((per): AnyDraft => ({ type: 'bid-submitted', time: event.time, payload: { period: per.index, agent: state.id, community: state.community, bid: { market: 'community', agents: [agent(per.index === n - 1)] } } }));
          return { state, emit };
        }
        bid = {
          market: 'community',
          agents: [
            {
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
              valueEurPerKwh: (m.import_price + m.export_price) / 2,
            },
          ],
        };
      }
      const draft: AnyDraft = { type: 'bid-submitted', time: event.time, payload: { period: event.payload.period, agent: state.id, community: state.community, bid } };
      return { state, emit: [draft] };
    }
    if (event.type === 'dispatched' && event.payload.agent === state.id) {
      const next = advanceSoc(state.params, state.soc, event.payload.pKw, h);
      return {
        state: { ...state, soc: next.soc, dispatchKw: event.payload.pKw, welfareEur: state.welfareEur + event.payload.welfareEur, curtailedKwh: state.curtailedKwh + next.curtailedKwh },
      };
    }
    return { state };
  },
};
