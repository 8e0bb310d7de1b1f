/**
 * Community manager: follows its members' bids, represents the community's price and its trade with
 * the grid and the other communities, and keeps the community's welfare — Σ of its members'
 * individual welfare, period by period (seed 000: who gains).
 *
 * With `market.community_clearing: managers` (issue 16) it also bids: once every member has bid for
 * the period, it builds its community's net-import curve from the members' bids (markets/community/
 * managers.ts), runs its strategy (agents/strategies/managers) and publishes the offer as a
 * `bid-submitted` (`market: community-offer`). The bus orders bids before the gate closure and, at
 * one priority, by sequence, so a period reads: members' bids → the manager's bid → `gate-closed`.
 */
import { toCanonical } from '../markets/community/canonical.js';
import { poolBatteries } from '../markets/community/day-ahead.js';
import { alignHours } from '../markets/community/day.js';
import { dayOfferOf } from '../markets/community/managers-day.js';
import { communityCurve, type ManagerOffer, offerProblem } from '../markets/community/managers.js';
import type { CommunityAgent, CommunityProblem } from '../markets/community/model.js';
import { ScenarioError } from '../src/errors.js';
import type { AnyDraft, Settled } from '../src/kernel/events.js';
import { Rng } from '../src/kernel/rng.js';
import type { AgentKind, World } from './agent.js';
import { type ConsList, cons, inInsertionOrder } from './cons-list.js';
import type { ManagerSettlement } from './strategies/managers/strategy.js';
import { HISTORY_PERIODS, type JsonValue } from './strategies/strategy.js';

export interface CommunityManagerConfig {
  readonly community: string;
  readonly members: readonly string[];
}

export interface CommunityManagerState extends CommunityManagerConfig {
  readonly id: string;
  /** members as a lookup table (plain data, O(1) per settlement) */
  readonly isMember: Readonly<Record<string, true>>;
  /**
   * members' bids this period: counted as they arrive when the manager bids (it bids once every
   * member has); otherwise the members settled in the period's clearing (one row per bid)
   */
  readonly bidsThisPeriod: number;
  readonly priceEurPerKwh: number | undefined;
  readonly periodWelfareEur: number;
  readonly welfareEur: number;
  readonly netKwThisPeriod: number;
  // ---- issue 16: managers that bid ----
  readonly period: number;
  /** the members' market agents bid this period (a day-ahead market: every period's), newest first */
  readonly memberAgents: ConsList<{ readonly period: number; readonly agent: Readonly<Record<string, unknown>> }>;
  /** the offer published this period, if any */
  readonly offer: ManagerOffer | undefined;
  readonly strategyState: JsonValue;
  readonly history: readonly ManagerSettlement[];
  /** the manager's random stream (see `Rng.snapshot`) */
  readonly rng: readonly number[];
  /** Σ margins the manager kept, EUR */
  readonly marginEur: number;
}

/** The manager strategy a scenario names for `community` (per-community entry, else the default). */
export function managerStrategyRef(world: World, community: string): { readonly name: string; readonly params: Readonly<Record<string, JsonValue>> } {
  const m = world.scenario.market.managers;
  return Object.hasOwn(m.communities, community) ? m.communities[community] : m.strategy;
}

/** The scenario field that names the manager strategy of `community`. */
function managerStrategyPath(world: World, community: string): string {
  return Object.hasOwn(world.scenario.market.managers.communities, community) ? `market.managers.communities.${community}` : 'market.managers.strategy';
}

function managersBid(world: World): boolean {
  return world.scenario.market.community_clearing === 'managers';
}

/** The community's one-community market problem of a period, from its members' agents. */
function memberProblem(world: World, community: string, agents: readonly Readonly<Record<string, unknown>>[]): CommunityProblem {
  const mk = world.scenario.market;
  return {
    periodHours: world.periodHours,
    grid: { importPriceEurPerKwh: mk.import_price, exportPriceEurPerKwh: mk.export_price },
    interCommunityFeeEurPerKwh: mk.inter_community_fee,
    communities: [{ id: community }],
    agents: agents.map((a) => ({ ...a, community }) as unknown as CommunityAgent),
  };
}

/** Runs the manager's strategy on the truthful offer of `period`; checks what it made. */
function shade(state: CommunityManagerState, world: World, period: number, truthful: ManagerOffer): { offer: ManagerOffer; state: CommunityManagerState } {
  const mk = world.scenario.market;
  const ref = managerStrategyRef(world, state.community);
  const strategy = world.managerStrategies[ref.name];
  if (!strategy) throw new Error(`manager strategy '${ref.name}' is not registered`);
  const p = world.periods[period];
  const rng = Rng.restore(state.rng);
  const r = strategy.offer(
    {
      manager: state.id,
      community: state.community,
      clock: { iso: p.iso, periodIndex: period, periodMinutes: mk.period_min, periodHours: world.periodHours, startS: p.startS },
      truthful,
      importPriceEurPerKwh: mk.import_price,
      exportPriceEurPerKwh: mk.export_price,
      interCommunityFeeEurPerKwh: mk.inter_community_fee,
      periodHours: world.periodHours,
      history: state.history,
      params: { ...strategy.defaults, ...ref.params },
      random: () => rng.next(),
    },
    state.strategyState,
  );
  if (r.offer.community !== state.community) throw new Error(`manager strategy '${ref.name}' offered for '${r.offer.community}', not for its community '${state.community}'`);
  const bad = offerProblem(r.offer);
  // a strategy's fault, not lemsim's: located at the scenario field that named it
  if (bad) throw new ScenarioError(undefined, managerStrategyPath(world, state.community), `manager strategy '${ref.name}' made a bad offer for ${state.community}: ${bad}`);
  const known = new Set(world.communityOf.values());
  const unknown = Object.keys(r.offer.partners ?? {}).find((c) => !known.has(c));
  if (unknown !== undefined) throw new ScenarioError(undefined, managerStrategyPath(world, state.community), `manager strategy '${ref.name}' names partner '${unknown.slice(0, 40)}', which is not a community of the scenario (${[...known].sort().slice(0, 10).join(', ')})`);
  return { offer: r.offer, state: { ...state, strategyState: r.state, rng: rng.snapshot(), offer: r.offer } };
}

/**
 * The manager's offers, one per period it bids for, from its members' bids and its strategy. Hourly:
 * the period's net-import curve of every member. Day-ahead (issue 16): the community's value over the
 * day — per period the curve of its members other than batteries, and its batteries pooled into banks
 * of identical ones (markets/community/managers-day.ts) — shaded period by period by the strategy.
 */
function makeOffers(state: CommunityManagerState, world: World, periods: readonly number[]): { offers: { period: number; offer: ManagerOffer }[]; state: CommunityManagerState } {
  const byPeriod = new Map<number, Readonly<Record<string, unknown>>[]>(periods.map((k) => [k, []]));
  for (const { period, agent } of inInsertionOrder(state.memberAgents)) byPeriod.get(period)?.push(agent);
  let truthful: ManagerOffer[];
  if (dayAhead(world)) {
    const day = alignHours(periods.map((k) => memberProblem(world, state.community, byPeriod.get(k) ?? [])));
    truthful = poolBatteries(day).day.hours.map(dayOfferOf);
  } else {
    truthful = periods.map((k) => {
      const problem = memberProblem(world, state.community, byPeriod.get(k) ?? []);
      return { community: state.community, curve: communityCurve(toCanonical(problem), 0), exportMarginEurPerKwh: 0, maxGridImportKw: null };
    });
  }
  let next = state;
  const offers = periods.map((k, j) => {
    const made = shade(next, world, k, truthful[j]);
    next = made.state;
    return { period: k, offer: made.offer };
  });
  return { offers, state: next };
}

/** The community's welfare and net power after its members' settlements of the period (grid convention: consumed kW > 0). */
function membersSettled(state: CommunityManagerState, dispatch: readonly Settled[], countBids: boolean): Pick<CommunityManagerState, 'bidsThisPeriod' | 'periodWelfareEur' | 'welfareEur' | 'netKwThisPeriod'> {
  let { bidsThisPeriod, periodWelfareEur, welfareEur, netKwThisPeriod } = state;
  for (const d of dispatch) {
    if (!Object.hasOwn(state.isMember, d.agent)) continue;
    if (countBids) bidsThisPeriod++;
    periodWelfareEur += d.welfareEur;
    welfareEur += d.welfareEur;
    netKwThisPeriod += d.pKw;
  }
  return { bidsThisPeriod, periodWelfareEur, welfareEur, netKwThisPeriod };
}

function dayAhead(world: World): boolean {
  const m = world.scenario.market;
  return m.mechanism === 'community' && m.day_mode === 'day-ahead';
}

export const communityManagerKind: AgentKind<CommunityManagerState, CommunityManagerConfig> = {
  kind: 'community-manager',
  // the members' settlements come as the batch on `market-cleared` (one transition per period, not
  // one per member: a community of 10,000 members made 10,000 state copies a period observing each
  // `dispatched`), summed in the order the `dispatched` events follow it
  handles: ['period-opened', 'bid-submitted', 'market-cleared'],
  init: (id, config, world) => ({
    id,
    ...config,
    isMember: Object.fromEntries(config.members.map((m) => [m, true as const])),
    bidsThisPeriod: 0,
    priceEurPerKwh: undefined,
    periodWelfareEur: 0,
    welfareEur: 0,
    netKwThisPeriod: 0,
    period: -1,
    memberAgents: null,
    offer: undefined,
    strategyState: world.managerStrategies[managerStrategyRef(world, config.community).name]?.initialState ?? null,
    history: [],
    rng: new Rng(`${world.scenario.seed}:manager:${id}`).snapshot(),
    marginEur: 0,
  }),
  transition(state, event, world) {
    switch (event.type) {
      case 'period-opened':
        return { state: { ...state, bidsThisPeriod: 0, periodWelfareEur: 0, netKwThisPeriod: 0, period: event.payload.period, memberAgents: null, offer: undefined } };
      case 'bid-submitted': {
        const p = event.payload;
        // a manager that does not bid counts its members' bids from the clearing (no state copy per
        // member bid: 10,000 a period)
        if (!managersBid(world) || p.community !== state.community || !Object.hasOwn(state.isMember, p.agent)) return { state };
        const next = { ...state, bidsThisPeriod: state.bidsThisPeriod + 1 };
        if (p.bid.market !== 'community') return { state: next };
        let memberAgents = state.memberAgents;
        for (const a of p.bid.agents) memberAgents = cons({ period: p.period, agent: a }, memberAgents);
        const collected = { ...next, memberAgents };
        // a day-ahead market takes every member's bid for every period at the first gate
        const periods = dayAhead(world) ? world.periods.map((x) => x.index) : [state.period];
        if (collected.bidsThisPeriod < state.members.length * periods.length) return { state: collected };
        // the last member has bid: the manager's own bids follow, before the gate closes
        const made = makeOffers(collected, world, periods);
        const emit = made.offers.map(({ period, offer }): AnyDraft => ({ type: 'bid-submitted', time: event.time, payload: { period, agent: state.id, community: state.community, bid: { market: 'community-offer', offer } } }));
        return { state: made.state, emit };
      }
      case 'market-cleared': {
        const mine = event.payload.communities?.find((c) => c.community === state.community);
        const priceEurPerKwh = event.payload.prices[state.community] ?? event.payload.prices.market;
        const settled = { ...state, ...membersSettled(state, event.payload.dispatch, !managersBid(world)), priceEurPerKwh };
        if (!mine) return { state: settled };
        const kept = state.history.length >= HISTORY_PERIODS ? state.history.slice(state.history.length - HISTORY_PERIODS + 1) : state.history;
        const { clearing: _c, membersWelfareEur: _w, ...outcome } = mine;
        return { state: { ...settled, history: [...kept, { ...outcome, period: event.payload.period }], marginEur: state.marginEur + mine.marginEur } };
      }
      default:
        return { state };
    }
  },
};
