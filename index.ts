/**
 * lemsim's public API: the one entry point a user's project imports (`import { … } from 'lemsim'`).
 * Nothing outside this file is public; everything a researcher needs to load a scenario, run or step
 * a simulation, add a strategy or an agent kind, and use the pure libraries (power flow, block
 * auction, community market) is re-exported here, with its types.
 *
 * Sign conventions: the grid library counts consumption positive (kW), generation negative; the
 * market libraries count consumer P ≥ 0, producer P ≤ 0 (seed 000). See the README.
 */

// ── version ──────────────────────────────────────────────────────────────────────────────────
export { LEMSIM_VERSION } from './src/version.js';

// ── errors (typed and located: every one carries what the CLI prints) ───────────────────────────
export {
  DssError,
  GridError,
  type InputError,
  LemsimError,
  MarketError,
  NotConvergedError,
  ProblemError,
  ScenarioError,
  SolverError,
  UsageError,
  isInputError,
} from './src/errors.js';

// ── scenarios and simulations ───────────────────────────────────────────────────────────────────
export type { Scenario } from './scenarios/schema.js';
export { type LoadedScenario, loadScenario, parseScenario } from './src/scenario.js';
export { type EnergyBalanceKwh, type IterationSummary, Simulation } from './src/sim/simulation.js';
export type { AnyEvent, EventPayloads, EventType, LemEvent } from './src/kernel/events.js';
export { EventBus } from './src/kernel/bus.js';
export { main as runCli } from './src/cli/main.js';

// ── agents and strategies ──────────────────────────────────────────────────────────────────────
export { type AgentInstance, type AgentKind, defineAgentKind, type Period, type PlacedBattery, type Transition, type World } from './agents/agent.js';
export { type ClearingInput, type ClearingMechanism, defineMechanism } from './agents/mechanisms.js';
export type { ClearingSnapshot, SubmittedBid } from './agents/market-operator.js';
export {
  type AnyStrategy,
  type BatteryView,
  checkParams,
  defineStrategy,
  type JsonValue,
  NO_OFFER,
  type Offer,
  type PastBid,
  type Settlement,
  type Side,
  type Strategy,
  type StrategyClock,
  type StrategyContext,
  type StrategyInput,
  type StrategyResult,
  withDefaults,
} from './agents/strategies/strategy.js';
export {
  type AnyManagerStrategy,
  defineManagerStrategy,
  type ManagerContext,
  type ManagerSettlement,
  type ManagerStrategy,
} from './agents/strategies/managers/strategy.js';
export type { ManagerOffer, ManagerOutcome, NetImportCurve, PartnerTerms } from './markets/community/managers.js';
export type { CommunityTrade } from './src/kernel/events.js';
export { BUILTINS, buildRegistry, type Registry } from './src/sim/plugins.js';

// ── the pure libraries ───────────────────────────────────────────────────────────────────────────
export * as grid from './grid/index.js';
export * as auction from './markets/auction/index.js';
export * as community from './markets/community/index.js';
