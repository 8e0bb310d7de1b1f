/**
 * A bidding strategy turns what an agent can do in a period (its nominal demand, the supply it has
 * available) into offers, without touching physics (DESIGN rule 5). A strategy serves the supply
 * side, the demand side, or both; it offers blocks for the auction or quadratic agents for the
 * community market. Adding one is one file plus one line in `index.ts`.
 */

export type Side = 'supply' | 'demand';

export interface StrategyInput {
  readonly agent: string;
  readonly market: 'auction' | 'community';
  /** consumption the agent would have without a market, kW (≥ 0) */
  readonly nominalDemandKw: number;
  /** production it can deliver this period, kW (≥ 0) */
  readonly availableSupplyKw: number;
  readonly periodHours: number;
  /** upstream prices, EUR/kWh */
  readonly importPriceEurPerKwh: number;
  readonly exportPriceEurPerKwh: number;
  /** the strategy's parameters from the scenario */
  readonly params: Readonly<Record<string, number>>;
}

/** Auction blocks (market convention: kW > 0 on both sides) and community-market agents. */
export interface Offer {
  readonly supply: readonly { readonly id: string; readonly kw: number; readonly priceEurPerKwh: number }[];
  readonly demand: readonly { readonly id: string; readonly kw: number; readonly priceEurPerKwh: number }[];
  readonly communityAgents: readonly Readonly<Record<string, unknown>>[];
}

export interface Strategy {
  readonly name: string;
  readonly sides: readonly Side[];
  /** Parameters and their defaults (documented in the README). */
  readonly defaults: Readonly<Record<string, number>>;
  offer(side: Side, input: StrategyInput): Offer;
}

export const NO_OFFER: Offer = { supply: [], demand: [], communityAgents: [] };

/** Parameters with defaults applied. */
export function withDefaults(s: Strategy, params: Readonly<Record<string, number>>): Record<string, number> {
  return { ...s.defaults, ...params };
}
