/**
 * Market operator: collects bids from `period-opened` until its gate closure (it closes the gate at
 * the period's opening time, after every bid: the bus orders `bid-submitted` before `gate-closed`),
 * calls the configured clearing — a pure function of markets/ (DESIGN rule 4): the block auction
 * (markets/auction) or the multi-community market (markets/community) — and publishes the result
 * with the whole dispatch as one batch (for the grid operator), then one `dispatched` addressed to each
 * bidder. Dispatch is in the grid convention: consumed kW > 0. Bids are collected in an immutable
 * linked list, so a period costs O(bidders). The clearing is the scenario's mechanism from the
 * registry (agents/mechanisms.ts); the day-ahead community market clears the whole day at the first
 * gate and publishes one period per gate.
 */
import { type AuctionBook, acceptedInBook, clearPeriod, type BlockOrder, validateBook } from '../markets/auction/index.js';
import { alignHours } from '../markets/community/day.js';
import { clearCommunityFast, clearDayAheadQpWith, clearDayAheadWith, type CommunityAgent, type CommunityDay, type CommunityProblem, type CommunityResult, dayAheadKktResiduals, GRID_ID, type KktReport, validateProblem } from '../markets/community/index.js';
import type { HighsModule } from '../markets/solvers/highs.js';
import type { MilpSolver } from '../markets/solvers/milp.js';
import { LemsimError, SolverError, isInputError } from '../src/errors.js';
import type { AnyDraft, Bid, CommunityTrade, MarketWhy } from '../src/kernel/events.js';
import { clearByManagers, clearDayByManagersAt, communityTrades } from './manager-clearing.js';
import { type PriceExplanation, acceptedIdsOf, explainPrice } from '../markets/auction/explain.js';
import type { AgentKind, World } from './agent.js';
import { type ConsList, cons, inInsertionOrder } from './cons-list.js';
import { gridKwFromMarket } from './sign.js';

/** The market operator takes no configuration: its solvers come from the world's services. */
export type MarketOperatorConfig = Record<string, never>;

export interface SubmittedBid {
  /** the period the bid is for (a day-ahead market takes every period's bids at the first gate) */
  readonly period: number;
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
  /** community market: each community's price, trades and manager's margin (issue 16) */
  readonly communities?: readonly CommunityTrade[];
  /** relative optimality gap of the welfare problem (auction; 0 when proven optimal, and for the community QP) */
  readonly optimalityGap?: number;
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
  readonly period: number;
  /** bids received since the last gate closure, newest first (see `openBids`) */
  readonly pending: ConsList<SubmittedBid>;
  /** the last gate closure's bids and result, for the debugger's `book` and `result` */
  readonly lastBids: readonly SubmittedBid[];
  readonly lastResult: ClearingSnapshot | undefined;
  /** day-ahead: the day's cleared periods, dispatched one per period */
  readonly day?: readonly ClearingSnapshot[];
  /** day-ahead: the KKT certificate of the day's clearing (seed 000, Eqs. 1–18 with Eq. 9 across the day) */
  readonly dayKkt?: KktReport;
  /** day-ahead: every period's bids, taken at the first gate */
  readonly dayBids?: readonly SubmittedBid[];
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

/**
 * The auction blocks of a gate closure's bids, both sides in bid order (non-auction bids skipped).
 * Built once per gate closure: `validateAuctionBids` checks the very orders `clearAuction` clears
 * (memoized on the bids list, which neither changes).
 */
const blocksOfBids = new WeakMap<readonly SubmittedBid[], { supply: BlockOrder[]; demand: BlockOrder[] }>();
function auctionBlocks(bids: readonly SubmittedBid[]): { supply: BlockOrder[]; demand: BlockOrder[] } {
  let sides = blocksOfBids.get(bids);
  if (!sides) {
    const supply: BlockOrder[] = [];
    const demand: BlockOrder[] = [];
    for (const b of bids) {
      if (b.bid.market !== 'auction') continue;
      for (const o of b.bid.supply) supply.push({ id: o.id, agent: b.agent, kw: o.kw, priceEurPerKwh: o.priceEurPerKwh });
      for (const o of b.bid.demand) demand.push({ id: o.id, agent: b.agent, kw: o.kw, priceEurPerKwh: o.priceEurPerKwh });
    }
    sides = { supply, demand };
    blocksOfBids.set(bids, sides);
  }
  return sides;
}

/** Clears one auction period from the submitted bids. */
export function clearAuction(world: World, period: number, bids: readonly SubmittedBid[], solver: MilpSolver | undefined): ClearingSnapshot {
  const m = world.scenario.market;
  const { supply, demand } = auctionBlocks(bids);
  const book = { id: world.periods[period].label, supply, demand };
  const grid = { importPriceEurPerKwh: m.import_price, exportPriceEurPerKwh: m.export_price, ...gridLimits(m) };
  const r = clearPeriod(book, grid, world.periodHours, { pricing: m.pricing, solver });
  const explanation = explainPrice(book, grid, r, m.pricing);
  // which blocks were accepted: by position in the book (built from these bids in this order), or by id
  const inBook = acceptedInBook(r, book);
  const acc = inBook ? undefined : acceptedIdsOf(r);
  let si = 0;
  let di = 0;
  // with nothing traded locally, peers face the grid's prices: a buyer pays import, a seller gets export
  const price = r.priceEurPerKwh;
  const dispatch = bids.map((b) => {
    if (b.bid.market !== 'auction') return { agent: b.agent, pKw: 0, boughtKw: 0, soldKw: 0, priceEurPerKwh: 0, welfareEur: 0 };
    let bought = 0;
    let sold = 0;
    let value = 0;
    for (const o of b.bid.demand) if (inBook ? inBook.demand[di++] === 1 : acc!.has(o.id)) (bought += o.kw), (value += o.kw * o.priceEurPerKwh);
    for (const o of b.bid.supply) if (inBook ? inBook.supply[si++] === 1 : acc!.has(o.id)) (sold += o.kw), (value -= o.kw * o.priceEurPerKwh);
    const p = price ?? (bought > sold ? m.import_price : m.export_price);
    // individual welfare: offered value of what it bought minus cost of what it sold, minus net payment
    const welfare = (value - (bought - sold) * p) * world.periodHours;
    return { agent: b.agent, pKw: gridKwFromMarket(bought - sold), boughtKw: bought, soldKw: sold, priceEurPerKwh: p, welfareEur: welfare };
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
    optimalityGap: r.optimalityGap,
    paradoxicallyRejected: r.paradoxicallyRejected,
    paradoxicallyAccepted: r.paradoxicallyAccepted,
    explanation,
    priceSetBy: explanation.priceSetBy,
  };
}

/** One period's community-market problem from the members' bids, and which bidder owns each market agent. */
export function communityProblem(world: World, bids: readonly SubmittedBid[]): { problem: CommunityProblem; owner: Map<string, string> } {
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
  return { problem, owner };
}

/** A cleared community-market period as the operator publishes it (`communities`: per-community trade rows). */
export function communitySnapshot(period: number, bids: readonly SubmittedBid[], owner: ReadonlyMap<string, string>, r: CommunityResult, communities?: readonly CommunityTrade[]): ClearingSnapshot {
  const prices: Record<string, number> = {};
  let importKw = 0;
  let exportKw = 0;
  for (const c of r.communities) prices[c.id] = c.priceEurPerKwh;
  // trade with the upstream grid only: a kWh one community sells another is neither bought from nor
  // sold to the grid (summing the communities' imports counted it once as each)
  for (const f of r.flows) {
    if (f.from === GRID_ID) importKw += f.kw;
    else if (f.to === GRID_ID) exportKw += f.kw;
  }
  const byAgent = new Map<string, { pKw: number; boughtKw: number; soldKw: number; welfareEur: number }>();
  for (const o of r.agents) {
    const who = owner.get(o.id)!;
    const cur = byAgent.get(who) ?? { pKw: 0, boughtKw: 0, soldKw: 0, welfareEur: 0 };
    // consumer P ≥ 0, producer P ≤ 0, battery charge S > 0: the grid sign; bought and sold kept apart
    cur.pKw += gridKwFromMarket(o.pKw, o.sKw);
    cur.boughtKw += Math.max(0, o.pKw) + Math.max(0, o.sKw);
    cur.soldKw += Math.max(0, -o.pKw) + Math.max(0, -o.sKw);
    cur.welfareEur += o.welfareEur;
    byAgent.set(who, cur);
  }
  // managers' offers are not market agents: their rows come from `communities`
  const dispatch = bids.filter((b) => b.bid.market !== 'community-offer').map((b) => {
    const d = byAgent.get(b.agent) ?? { pKw: 0, boughtKw: 0, soldKw: 0, welfareEur: 0 };
    return { agent: b.agent, ...d, priceEurPerKwh: prices[b.community] ?? 0 };
  });
  // one price per community: the dual of its balance in the quadratic optimum (markets/community)
  return { period, status: r.status, welfareEur: r.welfareEur ?? 0, prices, importKw, exportKw, dispatch, accepted: [], priceSetBy: 'community: dual of each community balance', ...(communities ? { communities } : {}) };
}

/** The explanation as it travels on `market-cleared`: without the per-block list, with the accepted ids. */
function whyOf(r: ClearingSnapshot): MarketWhy {
  const { blocks: _blocks, period: _p, status: _s, priceEurPerKwh: _price, recomputedEurPerKwh: _rc, grid: _g, priceSetBy: _psb, ...rest } = r.explanation!;
  return { ...rest, accepted: r.accepted, paradoxicallyRejected: r.paradoxicallyRejected ?? [], paradoxicallyAccepted: r.paradoxicallyAccepted ?? [] };
}

/**
 * Clears one community-market period: centrally (one QP over every member, `clearCommunityFast`),
 * or from the managers' offers (`market.community_clearing: managers`, agents/manager-clearing.ts).
 */
export function clearCommunity(world: World, period: number, bids: readonly SubmittedBid[]): ClearingSnapshot {
  if (world.scenario.market.community_clearing === 'managers') return clearByManagers(world, period, bids);
  const { problem, owner } = communityProblem(world, bids);
  // bids are validated at gate closure with the market's own checks, naming the bidder's agents
  validateProblem(problem, `bids of period ${world.periods[period]?.label ?? period}`);
  const r = clearCommunityFast(problem);
  return communitySnapshot(period, bids, owner, r, r.status === 'optimal' ? communityTrades(problem, r, 'central') : undefined);
}

/** Largest KKT residual a day-ahead clearing may show before it is refused (kW, EUR/kWh, EUR/h). */
export const DAY_AHEAD_KKT_TOL = 1e-6;

/**
 * Clears the whole day at once (seed 000, Eqs. 1–18 with Eq. 9 across the hours): every period's
 * bids, the same market agents in every hour (an agent absent from an hour's bids — no PV at night —
 * enters it with a zero box), cleared by the day-ahead solver and certified by its KKT residuals.
 */
function clearDay(world: World, bids: readonly SubmittedBid[], highs: HighsModule): { day: ClearingSnapshot[]; kkt: KktReport } {
  const periods = world.periods.length;
  const byPeriod: SubmittedBid[][] = Array.from({ length: periods }, () => []);
  for (const b of bids) byPeriod[b.period]?.push(b);
  const built = byPeriod.map((pb) => communityProblem(world, pb));
  const owner = new Map<string, string>();
  for (const b of built) for (const [k, v] of b.owner) owner.set(k, v);
  const { hours } = alignHours(built.map((b) => b.problem));
  const dayProblem: CommunityDay = { hours };
  if (world.scenario.market.community_clearing === 'managers') return clearDayByManagersAt(world, byPeriod, dayProblem, owner, highs);
  // the scenario's solver first, the other as the fallback: HiGHS's active-set QP can fail (error −1)
  // on degenerate days (a battery resting at soc_min for hours); a day neither solves is a counted
  // failure with its reason, never a crash and never a quiet zero (DESIGN rule 15)
  const order = world.scenario.market.day_solver === 'qp' ? [clearDayAheadQpWith, clearDayAheadWith] : [clearDayAheadWith, clearDayAheadQpWith];
  let r: ReturnType<typeof clearDayAheadWith> | undefined;
  const errors: string[] = [];
  for (const solve of order) {
    try {
      r = solve(highs, dayProblem);
      break;
    } catch (err) {
      if (!(err instanceof SolverError)) throw err;
      errors.push(err.message);
    }
  }
  if (!r || r.status !== 'optimal') return failedDay(byPeriod, r ? r.status : `error: ${errors.join('; ')}`);
  const kkt = dayAheadKktResiduals(dayProblem, r, r.energyValueEurPerKwh!);
  return { day: r.hours.map((h, k) => communitySnapshot(k, byPeriod[k], owner, h, h.status === 'optimal' ? communityTrades(hours[k], h, 'central') : undefined)), kkt };
}

/** A day no clearing solved: every period with that status, nothing traded (a counted failure, never a quiet zero). */
export function failedDay(byPeriod: readonly (readonly SubmittedBid[])[], status: string): { day: ClearingSnapshot[]; kkt: KktReport } {
  const failed = { status, welfareEur: 0, prices: {}, importKw: 0, exportKw: 0, accepted: [] };
  // managers' offers are not market agents: they get no dispatch
  const day = byPeriod.map((pb, k) => ({ ...failed, period: k, dispatch: pb.filter((b) => b.bid.market !== 'community-offer').map((b) => ({ agent: b.agent, pKw: 0, boughtKw: 0, soldKw: 0, priceEurPerKwh: 0, welfareEur: 0 })) }));
  return { day, kkt: { primalKw: Infinity, dualEurPerKwh: Infinity, complementarityEurPerH: Infinity } };
}

/** The bids received since the last gate closure, in the order they were submitted. */
export function openBids(state: MarketOperatorState): SubmittedBid[] {
  return inInsertionOrder(state.pending);
}

/**
 * Checks every auction bid at gate closure with the auction's own validation (finite, positive
 * quantities; finite prices; unique ids): the whole period's book at once, and, when it fails, bidder
 * by bidder to name the one at fault.
 */
export function validateAuctionBids(world: World, period: number, bids: readonly SubmittedBid[]): void {
  const m = world.scenario.market;
  const grid = { importPriceEurPerKwh: m.import_price, exportPriceEurPerKwh: m.export_price, maxImportKw: null, maxExportKw: null };
  const id = world.periods[period]?.label ?? String(period);
  const bookOf = (of: readonly SubmittedBid[]): AuctionBook => {
    for (const b of of) if (b.bid.market !== 'auction') throw new LemsimError(`agent '${b.agent}' submitted a ${b.bid.market} bid to an auction`);
    return { periodHours: world.periodHours, grid, periods: [{ id, ...auctionBlocks(of) }] };
  };
  try {
    validateBook(bookOf(bids));
  } catch (err) {
    if (!isInputError(err)) throw err;
    for (const b of bids) {
      try {
        validateBook(bookOf([b]), `bid of agent '${b.agent}'`);
      } catch (inner) {
        if (isInputError(inner)) throw new LemsimError(inner.message);
        throw inner;
      }
    }
    // only the combination is wrong (an order id two bidders share)
    throw new LemsimError(`bids of period ${id}: ${err.message}`);
  }
}

export const marketOperatorKind: AgentKind<MarketOperatorState, MarketOperatorConfig> = {
  kind: 'market-operator',
  handles: ['period-opened', 'bid-submitted', 'gate-closed'],
  init: (id) => ({ id, period: -1, pending: null, lastBids: [], lastResult: undefined }),
  transition(state, event, world) {
    if (event.type === 'period-opened') {
      const gate: AnyDraft = { type: 'gate-closed', time: event.time, payload: { period: event.payload.period } };
      return { state: { ...state, period: event.payload.period, pending: null }, emit: [gate] };
    }
    if (event.type === 'bid-submitted') {
      const p = event.payload;
      return { state: { ...state, pending: cons({ period: p.period, agent: p.agent, community: p.community ?? 'c1', bid: p.bid }, state.pending) } };
    }
    if (event.type === 'gate-closed') {
      const m = world.scenario.market;
      const bids = openBids(state);
      let next: MarketOperatorState = state;
      let result: ClearingSnapshot;
      if (m.mechanism === 'community' && m.day_mode === 'day-ahead') {
        // the first gate takes the whole day's bids and clears the day; later gates publish its periods
        if (!state.day) {
          const highs = world.services.highs;
          if (!highs) throw new Error('market operator: day-ahead market without a loaded HiGHS module');
          const d = clearDay(world, bids, highs);
          next = { ...state, day: d.day, dayKkt: d.kkt, dayBids: bids };
        }
        result = next.day![state.period];
      } else {
        if (world.mechanism.bids === 'auction') validateAuctionBids(world, state.period, bids);
        // the scenario's clearing mechanism, from the registry (built-in or plugin)
        result = world.mechanism.clear({ world, period: state.period, bids, solver: world.services.milp });
      }
      // the debugger's `book`: this period's bids (a day-ahead market received them at the first gate)
      const lastBids = next.dayBids ? next.dayBids.filter((b) => b.period === state.period) : bids;
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
            optimalityGap: result.optimalityGap ?? 0,
            dispatch: result.dispatch.map((d) => ({ agent: d.agent, pKw: d.pKw, priceEurPerKwh: d.priceEurPerKwh, boughtKw: d.boughtKw, soldKw: d.soldKw, welfareEur: d.welfareEur })),
            ...(result.communities ? { communities: result.communities } : {}),
            priceSetBy: result.priceSetBy ?? '',
            ...(result.explanation ? { why: whyOf(result) } : {}),
          },
        },
        ...result.dispatch.map(
          (d): AnyDraft => ({ type: 'dispatched', time: event.time, payload: { period: state.period, agent: d.agent, pKw: d.pKw, priceEurPerKwh: d.priceEurPerKwh, boughtKw: d.boughtKw, soldKw: d.soldKw, welfareEur: d.welfareEur } }),
        ),
      ];
      return { state: { ...next, lastBids, lastResult: result, pending: null }, emit };
    }
    return { state };
  },
};
