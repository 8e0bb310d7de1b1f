/**
 * The simulation (DESIGN: iterations → periods → sub-steps, all in simulated time). It builds the
 * world and the agents of each reinforcement iteration, owns the bus and the clock, and advances one
 * event at a time: when nothing is queued, the clock publishes the next `period-opened`,
 * `period-closed` or `run-completed`; after a `reinforced`, the next iteration starts on a fresh bus
 * with the added batteries. `step()` is what the debugger calls; `run()` steps to the end.
 */
import { type Feeder, loadFeeder } from '../../grid/feeder.js';
import type { Load, Network } from '../../grid/model/network.js';
import { compile } from '../../grid/powerflow/compile.js';
import { type MilpSolver, loadMilpSolver } from '../../markets/solvers/milp.js';
import type { AgentInstance, Period, PlacedBattery, World } from '../../agents/agent.js';
import { type BatteryParams, scaleUnits } from '../../agents/battery.js';
import { type DrivenElement, type GridOperatorState, voltageSummary } from '../../agents/grid-operator.js';
import { type PvProfile, dayOfYear } from '../../agents/solar.js';
import { Forecasts } from '../../agents/forecast.js';
import { checkManagerParams } from '../../agents/strategies/managers/strategy.js';
import type { LedgerBalance, LedgerState } from '../../agents/ledger.js';
import { loadNoiseFactors, pvSizes } from '../../agents/pv-placement.js';
import { type JsonValue, checkParams, withDefaults } from '../../agents/strategies/strategy.js';
import { type Registry, buildRegistry } from './plugins.js';
import type { RegulatedBusNodes } from '../../agents/agent.js';
import type { SolverModel } from '../../grid/powerflow/compile.js';
import { readPvProfile } from '../io/pv-profile.js';
import type { Scenario } from '../../scenarios/schema.js';
import { EventEmitter } from 'eventemitter3';
import { EventBus } from '../kernel/bus.js';
import { Services } from '../kernel/services.js';
import { LemsimError, ScenarioError, excerpt } from '../errors.js';
import { type AnyDraft, type AnyEvent, type EventType, recipientOf } from '../kernel/events.js';
import { clockLabel, clockSeconds } from '../kernel/clock.js';
import { type LoadedScenario, confine, confinedFileSystem, resolveScenarioPath } from '../scenario.js';
import { readFileSync } from 'node:fs';
import { parseBusCoords } from '../../grid/dss/interpreter.js';
// issue 10 (paper 000): episodes, the paper's reinforcement rule, the day-ahead market
import { EpisodeTracker, type ViolationCounts } from '../violation-episodes.js';
import { configurationLabel } from '../../agents/dso-planner.js';
import { type HighsModule, loadHighs } from '../../markets/solvers/highs.js';
import type { KktReport } from '../../markets/community/index.js';

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
  readonly violatingBuses: readonly string[];
  readonly batteries: readonly { readonly bus: string; readonly units: number }[];
  readonly decision: string | undefined;
  readonly energyBalanceKwh: EnergyBalanceKwh;
  /** the same balance in seed 004's Table 2 unit: kW summed over the market periods (kWh / period h) */
  readonly energyBalanceKwPeriods: EnergyBalanceKwh;
  /** the agents' surplus and the market operator's (the ledger checks they add up to `welfareEur` every period) */
  readonly agentsWelfareEur: number;
  readonly operatorSurplusEur: number;
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

/**
 * An agent's transition threw: the run stops at that event (DESIGN rule 15: a failure is reported,
 * never swallowed). Names the agent, its kind, the event and the simulated time; keeps the exit code
 * of an input error, and is an internal error (70) otherwise.
 */
export class AgentError extends LemsimError {
  override readonly exitCode: number;
  constructor(
    readonly agent: string,
    readonly agentKind: string,
    readonly event: AnyEvent,
    override readonly cause: unknown,
  ) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super(`${cause instanceof LemsimError ? '' : 'internal error: '}agent '${agent}' (${agentKind}) failed on ${event.type} at ${clockLabel(event.time)} (iteration ${event.iteration}${'period' in event.payload ? `, period ${String(event.payload.period)}` : ''}): ${inner}`);
    this.name = 'AgentError';
    this.exitCode = cause instanceof LemsimError ? cause.exitCode : 70;
  }
}

type ClockPhase = 'start' | 'open' | 'close' | 'complete' | 'after' | 'finished';

/** ISO 8601 local date-time of `seconds` after midnight of `date` (YYYY-MM-DD); no time zone involved. */
export function isoLocal(date: string, seconds: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const day = Math.floor(seconds / 86400);
  const rest = Math.round(seconds - day * 86400);
  const ymd = new Date(Date.UTC(y, m - 1, d) + day * 86400000).toISOString().slice(0, 10);
  const hh = String(Math.floor(rest / 3600)).padStart(2, '0');
  const mm = String(Math.floor((rest % 3600) / 60)).padStart(2, '0');
  const ss = String(rest % 60).padStart(2, '0');
  return `${ymd}T${hh}:${mm}:${ss}`;
}

export class Simulation {
  bus: EventBus;
  agents: AgentInstance[] = [];
  world: World;
  iteration = 0;
  readonly summaries: IterationSummary[] = [];
  /** subscribers told of every new iteration's bus (the recorder, the debugger) */
  /**
   * Lifecycle notifications for observers outside the bus (the recorder, the debugger, a progress
   * bar, a user's script): `bus` with each iteration's new bus, `iteration` with each summary. A
   * plain emitter fits here: synchronous calls to a few listeners, no stream operators.
   */
  readonly lifecycle = new EventEmitter<{ bus: [bus: EventBus, sim: Simulation]; iteration: [summary: IterationSummary] }>();
  private phase: ClockPhase = 'start';
  private nextPeriod = 0;
  private violations = 0;
  private nonConverged = 0;
  private episodes = new EpisodeTracker();
  private marketFailures = 0;
  private violatingBuses = new Set<string>();
  private reinforcedWith: { bus: string; units: number }[] | undefined;
  private placed: Record<string, number>;
  private readonly history: number[] = [];
  private forecasts: { periods: readonly Period[]; forecast: Forecasts } | undefined;

  private constructor(
    readonly loaded: LoadedScenario,
    readonly base: Feeder,
    readonly baseKvLn: readonly (number | undefined)[],
    private readonly solver: MilpSolver | undefined,
    /** the run's registries: built-ins plus the scenario's plugins */
    readonly registry: Registry,
    /** HiGHS for the day-ahead community market */
    private readonly highs: HighsModule | undefined,
    /** bus coordinates: the feeder's own, completed from the scenario's `bus_coords` files */
    readonly busCoords: ReadonlyMap<string, { x: number; y: number }>,
    /** `solar.source: file`: the measured profile */
    private readonly pvFile?: PvProfile,
  ) {
    const s = loaded.scenario;
    this.placed = Object.fromEntries(s.batteries.initial.map((b) => [b.bus.toLowerCase(), b.units]));
    this.bus = new EventBus();
    this.world = this.buildWorld();
    this.startIteration();
  }

  /** Loads the feeder and the MILP backend, and builds the first iteration. */
  static async create(loaded: LoadedScenario): Promise<Simulation> {
    const s = loaded.scenario;
    const registry = await buildRegistry(s.plugins, loaded.file, loaded.allowPaths ?? []);
    validateScenario(s, loaded.file, registry);
    const roots = loaded.allowPaths ?? [];
    const base = loadFeeder(loaded.feederPath, confinedFileSystem(roots));
    checkLoadNames(s, base, loaded.file);
    const kv = baseVoltages(base, s.voltage_bases_kv);
    const solver = registry.mechanisms[s.market.mechanism].needsMilp ? await loadMilpSolver(s.market.solver) : undefined;
    // HiGHS: the day-ahead community market, and managers whose offers set per-partner terms (issue 16)
    const highs = s.market.mechanism === 'community' && (s.market.day_mode === 'day-ahead' || s.market.community_clearing === 'managers') ? await loadHighs() : undefined;
    const coords = new Map<string, { x: number; y: number }>();
    for (const b of base.network.buses) if (b.coords) coords.set(b.name, b.coords);
    s.bus_coords.forEach((written, k) => {
      const path = resolveScenarioPath(written, loaded.file, `bus_coords[${k}]`);
      confine(path, roots, loaded.file, `bus_coords[${k}]`);
      for (const [bus, xy] of parseBusCoords(readFileSync(path, 'utf8'), path)) if (!coords.has(bus)) coords.set(bus, xy);
    });
    const pvFile = s.solar.source === 'file' ? readPvProfile(resolveScenarioPath(s.solar.file!, loaded.file, 'solar.file'), s.solar.derate) : undefined;
    if (pvFile) checkProfileCovers(pvFile, s, loaded.file);
    return new Simulation(loaded, base, kv, solver, registry, highs, coords, pvFile);
  }

  /** The scenario's PV profile: a measured file, or clear sky over the site. */
  private pvProfile(): PvProfile {
    const s = this.scenario;
    const site = { latitudeDeg: s.solar.latitude, longitudeDeg: s.solar.longitude, dayOfYear: dayOfYear(s.solar.date), utcOffsetH: s.solar.utc_offset_h };
    return this.pvFile ?? { kind: 'clear-sky', site, derate: s.solar.derate };
  }

  /** One forecast service for the run: the feeder loads keep their indices in every iteration's network. */
  private forecastFor(periods: readonly Period[]): Forecasts {
    const same = this.forecasts && this.forecasts.periods.length === periods.length && this.forecasts.periods.every((p, k) => p.startS === periods[k].startS && p.endS === periods[k].endS);
    if (!same) {
      const s = this.scenario;
      this.forecasts = { periods, forecast: new Forecasts(this.base.network, periods, this.pvProfile(), s.prosumers.load_scale, this.base.network.loads.map((_, i) => i)) };
    }
    return this.forecasts!.forecast;
  }

  get scenario(): Scenario {
    return this.loaded.scenario;
  }

  get finished(): boolean {
    return this.phase === 'finished';
  }

  /** Calls `fn` with the bus of every iteration, now and later. */
  onBus(fn: (bus: EventBus, sim: Simulation) => void): void {
    this.lifecycle.on('bus', fn);
    fn(this.bus, this);
  }

  /** Dispatches one event (advancing the clock when nothing is queued); undefined when finished. */
  step(): AnyEvent | undefined {
    while (!this.finished) {
      if (this.bus.pending > 0) return this.bus.step();
      this.advanceClock();
    }
    return undefined;
  }

  /**
   * The event `step` will dispatch next, without dispatching it (the debugger's `pending` and its
   * breakpoints). When nothing is queued the clock publishes its next event first, exactly as `step`
   * would, so peeking never changes the sequence of a run.
   */
  peek(): AnyEvent | undefined {
    while (!this.finished) {
      if (this.bus.pending > 0) return this.bus.peek();
      this.advanceClock();
    }
    return undefined;
  }

  /** Runs to the end; `onPeriod` is told each closed period (for a progress bar). */
  run(onPeriod?: (done: number, total: number) => void): IterationSummary[] {
    const total = () => this.world.periods.length * this.scenario.reinforcement.max_iterations;
    let closed = 0;
    while (true) {
      const e = this.step();
      if (!e) break;
      if (e.type === 'period-closed') onPeriod?.(++closed, total());
    }
    return this.summaries;
  }

  /** The ledger's accounts of the current iteration (welfare, energy balance, bills). */
  ledger(): LedgerState {
    return this.agent('ledger')!.state as LedgerState;
  }

  /** The agent with this id in the current iteration. */
  agent(id: string): AgentInstance | undefined {
    return this.agents.find((a) => a.id === id);
  }

  private publish(d: AnyDraft): void {
    this.bus.publish(d);
  }

  private advanceClock(): void {
    const periods = this.world.periods;
    switch (this.phase) {
      case 'start':
        this.publish({ type: 'iteration-started', time: periods[0].startS, payload: { batteries: this.world.batteries.map((b) => ({ bus: b.bus, units: b.units })) } });
        this.phase = 'open';
        return;
      case 'open':
        if (this.nextPeriod < periods.length) {
          const p = periods[this.nextPeriod];
          this.publish({ type: 'period-opened', time: p.startS, payload: { period: p.index, label: p.label, endS: p.endS } });
          this.phase = 'close';
        } else {
          const buses = [...this.violatingBuses].sort();
          this.publish({
            type: 'run-completed',
            time: periods[periods.length - 1].endS,
            payload: { welfareEur: Number(this.ledger().welfareEur.toFixed(6)), violations: this.violations, violatingBuses: buses, nonConvergedSteps: this.nonConverged, violationEpisodes: this.episodes.episodes },
          });
          this.phase = 'complete';
        }
        return;
      case 'close': {
        const p = periods[this.nextPeriod];
        this.publish({ type: 'period-closed', time: p.endS, payload: { period: p.index } });
        this.nextPeriod++;
        this.phase = 'open';
        return;
      }
      case 'complete': {
        const dso = this.agent('dso')?.state as { decision?: string } | undefined;
        const go = this.agent('go')?.state as GridOperatorState;
        const ledger = this.ledger();
        this.summaries.push({
          energyBalanceKwh: energyBalance(ledger.balance, 1),
          energyBalanceKwPeriods: energyBalance(ledger.balance, this.world.periodHours),
          agentsWelfareEur: Number(ledger.agentsWelfareEur.toFixed(6)),
          operatorSurplusEur: Number(ledger.operatorSurplusEur.toFixed(6)),
          voltage: voltageSummary(go.vStats, this.scenario.limits.nominal_v_pu),
          iteration: this.iteration,
          welfareEur: Number(ledger.welfareEur.toFixed(6)),
          violations: this.violations,
          violatingBuses: [...this.violatingBuses].sort(),
          batteries: this.world.batteries.map((b) => ({ bus: b.bus, units: b.units })),
          decision: dso?.decision,
          gridSolves: go.solves,
          nonConvergedSteps: go.nonConverged,
          violationCounts: this.episodes.counts(),
          configuration: configurationLabel(this.world.batteries),
          marketKkt: (this.agent('mo')?.state as { dayKkt?: KktReport } | undefined)?.dayKkt,
          marketFailures: this.marketFailures,
        });
        this.lifecycle.emit('iteration', this.summaries[this.summaries.length - 1]);
        this.history.push(this.scenario.limits.count === 'violation_episodes' ? this.episodes.episodes : this.violations);
        if (this.reinforcedWith) {
          for (const a of this.reinforcedWith) this.placed[a.bus] = a.units;
          this.iteration++;
          this.bus = new EventBus();
          this.bus.iteration = this.iteration;
          this.world = this.buildWorld();
          this.startIteration();
        } else {
          this.phase = 'finished';
        }
        return;
      }
      default:
        this.phase = 'finished';
    }
  }

  private startIteration(): void {
    this.phase = 'start';
    this.nextPeriod = 0;
    this.violations = 0;
    this.nonConverged = 0;
    this.episodes = new EpisodeTracker();
    this.marketFailures = 0;
    this.violatingBuses = new Set();
    this.reinforcedWith = undefined;
    this.agents = this.buildAgents();
    const routes = deliveryRoutes(this.agents);
    const bus = this.bus;
    const world = this.world;
    // agents in a fixed order; each sees every event once, in bus order
    bus.listen((e) => {
      if (e.type === 'market-cleared') {
        if (!clearingSucceeded(e.payload.status)) this.marketFailures++;
      } else if (e.type === 'violation-detected') {
        this.violations++;
        this.episodes.add(e.payload);
        this.violatingBuses.add(e.payload.bus);
      } else if (e.type === 'power-flow-not-converged') this.nonConverged++;
      else if (e.type === 'reinforced') this.reinforcedWith = [...e.payload.added];
      const to = recipientOf(e);
      const deliver = (a: AgentInstance): void => {
        let r;
        try {
          r = a.kind.transition(a.state, e, world);
        } catch (err) {
          throw new AgentError(a.id, a.kind.kind, e, err);
        }
        a.state = r.state;
        if (r.emit) for (const d of r.emit) bus.publish(d);
      };
      if (to === undefined) {
        for (const a of routes.broadcast.get(e.type) ?? []) deliver(a);
      } else {
        // an addressed event: its observers and its recipient, in the agents' fixed order
        const target = routes.addressed.get(e.type)?.get(to);
        const observers = routes.observers.get(e.type) ?? [];
        let placed = target === undefined || observers.includes(target);
        for (const a of observers) {
          if (!placed && routes.order.get(target!)! < routes.order.get(a)!) {
            deliver(target!);
            placed = true;
          }
          deliver(a);
        }
        if (!placed) deliver(target!);
      }
    });
    this.lifecycle.emit('bus', bus, this);
  }

  private buildWorld(): World {
    const s = this.scenario;
    const from = clockSeconds(s.horizon.from);
    const to = clockSeconds(s.horizon.to);
    const step = s.market.period_min * 60;
    const periods: Period[] = [];
    for (let t = from, k = 0; t + step <= to + 1e-9; t += step, k++) periods.push({ index: k, startS: t, endS: t + step, label: clockLabel(t), iso: isoLocal(s.solar.date, t) });
    const batteries = Object.entries(this.placed)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([bus, units]) => ({ bus, units }));
    const { network, placed } = withBatteries(this.base.network, this.base, batteries, this.loaded.file);
    const model = compile(network);
    const feeder: Feeder = { network, model, busKvBaseLn: this.baseKvLn };
    const loadIndex = new Map(network.loads.map((l, i) => [l.name.slice('load.'.length), i]));
    const prosumerLoads = s.prosumers.loads === 'all' ? this.base.network.loads.map((l) => l.name.slice('load.'.length)) : s.prosumers.loads.map((l) => l.toLowerCase());
    const communityOf = new Map<string, string>();
    const comm = s.prosumers.communities;
    prosumerLoads.forEach((load, i) => {
      const id = `p-${load}`;
      if ('count' in comm) communityOf.set(id, `c${Math.floor((i * comm.count) / prosumerLoads.length) + 1}`);
      else communityOf.set(id, Object.hasOwn(comm.map, load) ? comm.map[load] : 'c1');
    });
    for (const b of placed) communityOf.set(b.id, nearestCommunity(b, network, communityOf, loadIndex));
    const loadNodes: [string, string, number, number][] = [];
    this.base.network.loads.forEach((l, li) => {
      const nodes = model.loadNodes[li];
      l.terminal.nodes.forEach((num, c) => {
        if (nodes[c] >= 0 && !loadNodes.some((x) => x[3] === nodes[c] && x[0] === l.name.slice(5))) loadNodes.push([l.name.slice('load.'.length), network.buses[l.terminal.bus].name, num, nodes[c]]);
      });
    });
    const voltageBuses = network.buses
      .map((b, index) => ({ name: b.name, index }))
      .filter(({ index }) => this.baseKvLn[index] !== undefined && [...model.busNodes[index]].some((k) => model.nodeNumber[k] >= 1 && model.nodeNumber[k] <= 3));
    const site = { latitudeDeg: s.solar.latitude, longitudeDeg: s.solar.longitude, dayOfYear: dayOfYear(s.solar.date), utcOffsetH: s.solar.utc_offset_h };
    return {
      scenario: s,
      voltageBuses,
      periods,
      periodHours: s.market.period_min / 60,
      subStepS: s.power_flow.step_s,
      site,
      pv: this.pvProfile(),
      regulated: regulatedBusNodes(s, network, model, this.baseKvLn, this.loaded.file),
      inStatistics: statisticsBuses(s, this.baseKvLn),
      feeder,
      baseNetwork: this.base.network,
      loadIndex,
      batteries: placed,
      communityOf,
      busKvBaseLn: this.baseKvLn,
      loadNodes,
      services: new Services(this.solver, this.highs),
      strategies: this.registry.strategies,
      managerStrategies: this.registry.managerStrategies,
      mechanism: this.registry.mechanisms[s.market.mechanism],
      forecast: this.forecastFor(periods),
    };
  }

  private buildAgents(): AgentInstance[] {
    const s = this.scenario;
    const w = this.world;
    const agents: AgentInstance[] = [];
    // every agent is built through the kind registry: built-in kinds and plugins' alike
    const add = (id: string, kind: string, config: unknown): void => {
      const k = this.registry.agentKinds[kind];
      agents.push({ id, kind: k, state: k.init(id, config, w) });
    };
    const elementOf = new Map<string, DrivenElement>();
    const prosumers = [...w.communityOf.keys()].filter((id) => id.startsWith('p-'));
    const pvKwp = pvSizes(s, prosumers);
    prosumers.forEach((id, i) => {
      const load = id.slice(2);
      const pv = pvKwp[i];
      let { supply, demand } = s.prosumers.strategy;
      for (const g of s.prosumers.groups) {
        if (!g.loads.some((l) => l.toLowerCase() === load)) continue;
        supply = g.supply ?? supply;
        demand = g.demand ?? demand;
      }
      const sigma = s.prosumers.load_noise?.sigma ?? 0;
      add(id, s.prosumers.kind, { load, pvKwp: pv, supply, demand, ...(sigma > 0 ? { loadNoise: Array.from(loadNoiseFactors(s.seed, id, sigma, w.periods.length)) } : {}) });
      elementOf.set(id, { load: w.loadIndex.get(load)!, keepsPowerFactor: true, followsShape: demand.name === 'passive' && s.power_flow.passive_demand === 'load-shape' });
    });
    const unit = batteryUnit(s);
    for (const b of w.batteries) {
      add(b.id, s.batteries.kind, { bus: b.bus, units: b.units, params: scaleUnits(unit, b.units), soc: s.batteries.unit.soc });
      elementOf.set(b.id, { load: b.loadIndex, keepsPowerFactor: false });
    }
    const communities = [...new Set(w.communityOf.values())].sort();
    for (const c of communities) add(`cm-${c}`, 'community-manager', { community: c, members: [...w.communityOf].filter(([, cc]) => cc === c).map(([id]) => id) });
    for (const extra of s.agents) add(extra.id, extra.kind, extra.config);
    add('mo', 'market-operator', {});
    add('go', 'grid-operator', { elementOf });
    add('ledger', 'ledger', { batteries: w.batteries.map((b) => b.id) });
    add('dso', 'dso-planner', {
      enabled: s.reinforcement.enabled,
      maxIterations: s.reinforcement.max_iterations,
      unitSteps: s.reinforcement.unit_steps,
      rule: s.reinforcement.rule,
      count: s.limits.count,
      placed: { ...this.placed },
      history: [...this.history],
      iteration: this.iteration,
    });
    return agents;
  }
}

/**
 * Who receives what, computed once per iteration: broadcast events go to every agent that handles
 * their type; an addressed event (`recipientOf`) goes to its recipient, if it handles the type, and to
 * the agents that observe the type. Delivery keeps the agents' fixed order, so runs stay
 * deterministic, and a period costs O(agents) however many addressed events it carries.
 */
function deliveryRoutes(agents: readonly AgentInstance[]) {
  const broadcast = new Map<EventType, AgentInstance[]>();
  const addressed = new Map<EventType, Map<string, AgentInstance>>();
  const observers = new Map<EventType, AgentInstance[]>();
  const order = new Map<AgentInstance, number>();
  agents.forEach((a, i) => {
    order.set(a, i);
    for (const t of a.kind.handles) {
      if (!broadcast.has(t)) broadcast.set(t, []);
      broadcast.get(t)!.push(a);
      if (!addressed.has(t)) addressed.set(t, new Map());
      addressed.get(t)!.set(a.id, a);
    }
    for (const t of a.kind.observes ?? []) {
      if (!observers.has(t)) observers.set(t, []);
      observers.get(t)!.push(a);
    }
  });
  return { broadcast, addressed, observers, order };
}

/**
 * Whether a clearing status is a result the market can dispatch: the community market's `optimal`,
 * the auction's `cleared` and `paradoxically_accepted` (a feasible clearing, flagged). Anything else
 * (`infeasible`, `solver_failed`, a solver error) is a market failure, counted in summary.json.
 */
export function clearingSucceeded(status: string): boolean {
  return status === 'optimal' || status === 'cleared' || status === 'paradoxically_accepted';
}

/** One Standard Battery Unit from the scenario (rates per hour; self-discharge per hour). */
export function batteryUnit(s: Scenario): BatteryParams {
  const u = s.batteries.unit;
  return {
    capacityKwh: u.capacity_kwh,
    powerKw: u.power_kw,
    socMin: u.soc_min,
    socMax: u.soc_max,
    etaCh: u.eta_ch,
    etaDis: u.eta_dis,
    rateChPerH: u.rate_ch,
    rateDisPerH: u.rate_dis,
    selfDischargePerH: u.self_discharge,
    aEurPerKwhPerKw: u.a,
  };
}

/** Checks references the schema cannot: strategies, agent kinds and the mechanism, against the run's registries. */
export function validateScenario(s: Scenario, file: string, registry: Registry): void {
  const check = (ref: { name: string; params: Record<string, JsonValue> }, side: 'supply' | 'demand', path: string): void => {
    // own names only: 'constructor' or 'toString' must not find Object.prototype's
    const st = Object.hasOwn(registry.strategies, ref.name) ? registry.strategies[ref.name] : undefined;
    if (!st) throw new ScenarioError(file, `${path}.name`, `unknown strategy '${excerpt(ref.name)}' (known: ${Object.keys(registry.strategies).join(', ')})`);
    if (!st.sides.includes(side)) throw new ScenarioError(file, `${path}.name`, `strategy '${ref.name}' does not bid on the ${side} side`);
    const problem = checkParams(st, withDefaults(st, ref.params));
    if (problem) throw new ScenarioError(file, problem.param === undefined ? `${path}.params` : `${path}.params.${excerpt(problem.param)}`, excerpt(problem.message, 300));
  };
  for (const side of ['supply', 'demand'] as const) {
    check(s.batteries.strategy, side, 'batteries.strategy');
    check(s.prosumers.strategy[side], side, `prosumers.strategy.${side}`);
    s.prosumers.groups.forEach((g, k) => {
      const ref = g[side];
      if (ref) check(ref, side, `prosumers.groups[${k}].${side}`);
    });
  }
  const kind = (name: string, path: string): void => {
    if (!Object.hasOwn(registry.agentKinds, name)) throw new ScenarioError(file, path, `unknown agent kind '${excerpt(name)}' (known: ${Object.keys(registry.agentKinds).join(', ')})`);
  };
  kind(s.prosumers.kind, 'prosumers.kind');
  kind(s.batteries.kind, 'batteries.kind');
  const ids = new Set<string>();
  s.agents.forEach((a, k) => {
    kind(a.kind, `agents[${k}].kind`);
    if (ids.has(a.id) || a.id === 'mo' || a.id === 'go' || a.id === 'dso' || a.id === 'ledger' || /^(p-|cm-)/.test(a.id)) throw new ScenarioError(file, `agents[${k}].id`, `id '${excerpt(a.id)}' is taken (ids must be unique and not 'mo', 'go', 'dso', 'ledger', 'p-…' or 'cm-…')`);
    ids.add(a.id);
  });
  validateManagers(s, file, registry);
  if (!Object.hasOwn(registry.mechanisms, s.market.mechanism)) throw new ScenarioError(file, 'market.mechanism', `unknown clearing mechanism '${excerpt(s.market.mechanism)}' (known: ${Object.keys(registry.mechanisms).join(', ')})`);
}

/** issue 16: the managers' strategies exist and take their parameters; managers need the community market. */
function validateManagers(s: Scenario, file: string, registry: Registry): void {
  const m = s.market;
  const check = (ref: { name: string; params: Record<string, JsonValue> }, path: string): void => {
    const st = Object.hasOwn(registry.managerStrategies, ref.name) ? registry.managerStrategies[ref.name] : undefined;
    if (!st) throw new ScenarioError(file, `${path}.name`, `unknown manager strategy '${excerpt(ref.name)}' (known: ${Object.keys(registry.managerStrategies).join(', ')})`);
    const problem = checkManagerParams(st, ref.params);
    if (problem) throw new ScenarioError(file, problem.param === undefined ? `${path}.params` : `${path}.params.${excerpt(problem.param)}`, excerpt(problem.message, 300));
  };
  check(m.managers.strategy, 'market.managers.strategy');
  // the communities a scenario can have: c1…cN from a count, or the map's values (unmapped loads go to c1)
  const comm = s.prosumers.communities;
  const ids = 'count' in comm ? Array.from({ length: comm.count }, (_, k) => `c${k + 1}`) : [...new Set(['c1', ...Object.values(comm.map)])];
  for (const [c, ref] of Object.entries(m.managers.communities)) {
    const path = `market.managers.communities.${excerpt(c)}`;
    if (!ids.includes(c)) throw new ScenarioError(file, path, `no community '${excerpt(c)}' (the scenario's communities: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''})`);
    check(ref, path);
  }
  if (m.community_clearing === 'managers') {
    if (registry.mechanisms[m.mechanism]?.bids !== 'community') throw new ScenarioError(file, 'market.community_clearing', `'managers' needs a community-market mechanism (market.mechanism: community), not '${excerpt(m.mechanism)}'`);
  }
}

/** Every load a scenario names (prosumers, groups, community map) must be a load of the feeder. */
function checkLoadNames(s: Scenario, f: Feeder, file: string): void {
  const known = new Set(f.network.loads.map((l) => l.name.slice('load.'.length)));
  const check = (name: string, field: string): void => {
    if (!known.has(name.toLowerCase())) throw new ScenarioError(file, field, `'${excerpt(name)}' is not a load of the feeder (${known.size} loads, e.g. ${[...known].slice(0, 3).join(', ')})`);
  };
  if (s.prosumers.loads !== 'all') s.prosumers.loads.forEach((l, k) => check(l, `prosumers.loads[${k}]`));
  s.prosumers.groups.forEach((g, k) => g.loads.forEach((l, j) => check(l, `prosumers.groups[${k}].loads[${j}]`)));
  const comm = s.prosumers.communities;
  if ('map' in comm) for (const l of Object.keys(comm.map)) check(l, `prosumers.communities.map.${excerpt(l)}`);
  validatePaper004(s, file);
}

// ---- paper 004 (issue 10): grid role, Table 2 unit, PV source, regulated bus, statistics level ----

function validatePaper004(s: Scenario, file: string): void {
  const m = s.market;
  if (m.mechanism !== 'auction') {
    if (m.grid !== 'counterparty') throw new ScenarioError(file, 'market.grid', `'${m.grid}' needs market.mechanism: auction (the community market takes the grid as counterparty)`);
    for (const f of ['max_import_kw', 'max_export_kw'] as const) if (m[f] !== undefined) throw new ScenarioError(file, `market.${f}`, 'grid limits need market.mechanism: auction');
  }
  if (s.solar.source === 'file' && s.solar.file === undefined) throw new ScenarioError(file, 'solar.file', "is required with solar.source: file");
  if (s.solar.source !== 'file' && s.solar.file !== undefined) throw new ScenarioError(file, 'solar.file', "is only read with solar.source: file");
}

/**
 * The ledger's balance as reported, kWh divided by `unitHours` (1: kWh; the period length in h:
 * seed 004's Table 2 unit, kW summed over periods).
 */
function energyBalance(b: LedgerBalance, unitHours: number): EnergyBalanceKwh {
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

/** A measured profile must cover the horizon (no silent zeros outside its samples). */
function checkProfileCovers(p: Extract<PvProfile, { kind: 'file' }>, s: Scenario, file: string): void {
  const from = clockSeconds(s.horizon.from) / 3600;
  const to = clockSeconds(s.horizon.to) / 3600;
  if (p.hours[0] > from + 1e-9 || p.hours[p.hours.length - 1] < to - 1e-9) {
    throw new ScenarioError(file, 'solar.file', `samples span ${clockLabel(p.hours[0] * 3600)}–${clockLabel(p.hours[p.hours.length - 1] * 3600)}, not the horizon ${s.horizon.from}–${s.horizon.to}`);
  }
}

/** The regulated bus's phase nodes and base, or undefined when the scenario names none. */
function regulatedBusNodes(s: Scenario, network: Network, model: SolverModel, kvLn: readonly (number | undefined)[], file: string): RegulatedBusNodes | undefined {
  const r = s.power_flow.regulated_bus;
  if (!r) return undefined;
  const b = network.busIndex.get(r.bus.toLowerCase());
  if (b === undefined) throw new ScenarioError(file, 'power_flow.regulated_bus.bus', `bus '${r.bus}' is not on the feeder`);
  const kv = kvLn[b];
  if (kv === undefined) throw new ScenarioError(file, 'power_flow.regulated_bus.bus', `bus '${r.bus}' has no voltage base (set voltage_bases_kv)`);
  const nodes = [...model.busNodes[b]].filter((k) => model.nodeNumber[k] >= 1 && model.nodeNumber[k] <= 3);
  if (nodes.length === 0) throw new ScenarioError(file, 'power_flow.regulated_bus.bus', `bus '${r.bus}' has no phase node`);
  return { bus: network.buses[b].name, nodes, baseV: kv * 1000, setpointPu: r.v_pu };
}

/** Buses whose line-to-line base is one of `limits.statistics_kv` (within 1 %); undefined: all. */
function statisticsBuses(s: Scenario, kvLn: readonly (number | undefined)[]): Uint8Array | undefined {
  const levels = s.limits.statistics_kv;
  if (!levels) return undefined;
  return Uint8Array.from(kvLn, (kv) => (kv !== undefined && levels.some((l) => Math.abs((kv * Math.sqrt(3)) / l - 1) < 0.01) ? 1 : 0));
}
// ---- end paper 004 ----

/** The feeder's bus bases, completed from the scenario's `voltage_bases_kv` where it has none. */
function baseVoltages(f: Feeder, basesKv: readonly number[] | undefined): (number | undefined)[] {
  return f.busKvBaseLn.map((kv, b) => {
    if (kv !== undefined || !basesKv || basesKv.length === 0) return kv;
    const nodes = f.model.busNodes[b];
    if (nodes.length === 0) return undefined;
    const ll = (Math.hypot(f.model.v0Re[nodes[0]], f.model.v0Im[nodes[0]]) * Math.sqrt(3)) / 1000;
    let best = basesKv[0];
    for (const v of basesKv) if (Math.abs(Math.log(ll / v)) < Math.abs(Math.log(ll / best))) best = v;
    return best / Math.sqrt(3);
  });
}

/** The network plus one constant-power injection load per battery bus. */
function withBatteries(base: Network, feeder: Feeder, batteries: readonly { bus: string; units: number }[], file: string): { network: Network; placed: PlacedBattery[] } {
  const loads: Load[] = [...base.loads];
  const placed: PlacedBattery[] = [];
  for (const b of batteries) {
    const bi = base.busIndex.get(b.bus);
    if (bi === undefined) throw new ScenarioError(file, 'batteries.initial', `bus '${b.bus}' is not on the feeder`);
    const nodes = [...feeder.model.busNodes[bi]].filter((k) => feeder.model.nodeNumber[k] >= 1 && feeder.model.nodeNumber[k] <= 3);
    if (nodes.length === 0) throw new ScenarioError(file, 'batteries.initial', `bus '${b.bus}' has no phase node`);
    const nums = nodes.map((k) => feeder.model.nodeNumber[k]);
    const v0 = (k: number) => ({ re: feeder.model.v0Re[k], im: feeder.model.v0Im[k] });
    const three = nums.length === 3;
    const termNodes = three ? [...nums, 0] : nums.length === 2 ? nums : [nums[0], 0];
    const a = v0(nodes[0]);
    const c = nums.length === 2 ? v0(nodes[1]) : { re: 0, im: 0 };
    const vBase = Math.hypot(a.re - c.re, a.im - c.im);
    placed.push({ id: `bat-${b.bus}`, bus: b.bus, units: b.units, loadIndex: loads.length });
    loads.push({
      name: `load.bat_${b.bus}`,
      terminal: { bus: bi, nodes: termNodes },
      phases: three ? 3 : 1,
      conn: 'wye',
      kW: 0,
      kvar: 0,
      model: 1,
      cvrWatts: 1,
      cvrVars: 2,
      zipv: undefined,
      vBase,
      vminpu: 0.5,
      vmaxpu: 1.5,
      vlowpu: 0.25,
      status: 'fixed',
      daily: undefined,
      yearly: undefined,
      duty: undefined,
    });
  }
  return { network: { ...base, loads }, placed };
}

/** A battery joins the community of the prosumer nearest to it in load order (same bus first). */
function nearestCommunity(b: PlacedBattery, network: Network, communityOf: Map<string, string>, loadIndex: Map<string, number>): string {
  const bus = network.busIndex.get(b.bus);
  for (const [id, c] of communityOf) {
    const li = loadIndex.get(id.slice(2));
    if (li !== undefined && network.loads[li].terminal.bus === bus) return c;
  }
  return [...communityOf.values()][0] ?? 'c1';
}

