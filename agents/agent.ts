/**
 * Agents are state + transition (DESIGN rule 5, xstate's `transition(snapshot, event)`): an agent
 * kind declares the event types it reacts to, how to build its initial state, and a pure transition
 * returning its next state and the events it emits. The simulation owns the bus and feeds agents;
 * agents never publish directly, never read the clock, and keep physics apart from behaviour.
 */
import type { Feeder } from '../grid/feeder.js';
import type { Network } from '../grid/model/network.js';
import type { Scenario } from '../scenarios/schema.js';
import type { AnyDraft, AnyEvent, EventType } from '../src/kernel/events.js';
import type { Services } from '../src/kernel/services.js';
import type { HandedElements } from './feeder-elements.js';
import type { Forecasts } from './forecast.js';
import type { ClearingMechanism } from './mechanisms.js';
import type { PvProfile, SolarSite } from './solar.js';
import type { AnyManagerStrategy } from './strategies/managers/strategy.js';
import type { AnyStrategy } from './strategies/strategy.js';

export interface Period {
  readonly index: number;
  /** simulated seconds since midnight */
  readonly startS: number;
  readonly endS: number;
  /** clock time of the start, HH:MM */
  readonly label: string;
  /** the start as an ISO 8601 local date-time (the scenario's date and clock) */
  readonly iso: string;
}

/** A battery placed on the feeder in this iteration (initial or added by the DSO planner). */
export interface PlacedBattery {
  readonly id: string;
  readonly bus: string;
  readonly units: number;
  /** index of its injection load in `feeder.network.loads` */
  readonly loadIndex: number;
}

/** What every agent may read; built by the simulation once per reinforcement iteration. */
export interface World {
  readonly scenario: Scenario;
  readonly periods: readonly Period[];
  readonly periodHours: number;
  readonly subStepS: number;
  readonly site: SolarSite;
  /** the feeder of this iteration: the scenario's network plus one injection load per battery */
  readonly feeder: Feeder;
  readonly baseNetwork: Network;
  /** feeder loads by name (without `load.`) → index in `feeder.network.loads` */
  readonly loadIndex: ReadonlyMap<string, number>;
  readonly batteries: readonly PlacedBattery[];
  /** community of each market participant (prosumer or battery id) */
  readonly communityOf: ReadonlyMap<string, string>;
  /** kV line-to-neutral base per bus index (scenario bases where the feeder has none) */
  readonly busKvBaseLn: readonly (number | undefined)[];
  /** load nodes reported in `grid-solved` and voltages.csv: [load, bus, node, system node] */
  readonly loadNodes: readonly (readonly [string, string, number, number])[];
  /** buses with a voltage base and phase nodes, reported in `grid-solved` (the report's heatmap) */
  readonly voltageBuses: readonly { readonly name: string; readonly index: number }[];
  /** the strategy registry of this run: built-ins and the scenario's plugins */
  readonly strategies: Readonly<Record<string, AnyStrategy>>;
  /** the community-manager strategy registry of this run (issue 16): built-ins and plugins */
  readonly managerStrategies: Readonly<Record<string, AnyManagerStrategy>>;
  /** engines agents use but do not own (solvers, power-flow state), outside agent state */
  readonly services: Services;
  /** the scenario's clearing mechanism, from the registry */
  readonly mechanism: ClearingMechanism;
  /** forecasts of demand, PV and feeder load per period (a shared service, computed on first use) */
  readonly forecast: Forecasts;
  /** issue 12: the feeder's own PVSystems and Storage handed to prosumers and battery agents */
  readonly handed?: HandedElements;
  // ---- paper 004 (issue 10) ----
  /** where prosumers' PV comes from (clear sky over `site`, or a measured profile) */
  readonly pv: PvProfile;
  /** the LV bus an ideal regulator holds at a set voltage (`power_flow.regulated_bus`) */
  readonly regulated: RegulatedBusNodes | undefined;
  /** 1 for buses the voltage statistics cover (`limits.statistics_kv`); undefined: every bus */
  readonly inStatistics: Uint8Array | undefined;
}

/** The regulated bus: its phase nodes, their line-to-neutral base (V) and the setpoint (pu). */
export interface RegulatedBusNodes {
  readonly bus: string;
  readonly nodes: readonly number[];
  readonly baseV: number;
  readonly setpointPu: number;
}

export interface Transition<S> {
  readonly state: S;
  readonly emit?: readonly AnyDraft[];
}

export interface AgentKind<S, C = unknown> {
  readonly kind: string;
  /** event types delivered to this kind: broadcast ones, and addressed ones sent to the agent itself */
  readonly handles: readonly EventType[];
  /** addressed event types this kind also receives when they are addressed to others (e.g. a community manager follows its members' dispatch) */
  readonly observes?: readonly EventType[];
  init(id: string, config: C, world: World): S;
  transition(state: S, event: AnyEvent, world: World): Transition<S>;
}

/** A live agent: its id, kind and current state. */
export interface AgentInstance {
  readonly id: string;
  // biome-ignore lint: kinds have different state types
  readonly kind: AgentKind<any, any>;
  state: unknown;
}

/** Makes an agent kind (for plugins; the built-ins are plain objects of the same type). */
export function defineAgentKind<S, C = unknown>(k: AgentKind<S, C>): AgentKind<S, C> {
  return k;
}
