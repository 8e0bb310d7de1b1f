/**
 * The merit orders report.html draws (issue 14): the books of chosen market periods of the last
 * iteration, with what the clearing decided about each block, for both mechanisms.
 *
 * - Block auction (seed 004, Fig. 2): every block with its status as the market operator's
 *   "why this price" on `market-cleared` gives it (markets/auction/explain.ts `blockStatuses`, the one
 *   implementation the debugger and the inspector use too), the grid's import and export orders as
 *   the divisible orders they are (with their limits), and the clearing point.
 * - Community market (seed 000): no blocks, but every member offers its quadratic curve. Per
 *   community, the members' best responses at a price λ (markets/community/canonical.ts) are summed
 *   into an aggregated demand curve D(λ) = Σ max(0, dᵢ(λ)) and supply curve S(λ) = Σ max(0, −dᵢ(λ)):
 *   each dᵢ is affine between its knots and crosses zero only at a knot, so evaluating both limits
 *   at every member knot draws the curves exactly. The clearing point is the community price with the
 *   members' dispatched consumption and production at it; the gap between them is what the community
 *   traded outside (grid or other communities). In `day_mode: day-ahead` a battery's dispatch is
 *   decided over the whole day, not by this hour's curve, so batteries are drawn at their dispatched
 *   power (a price-independent step), not by their one-hour response.
 *
 * Which periods: `report.merit_order_periods` of the scenario, else the middle period and those with
 * the lowest and the highest price (mean over communities), so the unusual prices are shown. Memory is
 * bounded: a period's bids are held only until it clears, and only the chosen views are kept.
 */
import type { AnyEvent } from '../kernel/events.js';
import type { Simulation } from '../sim/simulation.js';
import { clockSeconds } from '../kernel/clock.js';
import { blockStatuses, type BlockStatus } from '../../markets/auction/explain.js';
import { pushKnots, responseHigh, responseLow, toCanonical } from '../../markets/community/canonical.js';
import { communityProblem, gridLimits } from '../../agents/market-operator.js';
import type { World } from '../../agents/agent.js';

/** A block of the auction book with what the clearing decided. kW > 0 on both sides. */
export interface MeritBlock {
  readonly id: string;
  readonly agent: string;
  readonly side: 'supply' | 'demand';
  readonly kw: number;
  readonly priceEurPerKwh: number;
  readonly status: BlockStatus;
  readonly marginal: boolean;
}

/** A point of an aggregated curve: kW at price (market convention, kW > 0 on both sides). */
export interface CurvePoint {
  readonly kw: number;
  readonly priceEurPerKwh: number;
}

/** One community's aggregated curves at a period of the community market. */
export interface CommunityCurves {
  readonly community: string;
  readonly members: number;
  /** internal price of the community (dual of its balance), EUR/kWh; null when the period failed */
  readonly priceEurPerKwh: number | null;
  /** Σ members' consumption and production (battery charge and discharge included) at the optimum, kW */
  readonly demandKw: number;
  readonly supplyKw: number;
  /** vertices in price order (ascending), both limits at each knot */
  readonly demand: readonly CurvePoint[];
  readonly supply: readonly CurvePoint[];
}

export interface MeritOrderView {
  readonly iteration: number;
  readonly period: number;
  readonly label: string;
  /** why this period is drawn: 'scenario' (report.merit_order_periods) or the default's reason */
  readonly chosenBy: string;
  readonly mechanism: 'auction' | 'community';
  readonly status: string;
  /** the auction's price, or the mean of the community prices; null when nothing cleared */
  readonly priceEurPerKwh: number | null;
  readonly priceSetBy: string;
  readonly grid: {
    readonly importPriceEurPerKwh: number;
    readonly exportPriceEurPerKwh: number;
    /** null: unlimited */
    readonly maxImportKw: number | null;
    readonly maxExportKw: number | null;
    /** what the grid sold and bought in the period, kW */
    readonly importKw: number;
    readonly exportKw: number;
  };
  /** auction: the book, supply then demand, each in merit order */
  readonly blocks: readonly MeritBlock[];
  /** community market: one entry per community */
  readonly communities: readonly CommunityCurves[];
  /** what the drawing simplifies, said in the caption (e.g. day-ahead batteries) */
  readonly note: string;
}

type SubmittedBid = Extract<AnyEvent, { type: 'bid-submitted' }>['payload'] & { readonly community: string };

/** The default periods: middle, lowest price, highest price (ties: the earliest). */
const DEFAULT_REASONS = ['middle period', 'lowest price', 'highest price'] as const;

/** Mean of the finite prices of a clearing, or null. */
function meanPrice(prices: Readonly<Record<string, number>>): number | null {
  const v = Object.values(prices).filter((p) => Number.isFinite(p));
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

/**
 * Records the merit-order views of a run's last iteration. Attach it before `sim.run()`; read
 * `views()` after. Works for the block auction and the community market (hourly and day-ahead).
 */
export class MeritOrderRecorder {
  private iteration = -1;
  private readonly bids = new Map<number, SubmittedBid[]>();
  private readonly labels = new Map<number, string>();
  /** chosen by the scenario: period labels by start second */
  private readonly wanted: ReadonlySet<number> | undefined;
  private chosen = new Map<string, MeritOrderView>();
  private lowest: { price: number; view: MeritOrderView } | undefined;
  private highest: { price: number; view: MeritOrderView } | undefined;

  constructor(private readonly sim: Simulation) {
    const periods = sim.scenario.report.merit_order_periods;
    this.wanted = periods ? new Set(periods.map((t) => clockSeconds(t))) : undefined;
    sim.onBus((bus) => bus.listen((e) => this.record(e)));
  }

  /** The views of the last iteration, in period order, each once. */
  views(): MeritOrderView[] {
    const all = [...this.chosen.values()];
    if (!this.wanted) {
      for (const [reason, pick] of [
        ['lowest price', this.lowest],
        ['highest price', this.highest],
      ] as const) {
        if (pick && !all.some((v) => v.period === pick.view.period)) all.push({ ...pick.view, chosenBy: reason });
      }
    }
    return all.sort((a, b) => a.period - b.period);
  }

  private record(e: AnyEvent): void {
    if (e.iteration !== this.iteration) {
      this.iteration = e.iteration;
      this.bids.clear();
      this.chosen = new Map();
      this.lowest = this.highest = undefined;
    }
    switch (e.type) {
      case 'period-opened':
        this.labels.set(e.payload.period, e.payload.label);
        break;
      case 'bid-submitted': {
        const list = this.bids.get(e.payload.period) ?? [];
        // a bid without a community is in the market operator's default community (agents/market-operator.ts)
        list.push({ ...e.payload, community: e.payload.community ?? 'c1' });
        this.bids.set(e.payload.period, list);
        break;
      }
      case 'market-cleared': {
        const period = e.payload.period;
        const bids = this.bids.get(period) ?? [];
        this.bids.delete(period);
        const world = this.sim.world;
        const startS = world.periods[period]?.startS ?? NaN;
        const middle = Math.floor(world.periods.length / 2);
        const price = meanPrice(e.payload.prices);
        const reason = this.wanted ? (this.wanted.has(startS) ? 'scenario' : undefined) : period === middle ? DEFAULT_REASONS[0] : undefined;
        const candidate = !this.wanted && price !== null && ((this.lowest?.price ?? Infinity) > price || (this.highest?.price ?? -Infinity) < price);
        if (reason === undefined && !candidate) break;
        const view = meritOrderView(world, e.iteration, this.labels.get(period) ?? String(period), reason ?? '', bids, e.payload);
        if (reason !== undefined) this.chosen.set(String(period), view);
        if (candidate && price !== null) {
          if ((this.lowest?.price ?? Infinity) > price) this.lowest = { price, view };
          if ((this.highest?.price ?? -Infinity) < price) this.highest = { price, view };
        }
        break;
      }
      default:
        break;
    }
  }
}

type Cleared = Extract<AnyEvent, { type: 'market-cleared' }>['payload'];

/** The merit-order view of one cleared period from its bids and its `market-cleared` payload. */
export function meritOrderView(world: World, iteration: number, label: string, chosenBy: string, bids: readonly SubmittedBid[], cleared: Cleared): MeritOrderView {
  const m = world.scenario.market;
  const limits = gridLimits(m);
  const community = bids.some((b) => b.bid.market === 'community');
  const base = {
    iteration,
    period: cleared.period,
    label,
    chosenBy,
    status: cleared.status,
    priceEurPerKwh: meanPrice(cleared.prices),
    priceSetBy: cleared.priceSetBy ?? '',
    grid: { importPriceEurPerKwh: m.import_price, exportPriceEurPerKwh: m.export_price, ...limits, importKw: cleared.importKw, exportKw: cleared.exportKw },
  };
  if (!community) {
    const supply: { id: string; agent: string; kw: number; priceEurPerKwh: number }[] = [];
    const demand: { id: string; agent: string; kw: number; priceEurPerKwh: number }[] = [];
    for (const b of bids) {
      if (b.bid.market !== 'auction') continue;
      for (const o of b.bid.supply) supply.push({ id: o.id, agent: b.agent, kw: o.kw, priceEurPerKwh: o.priceEurPerKwh });
      for (const o of b.bid.demand) demand.push({ id: o.id, agent: b.agent, kw: o.kw, priceEurPerKwh: o.priceEurPerKwh });
    }
    const why = cleared.why ?? { accepted: [], paradoxicallyRejected: [], paradoxicallyAccepted: [], lower: { blocks: [] }, upper: { blocks: [] } };
    const blocks = blockStatuses({ id: label, supply, demand }, why);
    return { ...base, mechanism: 'auction', blocks, communities: [], note: cleared.why ? '' : 'the clearing gave no block statuses: every block is drawn as rejected' };
  }
  return { ...base, mechanism: 'community', blocks: [], ...communityCurves(world, bids, cleared) };
}

/** Per community: the aggregated demand and supply curves of its members and the clearing point. */
function communityCurves(world: World, bids: readonly SubmittedBid[], cleared: Cleared): { communities: CommunityCurves[]; note: string } {
  const dayAhead = world.scenario.market.day_mode === 'day-ahead';
  const { problem, owner } = communityProblem(world, bids);
  const m = toCanonical(problem);
  const isBattery = problem.agents.map((a) => a.kind === 'battery');
  // what each bidder was dispatched (bought / sold kW), and each market agent's bidder
  const dispatched = new Map(cleared.dispatch.map((d) => [d.agent, d] as const));
  const out: CommunityCurves[] = [];
  let fixedBatteries = 0;
  problem.communities.forEach((c, k) => {
    const members: number[] = [];
    for (let r = m.start[k]; r < m.start[k + 1]; r++) members.push(m.order[r]);
    // day-ahead batteries: fixed at their dispatch (the bidder's bought/sold is its battery's charge/discharge)
    let fixedDemand = 0;
    let fixedSupply = 0;
    const curveMembers = members.filter((i) => !(dayAhead && isBattery[i]));
    if (dayAhead) {
      for (const i of members) {
        if (!isBattery[i]) continue;
        const d = dispatched.get(owner.get(problem.agents[i].id) ?? '');
        if (!d) continue;
        fixedDemand += d.boughtKw;
        fixedSupply += d.soldKw;
        fixedBatteries++;
      }
    }
    const knots: number[] = [m.importPrice, m.exportPrice];
    for (const i of curveMembers) pushKnots(m, i, knots);
    const price = cleared.prices[c.id];
    if (Number.isFinite(price)) knots.push(price);
    const finite = knots.filter((x) => Number.isFinite(x));
    const lo = Math.min(...finite);
    const hi = Math.max(...finite);
    const pad = Math.max(0.1 * (hi - lo), 0.005);
    const prices = [...new Set([lo - pad, ...finite, hi + pad])].sort((a, b) => a - b);
    const demand: CurvePoint[] = [];
    const supply: CurvePoint[] = [];
    const round = (x: number) => Number(x.toFixed(6));
    for (const p of prices) {
      // left limit (largest net demand) then right limit, so a jump is drawn as a flat step
      let dHigh = fixedDemand;
      let dLow = fixedDemand;
      let sHigh = fixedSupply;
      let sLow = fixedSupply;
      for (const i of curveMembers) {
        const a = responseHigh(m, i, p);
        const b = responseLow(m, i, p);
        dHigh += Math.max(0, a);
        dLow += Math.max(0, b);
        sLow += Math.max(0, -a);
        sHigh += Math.max(0, -b);
      }
      demand.push({ kw: round(dHigh), priceEurPerKwh: round(p) });
      if (dLow !== dHigh) demand.push({ kw: round(dLow), priceEurPerKwh: round(p) });
      supply.push({ kw: round(sLow), priceEurPerKwh: round(p) });
      if (sHigh !== sLow) supply.push({ kw: round(sHigh), priceEurPerKwh: round(p) });
    }
    // the members' dispatch at the optimum (each bidder's bought/sold sums its market agents)
    let demandKw = 0;
    let supplyKw = 0;
    const bidders = new Set(members.map((i) => owner.get(problem.agents[i].id) ?? ''));
    for (const who of bidders) {
      const d = dispatched.get(who);
      if (d) {
        demandKw += d.boughtKw;
        supplyKw += d.soldKw;
      }
    }
    out.push({ community: c.id, members: members.length, priceEurPerKwh: Number.isFinite(price) ? price : null, demandKw: round(demandKw), supplyKw: round(supplyKw), demand, supply });
  });
  const note = fixedBatteries > 0 ? `day-ahead market: the ${fixedBatteries} batteries are drawn at their dispatched power (decided over the day, not by this hour's curve)` : '';
  return { communities: out, note };
}
