/**
 * Ledger: the run's accounts, kept by an agent that listens to the market (DESIGN: welfare, bills
 * and the energy balance in one place). Per period it takes the clearing (`market-cleared`: the
 * market's welfare, the grid's import and export) and every bidder's settlement (`dispatched`,
 * observed), and at `period-closed` checks that welfare adds up (DESIGN rule 9):
 *
 *   Σ agents' surplus + market operator's surplus = market welfare,
 *
 * where an agent's surplus is the welfare its settlement reports (offered value minus cost minus its
 * net payment at its clearing price) and the market operator's surplus is what the agents paid it,
 * net, minus what it paid the grid, net, and the inter-community fees (community market):
 * Σ (bought − sold)·price·h − (import·π_imp − export·π_exp + fee·Σ inter-community kW)·h.
 * Both sides count the grid at its own prices, so the grid's trade adds nothing else.
 *
 * Per agent it keeps the energy bought and sold, the net payment, and the bill the same agent would
 * have had trading only with the grid (the no-market baseline): each period's net purchase at the
 * import price, its net sale at the export price. Batteries' charge and discharge are kept apart
 * from consumption and production in the energy balance (seed 004, Table 2 counts peers).
 */
import { LemsimError } from '../src/errors.js';
import type { EventPayloads } from '../src/kernel/events.js';
import type { AgentKind } from './agent.js';

export interface LedgerConfig {
  /** ids of the battery agents (their flows are storage, not consumption or production) */
  readonly batteries: readonly string[];
  /**
   * price-taking demand (issue 14): agent id → the cap price, EUR/kWh, at which its demand strategy
   * bids all of its demand (seed 004's SREF `passive`, `inelastic` in the auction). Its value at the
   * cap is a bidding device, not a utility: it is kept apart so that the welfare reported need not
   * count 10 EUR per kWh of passive load.
   */
  readonly passiveDemand?: Readonly<Record<string, number>>;
}

/** What the price-taking demand bought over an iteration (see `LedgerConfig.passiveDemand`). */
export interface PassiveDemand {
  readonly kwh: number;
  /** what it paid at the clearing prices, EUR */
  readonly paymentEur: number;
  /** its value at the cap price, inside the market's welfare, EUR */
  readonly capValueEur: number;
}

/** One agent's account over an iteration. */
export interface Account {
  readonly boughtKwh: number;
  readonly soldKwh: number;
  /** net payment to the market, EUR (negative: the agent was paid) */
  readonly paymentEur: number;
  /** the same energy traded with the grid only: net purchases at import, net sales at export, EUR */
  readonly baselineEur: number;
  readonly welfareEur: number;
  readonly periods: number;
}

/** A battery's equivalent full cycles: the energy it moved (charged plus discharged) over twice its capacity (agents.csv `cycles`). */
export function equivalentCycles(acc: Account, capacityKwh: number): number {
  return (acc.boughtKwh + acc.soldKwh) / (2 * capacityKwh);
}

/** Energy balance of an iteration, kWh (seed 004 Table 2's items, plus storage apart). */
export interface LedgerBalance {
  consumption: number;
  production: number;
  self_consumption: number;
  import: number;
  export: number;
  battery_charge: number;
  battery_discharge: number;
}

export interface LedgerState {
  readonly id: string;
  readonly isBattery: Readonly<Record<string, true>>;
  /** market welfare summed over the periods, EUR */
  readonly welfareEur: number;
  readonly agentsWelfareEur: number;
  readonly operatorSurplusEur: number;
  readonly balance: LedgerBalance;
  /** every settled agent's account (read one with `accountOf`) */
  readonly accounts: Accounts;
  readonly passiveCap: Readonly<Record<string, number>>;
  readonly passive: PassiveDemand;
  /** the open period: its clearing and the settlements seen so far */
  readonly open: { readonly period: number; readonly welfareEur: number; readonly gridCostEur: number; readonly paymentsEur: number; readonly agentsWelfareEur: number } | undefined;
}

/**
 * Fees on the kW traded between communities in a community-market period (Σ bought from other
 * communities), EUR/h: the operator pays the inter-community fee on each (seed 000, Eq. 1), so its surplus is what the agents
 * paid less the grid's net cost and those fees.
 */
function interCommunityFees(p: EventPayloads['market-cleared'], feeEurPerKwh: number): number {
  let kw = 0;
  for (const c of p.communities ?? []) for (const v of Object.values(c.importFromKw)) kw += v;
  return kw === 0 ? 0 : kw * feeEurPerKwh;
}

/**
 * The accounts as columns, one entry per agent in the order of its first settlement: one copy of
 * six typed arrays per period instead of a new object per agent and a copy of a 10,000-key record
 * (still plain, cloneable data). Entries are appended when new agents settle.
 */
export interface Accounts {
  readonly ids: readonly string[];
  readonly index: Readonly<Record<string, number>>;
  readonly boughtKwh: Float64Array;
  readonly soldKwh: Float64Array;
  readonly paymentEur: Float64Array;
  readonly baselineEur: Float64Array;
  readonly welfareEur: Float64Array;
  readonly periods: Float64Array;
}

const COLUMNS = ['boughtKwh', 'soldKwh', 'paymentEur', 'baselineEur', 'welfareEur', 'periods'] as const;

function noAccounts(): Accounts {
  return { ids: [], index: {}, boughtKwh: new Float64Array(0), soldKwh: new Float64Array(0), paymentEur: new Float64Array(0), baselineEur: new Float64Array(0), welfareEur: new Float64Array(0), periods: new Float64Array(0) };
}

/** The accounts copied for an update, with entries for the `settled` agents not yet in them. */
function copyFor(a: Accounts, settled: readonly { readonly agent: string }[]): Accounts {
  let ids = a.ids;
  let index = a.index;
  for (const { agent: id } of settled) {
    if (Object.hasOwn(index, id)) continue;
    if (ids === a.ids) {
      ids = [...a.ids];
      index = { ...a.index };
    }
    (index as Record<string, number>)[id] = ids.length;
    (ids as string[]).push(id);
  }
  const col = (c: Float64Array): Float64Array => {
    const out = new Float64Array(ids.length);
    out.set(c);
    return out;
  };
  return { ids, index, boughtKwh: col(a.boughtKwh), soldKwh: col(a.soldKwh), paymentEur: col(a.paymentEur), baselineEur: col(a.baselineEur), welfareEur: col(a.welfareEur), periods: col(a.periods) };
}

/** One agent's account, or undefined when it never settled. */
export function accountOf(state: LedgerState, id: string): Account | undefined {
  const a = state.accounts;
  if (!Object.hasOwn(a.index, id)) return undefined;
  const k = a.index[id];
  return Object.fromEntries(COLUMNS.map((c) => [c, a[c][k]])) as unknown as Account;
}

/** Tolerance of the welfare identity per period, EUR: rounding of a few thousand products. */
function welfareTolerance(scale: number): number {
  return 1e-9 * Math.max(1, scale);
}

export const ledgerKind: AgentKind<LedgerState, LedgerConfig> = {
  kind: 'ledger',
  handles: ['market-cleared', 'period-closed'],
  init: (id, config) => ({
    id,
    isBattery: Object.fromEntries(config.batteries.map((b) => [b, true as const])),
    welfareEur: 0,
    agentsWelfareEur: 0,
    operatorSurplusEur: 0,
    balance: { consumption: 0, production: 0, self_consumption: 0, import: 0, export: 0, battery_charge: 0, battery_discharge: 0 },
    accounts: noAccounts(),
    passiveCap: { ...(config.passiveDemand ?? {}) },
    passive: { kwh: 0, paymentEur: 0, capValueEur: 0 },
    open: undefined,
  }),
  transition(state, event, world) {
    const h = world.periodHours;
    const m = world.scenario.market;
    switch (event.type) {
      case 'market-cleared': {
        // the period's settlements arrive as one batch: one copy of the accounts per period
        const p = event.payload;
        const b = { ...state.balance, import: state.balance.import + p.importKw * h, export: state.balance.export + p.exportKw * h };
        const accounts = copyFor(state.accounts, p.dispatch);
        let paymentsEur = 0;
        let agentsWelfareEur = 0;
        let passive = state.passive;
        for (const d of p.dispatch) {
          const cap = state.passiveCap[d.agent];
          if (cap !== undefined && d.boughtKw > 0) {
            // a price-taking agent's only demand block is all of its demand: what it bought is that block
            const kwh = d.boughtKw * h;
            passive = { kwh: passive.kwh + kwh, paymentEur: passive.paymentEur + kwh * d.priceEurPerKwh, capValueEur: passive.capValueEur + kwh * cap };
          }
          const payment = (d.boughtKw - d.soldKw) * d.priceEurPerKwh * h;
          const net = d.boughtKw - d.soldKw;
          const baseline = (net > 0 ? net * m.import_price : net * m.export_price) * h;
          if (Object.hasOwn(state.isBattery, d.agent)) {
            b.battery_charge += d.boughtKw * h;
            b.battery_discharge += d.soldKw * h;
          } else {
            b.consumption += d.boughtKw * h;
            b.production += d.soldKw * h;
            b.self_consumption += Math.min(d.boughtKw, d.soldKw) * h;
          }
          const k = accounts.index[d.agent];
          accounts.boughtKwh[k] += d.boughtKw * h;
          accounts.soldKwh[k] += d.soldKw * h;
          accounts.paymentEur[k] += payment;
          accounts.baselineEur[k] += baseline;
          accounts.welfareEur[k] += d.welfareEur;
          accounts.periods[k] += 1;
          paymentsEur += payment;
          agentsWelfareEur += d.welfareEur;
        }
        return {
          state: {
            ...state,
            welfareEur: state.welfareEur + p.welfareEur,
            balance: b,
            accounts,
            passive,
            open: { period: p.period, welfareEur: p.welfareEur, gridCostEur: (p.importKw * m.import_price - p.exportKw * m.export_price + interCommunityFees(p, m.inter_community_fee)) * h, paymentsEur, agentsWelfareEur },
          },
        };
      }
      case 'period-closed': {
        const o = state.open;
        if (!o) return { state };
        const surplus = o.paymentsEur - o.gridCostEur;
        // run-time invariant (DESIGN rule 9): the agents' and the operator's surplus make the market's welfare
        const gap = o.agentsWelfareEur + surplus - o.welfareEur;
        if (!(Math.abs(gap) <= welfareTolerance(Math.abs(o.welfareEur) + Math.abs(o.paymentsEur) + Math.abs(o.gridCostEur)))) {
          throw new LemsimError(
            `welfare does not add up in period ${o.period}: agents ${o.agentsWelfareEur.toFixed(9)} + market operator ${surplus.toFixed(9)} EUR ≠ market welfare ${o.welfareEur.toFixed(9)} EUR (gap ${gap.toExponential(2)})`,
          );
        }
        return { state: { ...state, agentsWelfareEur: state.agentsWelfareEur + o.agentsWelfareEur, operatorSurplusEur: state.operatorSurplusEur + surplus, open: undefined } };
      }
      default:
        return { state };
    }
  },
};
