/**
 * The simulation (DESIGN: iterations → periods → sub-steps, all in simulated time). It owns the bus
 * and the clock of each reinforcement iteration and advances one event at a time: when nothing is
 * queued, the clock publishes the next `period-opened`, `period-closed` or `run-completed`; after a
 * `reinforced`, the next iteration starts on a fresh bus with the added batteries. The world is built
 * by `world.ts`, the agents by `roster.ts`, the iteration's counts and summary by `accounting.ts`.
 * `step()` is what the debugger calls; `run()` steps to the end.
 */
import { EventEmitter } from 'eventemitter3';
import type { Feeder } from '../../grid/feeder.js';
import type { AgentInstance, World } from '../../agents/agent.js';
import type { GridOperatorState } from '../../agents/grid-operator.js';
import type { LedgerState } from '../../agents/ledger.js';
import type { KktReport } from '../../markets/community/index.js';
import type { Scenario } from '../../scenarios/schema.js';
import { EventBus } from '../kernel/bus.js';
import type { AnyDraft, AnyEvent } from '../kernel/events.js';
import type { LoadedScenario } from '../scenario.js';
import { IterationAccounts, type IterationSummary } from './accounting.js';
import type { Registry } from './plugins.js';
import { buildRoster, deliverTo } from './roster.js';
import { WorldBuilder } from './world.js';

export type { EnergyBalanceKwh, IterationSummary } from './accounting.js';
export { clearingSucceeded } from './accounting.js';
export { AgentError, batteryUnit } from './roster.js';
export { validateScenario } from './validate.js';
export { isoLocal } from './world.js';

type ClockPhase = 'start' | 'open' | 'close' | 'complete' | 'after' | 'finished';

export class Simulation {
  bus: EventBus;
  agents: AgentInstance[] = [];
  world: World;
  iteration = 0;
  readonly summaries: IterationSummary[] = [];
  /**
   * Lifecycle notifications for observers outside the bus (the recorder, the debugger, a progress
   * bar, a user's script): `bus` with each iteration's new bus, `iteration` with each summary. A
   * plain emitter fits here: synchronous calls to a few listeners, no stream operators.
   */
  readonly lifecycle = new EventEmitter<{ bus: [bus: EventBus, sim: Simulation]; iteration: [summary: IterationSummary] }>();
  private phase: ClockPhase = 'start';
  private nextPeriod = 0;
  private accounts = new IterationAccounts();
  /** battery units placed so far, by bus (the initial ones, then the DSO planner's) */
  private readonly placed: Record<string, number>;
  /** the violation count of every finished iteration (the DSO planner's stopping rule) */
  private readonly history: number[] = [];

  private constructor(private readonly worlds: WorldBuilder) {
    const s = worlds.scenario;
    this.placed = Object.fromEntries(s.batteries.initial.map((b) => [b.bus.toLowerCase(), b.units]));
    this.bus = new EventBus();
    this.world = worlds.build(this.placed);
    this.startIteration();
  }

  /** Loads the feeder, the plugins and the solvers, and builds the first iteration. */
  static async create(loaded: LoadedScenario): Promise<Simulation> {
    return new Simulation(await WorldBuilder.load(loaded));
  }

  get loaded(): LoadedScenario {
    return this.worlds.loaded;
  }

  get scenario(): Scenario {
    return this.worlds.scenario;
  }

  /** the scenario's feeder, without batteries */
  get base(): Feeder {
    return this.worlds.base;
  }

  /** kV line-to-neutral base per bus (the feeder's, completed from `voltage_bases_kv`) */
  get baseKvLn(): readonly (number | undefined)[] {
    return this.worlds.baseKvLn;
  }

  /** the run's registries: built-ins plus the scenario's plugins */
  get registry(): Registry {
    return this.worlds.registry;
  }

  /** bus coordinates: the feeder's own, completed from the scenario's `bus_coords` files */
  get busCoords(): ReadonlyMap<string, { x: number; y: number }> {
    return this.worlds.busCoords;
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
          const a = this.accounts;
          this.publish({
            type: 'run-completed',
            time: periods[periods.length - 1].endS,
            payload: { welfareEur: Number(this.ledger().welfareEur.toFixed(6)), violations: a.violations, violatingBuses: a.buses(), nonConvergedSteps: a.nonConverged, violationEpisodes: a.episodes.episodes },
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
      case 'complete':
        this.completeIteration();
        return;
      default:
        this.phase = 'finished';
    }
  }

  /** Records the iteration's summary; starts the next iteration when the DSO planner reinforced. */
  private completeIteration(): void {
    const a = this.accounts;
    const summary = a.summary(this.iteration, this.world, {
      ledger: this.ledger(),
      gridOperator: this.agent('go')?.state as GridOperatorState,
      dsoDecision: (this.agent('dso')?.state as { decision?: string } | undefined)?.decision,
      marketKkt: (this.agent('mo')?.state as { dayKkt?: KktReport } | undefined)?.dayKkt,
    });
    this.summaries.push(summary);
    this.lifecycle.emit('iteration', summary);
    this.history.push(this.scenario.limits.count === 'violation_episodes' ? a.episodes.episodes : a.violations);
    if (a.reinforcedWith) {
      for (const r of a.reinforcedWith) this.placed[r.bus] = r.units;
      this.iteration++;
      this.bus = new EventBus();
      this.bus.iteration = this.iteration;
      this.world = this.worlds.build(this.placed);
      this.startIteration();
    } else {
      this.phase = 'finished';
    }
  }

  private startIteration(): void {
    this.phase = 'start';
    this.nextPeriod = 0;
    const accounts = new IterationAccounts();
    this.accounts = accounts;
    this.agents = buildRoster(this.world, this.registry.agentKinds, { placed: this.placed, history: this.history, iteration: this.iteration });
    // the counts first, then the agents in their fixed order; each sees every event once, in bus order
    this.bus.listen((e) => accounts.observe(e));
    deliverTo(this.bus, this.agents, this.world);
    this.lifecycle.emit('bus', this.bus, this);
  }
}
