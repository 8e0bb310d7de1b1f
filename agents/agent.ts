/**
 * Agents are state + transition (DESIGN rule 5, xstate's `transition(snapshot, event)`): an agent
 * kind declares the event types it reacts to, how to build its initial state, and a pure transition
 * returning its next state and the events it emits. The simulation owns the bus and feeds agents;
 * agents never publish directly, never read the clock, and keep physics apart from behaviour.
 */
import type { Feeder } from '../grid/feeder.js';
import type { Network } from '../grid/model/network.js';
import type { Scenario } from '../scenarios/schema.js';
import type { AnyDraft, AnyEvent, EventType } from '../src/events.js';
import type { PvProfile, SolarSite } from './solar.js';

export interface Period {
  readonly index: number;
  /** simulated seconds since midnight */
  readonly startS: number;
  readonly endS: number;
  /** clock time of the start, HH:MM */
  readonly label: string;
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
  readonly handles: readonly EventType[];
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
