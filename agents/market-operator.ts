/**
 * Market operator: collects bids from `period-opened` until its gate closure (it closes the gate at
 * the period's opening time, after every bid: the bus orders `bid-submitted` before `gate-closed`),
 * calls the configured clearing — a pure function of markets/ (DESIGN rule 4): the block auction
 * (markets/auction) or the multi-community market (markets/community) — and publishes the result
 * with the whole dispatch as one batch (for the grid operator), then one `dispatched` addressed to each
 * bidder. Dispatch is in the grid convention: consumed kW > 0. Bids are collected in an immutable
 * linked list, so a period costs O(bidders).
 */
import { clearPeriod, type BlockOrder } from '../markets/auction/index.js';
import { type PriceExplanation, explainPrice } from '../markets/auction/explain.js';
import { clearCommunityFast, type CommunityAgent, type CommunityProblem } from '../markets/community/index.js';
import type { MilpSolver } from '../markets/solvers/milp.js';
import type { AnyDraft, Bid, MarketWhy } from '../src/events.js';
import type { AgentKind, World } from './agent.js';
import { type ConsList, cons, inInsertionOrder } from './cons-list.js';

export interface MarketOperatorConfig {
  /** MILP backend for the auction (loaded before the run; the structured path rarely needs it) */
  readonly solver: MilpSolver | undefined;
}

export interface SubmittedBid {
  readonly agent: string;
  readonly community: string;
  readonly bid: Bid;
}

export interface ClearingSnapshot {
  readonly period: number;
  readonly status: string;
  readonly welfareEur: number;
  readonly prices: Readonly<Record<string, number>>;
  readonly importKw: number;
  readonly exportKw: number;
  readonly dispatch: readonly { readonly agent: string; readonly pKw: number; readonly boughtKw: number; readonly soldKw: number; readonly priceEurPerKwh: number; readonly welfareEur: number }[];
  /** accepted block ids (auction) */
  readonly accepted: readonly string[];
  /** rejected blocks in the money / accepted blocks out of the money at the price (auction) */
  readonly paradoxicallyRejected?: readonly string[];
  readonly paradoxicallyAccepted?: readonly string[];
  /** "why this price" (auction; markets/auction/explain.ts) */
  readonly explanation?: PriceExplanation;
  /** market.csv `price_set_by`: the rule and what set the price; a mechanism without an explanation gives its name */
  readonly priceSetBy?: string;
}

export interface MarketOperatorState {
  readonly id: string;
  readonly solver: MilpSolver | undefined;
  readonly period: number;
  /** bids of the open period, newest first (see `openBids`) */
  readonly pending: ConsList<SubmittedBid>;
  /** the last gate closure's bids and result, for the debugger's `book` and `result` */
  readonly lastBids: readonly SubmittedBid[];
  readonly lastResult: ClearingSnapshot | undefined;
}

/**
 * The grid's limits in the auction, kW (null: unlimited). `counterparty`: the scenario's limits, if
 * any. `residual` (seed 004, Eq. 2: accepted supply ≥ accepted demand among the peers): no import
 * unless `max_import_kw` allows some; the surplus is exported, up to `max_export_kw`.
 */
export function gridLimits(m: World['scenario']['market']): { maxImportKw: number | null; maxExportKw: number | null } {
  const residual = m.grid === 'residual';
  return { maxImportKw: m.max_import_kw ?? (residual ? 0 : null), maxExportKw: m.max_export_kw ?? null };
}

/** Clears one auction period from the submitted bids. */
export function clearAuction(world: World, period: number, bids: readonly SubmittedBid[], solver: MilpSolver | undefined): ClearingSnapshot {
  const m = world.scenario.market;
  const supply: BlockOrder[] = [];
  const demand: BlockOrder[] = [];
  for (const b of bids) {
    if (b.bid.market !== 'auction') continue;
    for (const o of b.bid.supply) supply.push({ id: o.id, agent: b.agent, kw: o.kw, priceEurPerKwh: o.priceEurPerKwh });
    for (const o of b.bid.demand) demand.push({ id: o.id, agent: b.agent, kw: o.kw, priceEurPerKwh: o.priceEurPerKwh });
  }
  const book = { id: world.periods[period].label, supply, demand };
  const grid = { importPriceEurPerKwh: m.import_price, exportPriceEurPerKwh: m.export_price, ...gridLimits(m) };
  const r = clearPeriod(book, grid, world.periodHours, { pricing: m.pricing, solver });
  const explanation = explainPrice(book, grid, r, m.pricing);
  const acc = new Set([...r.acceptedSupply, ...r.acceptedDemand]);
  // with nothing traded locally, peers face the grid's prices: a buyer pays import, a seller gets export
  const price = r.priceEurPerKwh;
  const dispatch = bids.map((b) => {
    if (b.bid.market !== 'auction') return { agent: b.agent, pKw: 0, boughtKw: 0, soldKw: 0, priceEurPerKwh: 0, welfareEur: 0 };
    let bought = 0;
    let sold = 0;
    let value = 0;
    for (const o of b.bid.demand) if (acc.has(o.id)) (bought += o.kw), (value += o.kw * o.priceEurPerKwh);
    for (const o of b.bid.supply) if (acc.has(o.id)) (sold += o.kw), (value -= o.kw * o.priceEurPerKwh);
    const p = price ?? (bought > sold ? m.import_price : m.export_price);
    // individual welfare: offered value of what it bought minus cost of what it sold, minus net payment
    const welfare = (value - (bought - sold) * p) * world.periodHours;
    return { agent: b.agent, pKw: bought - sold, boughtKw: bought, soldKw: sold, priceEurPerKwh: p, welfareEur: welfare };
  });
  return {
    period,
    status: r.status,
    welfareEur: r.welfareEur,
    prices: price === null ? {} : { market: price },
    importKw: r.importKw,
    exportKw: r.exportKw,
    dispatch,
    accepted: [...r.acceptedSupply, ...r.acceptedDemand],
    paradoxicallyRejected: r.paradoxicallyRejected,
    paradoxicallyAccepted: r.paradoxicallyAccepted,
    explanation,
    priceSetBy: explanation.priceSetBy,
  };
}

/** Clears one community-market period. */
export function clearCommunity(world: World, period: number, bids: readonly SubmittedBid[]): ClearingSnapshot {
  const m = world.scenario.market;
  const agents: CommunityAgent[] = [];
  const owner = new Map<string, string>();
  const communities = new Set<string>();
  for (const b of bids) {
    if (b.bid.market !== 'community') continue;
    communities.add(b.community);
    for (const a of b.bid.agents) {
      agents.push({ ...(a as unknown as CommunityAgent), community: b.community });
      owner.set(a.id as string, b.agent);
    }
  }
  const problem: CommunityProblem = {
    periodHours: world.periodHours,
    grid: { importPriceEurPerKwh: m.import_price, exportPriceEurPerKwh: m.export_price },
    interCommunityFeeEurPerKwh: m.inter_community_fee,
    communities: [...communities].sort().map((id) => ({ id })),
    agents,
  } as unknown as CommunityProblem;
  const r = clearCommunityFast(problem);
  const prices: Record<string, number> = {};
  let importKw = 0;
  let exportKw = 0;
  for (const c of r.communities) {
    prices[c.id] = c.priceEurPerKwh;
    importKw += c.importKw;
    exportKw += c.exportKw;
  }
  const byAgent = new Map<string, { pKw: number; boughtKw: number; soldKw: number; welfareEur: number }>();
  for (const o of r.agents) {
    const who = owner.get(o.id)!;
    const cur = byAgent.get(who) ?? { pKw: 0, boughtKw: 0, soldKw: 0, welfareEur: 0 };
    // consumer P ≥ 0, producer P ≤ 0, battery charge S > 0: the grid sign; bought and sold kept apart
    cur.pKw += o.pKw + o.sKw;
    cur.boughtKw += Math.max(0, o.pKw) + Math.max(0, o.sKw);
    cur.soldKw += Math.max(0, -o.pKw) + Math.max(0, -o.sKw);
    cur.welfareEur += o.welfareEur;
    byAgent.set(who, cur);
  }
  const dispatch = bids.map((b) => {
    const d = byAgent.get(b.agent) ?? { pKw: 0, boughtKw: 0, soldKw: 0, welfareEur: 0 };
    return { agent: b.agent, ...d, priceEurPerKwh: prices[b.community] ?? 0 };
  });
  // one price per community: the dual of its balance in the quadratic optimum (markets/community)
  return { period, status: r.status, welfareEur: r.welfareEur ?? 0, prices, importKw, exportKw, dispatch, accepted: [], priceSetBy: 'community: dual of each community balance' };
}

/** The explanation as it travels on `market-cleared`: without the per-block list, with the accepted ids. */
function whyOf(r: ClearingSnapshot): MarketWhy {
  const { blocks: _blocks, period: _p, status: _s, priceEurPerKwh: _price, recomputedEurPerKwh: _rc, grid: _g, priceSetBy: _psb, ...rest } = r.explanation!;
  return { ...rest, accepted: r.accepted, paradoxicallyRejected: r.paradoxicallyRejected ?? [], paradoxicallyAccepted: r.paradoxicallyAccepted ?? [] };
}

/** The bids of the open period, in the order they were submitted. */
export function openBids(state: MarketOperatorState): SubmittedBid[] {
  return inInsertionOrder(state.pending);
}

export const marketOperatorKind: AgentKind<MarketOperatorState, MarketOperatorConfig> = {
  kind: 'market-operator',
  handles: ['period-opened', 'bid-submitted', 'gate-closed'],
  init: (id, config) => ({ id, solver: config.solver, period: -1, pending: null, lastBids: [], lastResult: undefined }),
  transition(state, event, world) {
    if (event.type === 'period-opened') {
      const gate: AnyDraft = { type: 'gate-closed', time: event.time, payload: { period: event.payload.period } };
      return { state: { ...state, period: event.payload.period, pending: null }, emit: [gate] };
    }
    if (event.type === 'bid-submitted') {
      const p = event.payload;
      return { state: { ...state, pending: cons({ agent: p.agent, community: p.community ?? 'c1', bid: p.bid }, state.pending) } };
    }
    if (event.type === 'gate-closed') {
      const bids = openBids(state);
      // the scenario's clearing mechanism, from the registry (built-in or plugin)
      const result = world.mechanism.clear({ world, period: state.period, bids, solver: state.solver });
      const emit: AnyDraft[] = [
        {
          type: 'market-cleared',
          time: event.time,
          payload: {
            period: state.period,
            status: result.status,
            welfareEur: result.welfareEur,
            prices: result.prices,
            importKw: result.importKw,
            exportKw: result.exportKw,
            dispatches: result.dispatch.length,
            dispatch: result.dispatch.map((d) => ({ agent: d.agent, pKw: d.pKw })),
            priceSetBy: result.priceSetBy ?? '',
            ...(result.explanation ? { why: whyOf(result) } : {}),
          },
        },
        ...result.dispatch.map(
          (d): AnyDraft => ({ type: 'dispatched', time: event.time, payload: { period: state.period, agent: d.agent, pKw: d.pKw, priceEurPerKwh: d.priceEurPerKwh, boughtKw: d.boughtKw, soldKw: d.soldKw, welfareEur: d.welfareEur } }),
        ),
      ];
      return { state: { ...state, lastBids: bids, lastResult: result, pending: null }, emit };
    }
    return { state };
  },
};
