/**
 * Every event of a simulation, as one tagged union (DESIGN: the event chain). Each event carries its
 * simulated time (seconds since the start of the simulated day), the reinforcement iteration it
 * belongs to, a sequence number given by the bus, and a readonly payload. Events at the same time
 * are ordered by (time, priority of their type, sequence), so a run is deterministic.
 *
 * Sign convention of dispatch (grid layer, DESIGN rule 2): `pKw` consumed is positive, produced
 * negative; the market layer's own convention stays inside markets/.
 */

import type { ManagerOffer, ManagerOutcome } from '../../markets/community/managers.js';

/** A bid of one agent for one period: blocks for the auction, or its parameters for the community market. */
export type Bid =
  | {
      readonly market: 'auction';
      readonly supply: readonly { readonly id: string; readonly kw: number; readonly priceEurPerKwh: number }[];
      readonly demand: readonly { readonly id: string; readonly kw: number; readonly priceEurPerKwh: number }[];
    }
  | {
      readonly market: 'community';
      /** agents of the community market (markets/community model) without their community */
      readonly agents: readonly Readonly<Record<string, unknown>>[];
    }
  | {
      /** a community manager's offer for inter-community and upstream trade (issue 16) */
      readonly market: 'community-offer';
      readonly offer: ManagerOffer;
    };

/** One community's clearing of one period (issue 16; markets/community/managers.ts). */
export type CommunityTrade = ManagerOutcome & {
  /** how the period was cleared: the central QP, or from the managers' offers */
  readonly clearing: 'central' | 'managers';
  /** Σ members' individual welfare, EUR */
  readonly membersWelfareEur: number;
};

/** One bidder's settlement in a period (the payload of its `dispatched`, without the period). */
export interface Settled {
  readonly agent: string;
  /** net power, grid convention: consumed > 0, produced < 0 */
  readonly pKw: number;
  readonly priceEurPerKwh: number;
  readonly boughtKw: number;
  readonly soldKw: number;
  readonly welfareEur: number;
}

/** A bound of the price in `MarketWhy` (the shape of markets/auction/explain.ts `PriceBound`). */
export interface WhyBound {
  readonly role: string;
  readonly priceEurPerKwh: number | null;
  readonly grid: 'grid-import' | 'grid-export' | null;
  readonly blocks: readonly { readonly id: string; readonly agent: string; readonly side: 'supply' | 'demand'; readonly kw: number; readonly priceEurPerKwh: number }[];
  readonly blockStatus: 'accepted' | 'rejected' | null;
}

/** "Why this price" as it travels on `market-cleared`. */
export interface MarketWhy {
  readonly rule: string;
  readonly consistent: boolean;
  readonly lower: WhyBound;
  readonly upper: WhyBound;
  readonly range?: { readonly lo: number | null; readonly hi: number | null };
  readonly binds: readonly string[];
  readonly text: string;
  readonly accepted: readonly string[];
  readonly paradoxicallyRejected: readonly string[];
  readonly paradoxicallyAccepted: readonly string[];
}

export interface EventPayloads {
  'iteration-started': { readonly batteries: readonly { readonly bus: string; readonly units: number }[] };
  'period-opened': { readonly period: number; readonly label: string; readonly endS: number };
  'bid-submitted': { readonly period: number; readonly agent: string; readonly community: string | undefined; readonly bid: Bid };
  'gate-closed': { readonly period: number };
  'market-cleared': {
    readonly period: number;
    readonly status: string;
    readonly welfareEur: number;
    /** one price per community (community market) or `market` (auction); absent when nothing traded */
    readonly prices: Readonly<Record<string, number>>;
    readonly importKw: number;
    readonly exportKw: number;
    /** how many `dispatched` events follow */
    readonly dispatches: number;
    /**
     * the whole dispatch as one batch, one entry per `dispatched` that follows (grid convention:
     * consumed kW > 0), for the agents that need every settlement at once (the grid operator, the
     * ledger): a period then costs them O(agents)
     */
    readonly dispatch: readonly Settled[];
    /** community market: each community's price, trades and manager's margin */
    readonly communities?: readonly CommunityTrade[];
    /** relative optimality gap of the clearing's welfare problem; 0 when proven optimal */
    readonly optimalityGap: number;
    /** what set the price (the rule, then the marginal block or the grid per side; market.csv `price_set_by`); '' when the mechanism gives none */
    readonly priceSetBy?: string;
    /** "why this price" (markets/auction/explain.ts, without its per-block list) and the accepted block ids, for the debugger and the inspector */
    readonly why?: MarketWhy;
  };
  /** addressed to `agent` (see `recipientOf`) */
  dispatched: {
    readonly period: number;
    readonly agent: string;
    /** net power, grid convention: consumed > 0, produced < 0 */
    readonly pKw: number;
    readonly priceEurPerKwh: number;
    readonly boughtKw: number;
    readonly soldKw: number;
    readonly welfareEur: number;
  };
  'grid-solved': {
    readonly period: number;
    readonly converged: boolean;
    readonly iterations: number;
    readonly minVPu: number;
    readonly maxVPu: number;
    readonly lossesKw: number;
    readonly sourceKw: number;
    /** voltage of every load node in the order of the run's `loadNodes` list, pu (NaN-free: 0 when unknown) */
    readonly loadVPu: readonly number[];
    /** mean voltage of the phase nodes of every bus in the run's `voltageBuses` list, pu */
    readonly busVPu: readonly number[];
  };
  'violation-detected': {
    readonly period: number;
    readonly element: string;
    readonly bus: string;
    readonly kind: 'undervoltage' | 'overvoltage' | 'overcurrent';
    readonly value: number;
    readonly limit: number;
    /** what the element is (a transformer's overcurrent is its overload: terminal-1 current over NormAmps) */
    readonly elementKind?: 'bus' | 'line' | 'transformer';
    /** loading as OpenDSS's %Normal (overcurrents) */
    readonly loadingPct?: number;
    /**
     * false: reported only, not counted as a violation and not answered by the DSO planner
     * (transformer overloads under `limits.transformer_overloads: report`); absent or true: counted
     */
    readonly counted?: boolean;
  };
  /** a power flow of one sub-step that did not converge: its voltages are unknown (issue 11, item 1) */
  'power-flow-not-converged': { readonly period: number; readonly iterations: number; readonly lastChangePu: number | null };
  'period-closed': { readonly period: number };
  'run-completed': {
    readonly welfareEur: number;
    readonly violations: number;
    readonly violatingBuses: readonly string[];
    /** sub-steps whose power flow did not converge: their violations are unknown, not zero */
    readonly nonConvergedSteps: number;
    /** element × market period with a violation (issue 10: seed 000's episodes) */
    readonly violationEpisodes: number;
  };
  reinforced: { readonly added: readonly { readonly bus: string; readonly units: number }[]; readonly reason: string };
}

export type EventType = keyof EventPayloads;

export interface LemEvent<T extends EventType = EventType> {
  readonly type: T;
  /** simulated seconds since 00:00 of the first simulated day (src/clock.ts) */
  readonly time: number;
  readonly iteration: number;
  readonly seq: number;
  readonly payload: Readonly<EventPayloads[T]>;
}

/** Any event, discriminated on `type`. */
export type AnyEvent = { [T in EventType]: LemEvent<T> }[EventType];

/** An event as an agent emits it: the bus adds the sequence number (and the iteration). */
export interface EventDraft<T extends EventType = EventType> {
  readonly type: T;
  readonly time: number;
  readonly payload: EventPayloads[T];
}

export type AnyDraft = { [T in EventType]: EventDraft<T> }[EventType];

/** Order of event types at the same simulated time (lower first). */
export const EVENT_PRIORITY: Readonly<Record<EventType, number>> = {
  'iteration-started': 0,
  'period-opened': 10,
  'bid-submitted': 20,
  'gate-closed': 30,
  'market-cleared': 40,
  dispatched: 50,
  'grid-solved': 60,
  'power-flow-not-converged': 65,
  'violation-detected': 70,
  'period-closed': 80,
  'run-completed': 90,
  reinforced: 100,
};

/**
 * The one agent an event is addressed to, if any. An addressed event reaches its recipient and the
 * agents that observe its type (`AgentKind.observes`), not every agent that handles the type: one
 * `dispatched` per bidder then costs O(agents) per period, not O(agents²).
 */
export function recipientOf(e: AnyEvent): string | undefined {
  return e.type === 'dispatched' ? e.payload.agent : undefined;
}

/** Builds a draft (typed helper). */
export function draft<T extends EventType>(type: T, time: number, payload: EventPayloads[T]): EventDraft<T> {
  return { type, time, payload };
}
