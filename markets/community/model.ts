/**
 * The multi-community consumer-centric market of seed 000 (Eqs. 1–18, Table III): the problem a
 * market operator hands to a clearing function, and the result it gets back.
 *
 * Sign convention of this market layer (DESIGN rule 2), written down here once:
 *   - `pKw`: consumer P ≥ 0 (consumption), producer P ≤ 0 (generation G = −P ≥ 0), battery P = 0;
 *   - `sKw`: battery net charging S = ch − dis, charge S > 0, discharge S < 0; zero for others;
 *   - `phiKw`: Φ, power an agent SELLS inside its community (Φ > 0 sells, Φ < 0 buys), Σ Φ = 0 per
 *     community (Eq. 3);
 *   - `alphaKw` / `betaKw`: α ≥ 0 imported / β ≥ 0 exported by the agent across the community border;
 *   - per agent P + S + Φ − α + β = 0 (Eq. 2), so the agent's net demand P + S = α − β − Φ.
 * Powers are kW held for one period of `periodHours` h; prices EUR/kWh; welfare EUR per period.
 */

/** Upstream grid prices, EUR/kWh. Every community may import and export without limit. */
export interface GridPrices {
  readonly importPriceEurPerKwh: number;
  readonly exportPriceEurPerKwh: number;
}

export interface Community {
  readonly id: string;
}

interface AgentBase {
  readonly id: string;
  /** Id of the community the agent belongs to. */
  readonly community: string;
}

/** Consumer: 0 ≤ pMinKw ≤ P ≤ pMaxKw; utility per hour U(P) = b·P − ½·a·P² (EUR/h). */
export interface ConsumerAgent extends AgentBase {
  readonly kind: 'consumer';
  readonly pMinKw: number;
  readonly pMaxKw: number;
  /** Curvature a ≥ 0, EUR/kWh per kW. */
  readonly aEurPerKwhPerKw: number;
  /** Willingness to pay at zero consumption, EUR/kWh. */
  readonly bEurPerKwh: number;
}

/** Producer: generation G = −P in [pMinKw, pMaxKw] (both ≥ 0); cost per hour C(G) = b·G + ½·a·G². */
export interface ProducerAgent extends AgentBase {
  readonly kind: 'producer';
  readonly pMinKw: number;
  readonly pMaxKw: number;
  readonly aEurPerKwhPerKw: number;
  /** Marginal cost at zero output, EUR/kWh. */
  readonly bEurPerKwh: number;
}

/** Battery agent, seed 000 Eqs. (9)–(13) with signs made consistent (see `battery.ts`). */
export interface BatteryAgent extends AgentBase {
  readonly kind: 'battery';
  readonly capacityKwh: number;
  /** Converter limit on both charge and discharge, kW. */
  readonly powerKw: number;
  /** State of charge at the start of the period, fraction of capacity. */
  readonly soc: number;
  readonly socMin: number;
  readonly socMax: number;
  readonly etaCh: number;
  readonly etaDis: number;
  /** Charge rate limit, fraction of capacity per hour (ch ≤ rateCh·capacity). */
  readonly rateChPerH: number;
  /** Discharge rate limit, fraction of capacity per hour. */
  readonly rateDisPerH: number;
  /** Self-discharge λ_sd, fraction of the stored energy lost per period (seed 000, Eq. (9)). */
  readonly selfDischargePerPeriod: number;
  /** Wear curvature a ≥ 0 on ch² and dis², EUR/kWh per kW. */
  readonly aEurPerKwhPerKw: number;
  /** Value v of a kWh left stored, EUR/kWh. */
  readonly valueEurPerKwh: number;
  /**
   * Day-ahead only, read from the last hour: the soc the battery must at least end the day with
   * (seed 000, Eq. (9) closed over the day; `batteries.terminal_soc: initial`). Absent: soc_min.
   */
  readonly terminalSocMin?: number;
}

export type CommunityAgent = ConsumerAgent | ProducerAgent | BatteryAgent;

/** One period of the multi-community market (seed 000, Eqs. (1)–(18)). */
export interface CommunityProblem {
  readonly periodHours: number;
  readonly grid: GridPrices;
  /** Paid per kWh that crosses from one community to another, EUR/kWh (≥ 0). */
  readonly interCommunityFeeEurPerKwh: number;
  readonly communities: readonly Community[];
  readonly agents: readonly CommunityAgent[];
}

/** Id of the upstream grid in `flows`. */
export const GRID_ID = 'grid';

export interface AgentOutcome {
  readonly id: string;
  readonly pKw: number;
  readonly sKw: number;
  readonly phiKw: number;
  readonly alphaKw: number;
  readonly betaKw: number;
  /** State of charge at the end of the period (batteries), otherwise null. */
  readonly soc: number | null;
  /**
   * Individual welfare, EUR: the agent's own utility (or −cost, or battery term) minus what it pays
   * for its net demand P + S at its community price. These sum to the total welfare because every
   * community settles its external trade at its own price (see `settle.ts`).
   */
  readonly welfareEur: number;
}

export interface CommunityOutcome {
  readonly id: string;
  /** Internal price: the dual of the balance Σ Φ = 0 (seed 000, Eq. (3)), EUR/kWh. */
  readonly priceEurPerKwh: number;
  /** γ_imp: everything the community imports (grid and other communities), kW. */
  readonly importKw: number;
  /** γ_exp: everything it exports, kW. */
  readonly exportKw: number;
}

/** Power from one party to another (community ids or `GRID_ID`), kW > 0. */
export interface Flow {
  readonly from: string;
  readonly to: string;
  readonly kw: number;
}

export type ClearingStatus = 'optimal' | 'infeasible';

export interface CommunityResult {
  readonly status: ClearingStatus;
  /** Social welfare of Eq. (1), EUR for the period; null when infeasible. */
  readonly welfareEur: number | null;
  readonly agents: readonly AgentOutcome[];
  readonly communities: readonly CommunityOutcome[];
  readonly flows: readonly Flow[];
  /** Why the problem is infeasible (names the agent); absent when optimal. */
  readonly reason?: string;
}

/** Several periods with the same communities and batteries; battery `soc` is read from hour 0. */
export interface CommunityDay {
  readonly hours: readonly CommunityProblem[];
}

export interface DayResult {
  readonly status: ClearingStatus;
  /** Welfare summed over the hours, EUR; null when infeasible. */
  readonly welfareEur: number | null;
  readonly hours: readonly CommunityResult[];
  readonly reason?: string;
  /**
   * Day-ahead only: ν[t][i], value of a kWh stored by battery i at the end of hour t (the multiplier
   * of the soc coupling, EUR/kWh; 0 for other agents). The certificate `dayAheadKktResiduals` checks.
   */
  readonly energyValueEurPerKwh?: readonly Float64Array[];
}
