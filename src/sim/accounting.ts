/**
 * The accounts of one reinforcement iteration: what the simulation counts from the bus (violations
 * and their episodes, the violating buses, non-converged power flows, market failures, the DSO
 * planner's `reinforced`), and the iteration's summary made from them and from the agents' final
 * states (the ledger's welfare and energy balance, the grid operator's voltage statistics).
 */
import type { World } from '../../agents/agent.js';
import { configurationLabel } from '../../agents/dso-planner.js';
import { type GridOperatorState, voltageSummary } from '../../agents/grid-operator.js';
import type { LedgerBalance, LedgerState, PassiveDemand } from '../../agents/ledger.js';
import type { KktReport } from '../../markets/community/index.js';
import type { AnyEvent } from '../kernel/events.js';
// issue 10 (paper 000): episodes, the paper's reinforcement rule
import { EpisodeTracker, type ViolationCounts } from '../violation-episodes.js';

/**
 * Energy balance of a run (seed 004, Table 2), kWh: self-consumption is each participant's own
 * production consumed on the spot, min(bought, sold) per period; local trading is the rest of the
 * production sold to peers (production − self-consumption − export).
 */
export interface EnergyBalanceKwh {
  consumption: number;
  production: number;
  self_consumption: number;
  /** production and battery discharge sold to other participants: production + battery_discharge − self_consumption − export */
  local_trading: number;
  import: number;
  export: number;
  /** batteries' charge and discharge, apart from the peers' consumption and production */
  battery_charge: number;
  battery_discharge: number;
}

export interface IterationSummary {
  readonly iteration: number;
  readonly welfareEur: number;
  readonly violations: number;
  /** violations reported but not counted (transformer overloads under `limits.transformer_overloads: report`) */
  readonly uncountedViolations: number;
  readonly violatingBuses: readonly string[];
  readonly batteries: readonly { readonly bus: string; readonly units: number }[];
  readonly decision: string | undefined;
  readonly energyBalanceKwh: EnergyBalanceKwh;
  /** the same balance in seed 004's Table 2 unit: kW summed over the market periods (kWh / period h) */
  readonly energyBalanceKwPeriods: EnergyBalanceKwh;
  /** the agents' surplus and the market operator's (the ledger checks they add up to `welfareEur` every period) */
  readonly agentsWelfareEur: number;
  readonly operatorSurplusEur: number;
  /** issue 14: what price-taking demand bought, paid and was valued at (its cap) inside `welfareEur` */
  readonly passiveDemand: PassiveDemand;
  readonly voltage: ReturnType<typeof voltageSummary>;
  /** power flows solved, and those that did not converge (their voltages and violations are unknown) */
  readonly gridSolves: number;
  readonly nonConvergedSteps: number;
  // --- issue 10, paper 000 ---
  /** both counts, by kind, and how far outside the limits the episodes were */
  readonly violationCounts: ViolationCounts;
  /** the distinct battery sizes installed, as Tables IV/V name a configuration ("none", "1", "1 and 3") */
  readonly configuration: string;
  /** day-ahead market: the KKT residuals of the day's clearing */
  readonly marketKkt: KktReport | undefined;
  /** periods whose clearing did not reach an optimum (status and reason in `market-cleared`) */
  readonly marketFailures: number;
}

/** The final states the summary reads. */
export interface FinalStates {
  readonly ledger: LedgerState;
  readonly gridOperator: GridOperatorState;
  readonly dsoDecision: string | undefined;
  readonly marketKkt: KktReport | undefined;
}

/** Counts of one iteration, fed every dispatched event. */
export class IterationAccounts {
  violations = 0;
  /** violations reported but not counted (`violation-detected` with counted: false) */
  uncountedViolations = 0;
  nonConverged = 0;
  marketFailures = 0;
  readonly episodes = new EpisodeTracker();
  readonly violatingBuses = new Set<string>();
  /** the DSO planner's additions, when it reinforced: the next iteration places them */
  reinforcedWith: readonly { bus: string; units: number }[] | undefined;

  observe(e: AnyEvent): void {
    if (e.type === 'market-cleared') {
      if (!clearingSucceeded(e.payload.status)) this.marketFailures++;
    } else if (e.type === 'violation-detected') {
      // a violation reported only (a transformer overload the scenario does not enforce) is not counted
      if (e.payload.counted === false) {
        this.uncountedViolations++;
        return;
      }
      this.violations++;
      this.episodes.add(e.payload);
      this.violatingBuses.add(e.payload.bus);
    } else if (e.type === 'power-flow-not-converged') this.nonConverged++;
    else if (e.type === 'reinforced') this.reinforcedWith = [...e.payload.added];
  }

  /** The violating buses, sorted. */
  buses(): string[] {
    return [...this.violatingBuses].sort();
  }

  /** The iteration's summary. */
  summary(iteration: number, world: World, final: FinalStates): IterationSummary {
    const { ledger, gridOperator: go } = final;
    return {
      energyBalanceKwh: energyBalance(ledger.balance, 1),
      energyBalanceKwPeriods: energyBalance(ledger.balance, world.periodHours),
      agentsWelfareEur: Number(ledger.agentsWelfareEur.toFixed(6)),
      operatorSurplusEur: Number(ledger.operatorSurplusEur.toFixed(6)),
      passiveDemand: { kwh: Number(ledger.passive.kwh.toFixed(6)), paymentEur: Number(ledger.passive.paymentEur.toFixed(6)), capValueEur: Number(ledger.passive.capValueEur.toFixed(6)) },
      voltage: voltageSummary(go.vStats, world.scenario.limits.nominal_v_pu),
      iteration,
      welfareEur: Number(ledger.welfareEur.toFixed(6)),
      violations: this.violations,
      uncountedViolations: this.uncountedViolations,
      violatingBuses: this.buses(),
      batteries: world.batteries.map((b) => ({ bus: b.bus, units: b.units })),
      decision: final.dsoDecision,
      gridSolves: go.solves,
      nonConvergedSteps: go.nonConverged,
      violationCounts: this.episodes.counts(),
      configuration: configurationLabel(world.batteries),
      marketKkt: final.marketKkt,
      marketFailures: this.marketFailures,
    };
  }
}

/**
 * Whether a clearing status is a result the market can dispatch: the community market's `optimal`,
 * the auction's `cleared` and `paradoxically_accepted` (a feasible clearing, flagged). Anything else
 * (`infeasible`, `solver_failed`, a solver error) is a market failure, counted in summary.json.
 */
export function clearingSucceeded(status: string): boolean {
  return status === 'optimal' || status === 'cleared' || status === 'paradoxically_accepted';
}

/**
 * The ledger's balance as reported, kWh divided by `unitHours` (1: kWh; the period length in h:
 * seed 004's Table 2 unit, kW summed over periods).
 */
export function energyBalance(b: LedgerBalance, unitHours: number): EnergyBalanceKwh {
  const r = (x: number) => Number((x / unitHours).toFixed(6));
  return {
    consumption: r(b.consumption),
    production: r(b.production),
    self_consumption: r(b.self_consumption),
    local_trading: r(b.production + b.battery_discharge - b.self_consumption - b.export),
    import: r(b.import),
    export: r(b.export),
    battery_charge: r(b.battery_charge),
    battery_discharge: r(b.battery_discharge),
  };
}

