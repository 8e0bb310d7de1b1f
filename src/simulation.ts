/**
 * The simulation (DESIGN: iterations → periods → sub-steps, all in simulated time). It builds the
 * world and the agents of each reinforcement iteration, owns the bus and the clock, and advances one
 * event at a time: when nothing is queued, the clock publishes the next `period-opened`,
 * `period-closed` or `run-completed`; after a `reinforced`, the next iteration starts on a fresh bus
 * with the added batteries. `step()` is what the debugger calls; `run()` steps to the end.
 */
import { type Feeder, loadFeeder } from '../grid/feeder.js';
import type { Load, Network } from '../grid/model/network.js';
import { compile } from '../grid/powerflow/compile.js';
import { type MilpSolver, loadMilpSolver } from '../markets/solvers/milp.js';
import type { AgentInstance, Period, PlacedBattery, World } from '../agents/agent.js';
import { type BatteryParams, scaleUnits } from '../agents/battery.js';
import { type DrivenElement, type GridOperatorState, voltageSummary } from '../agents/grid-operator.js';
import { agentKinds } from '../agents/registry.js';
import { dayOfYear } from '../agents/solar.js';
import { strategies } from '../agents/strategies/index.js';
import type { Scenario } from '../scenarios/schema.js';
import { EventBus } from './bus.js';
import { ScenarioError } from './errors.js';
import type { AnyDraft, AnyEvent } from './events.js';
import { type LoadedScenario, resolveScenarioPath } from './scenario.js';
import { readFileSync } from 'node:fs';
import { parseBusCoords } from '../grid/dss/interpreter.js';

/**
 * Energy balance of a run (seed 004, Table 2), kWh: self-consumption is each participant's own
 * production consumed on the spot, min(bought, sold) per period; local trading is the rest of the
 * production sold to peers (production − self-consumption − export).
 */
export interface EnergyBalanceKwh {
  consumption: number;
  production: number;
  self_consumption: number;
  local_trading: number;
  import: number;
  export: number;
}

export interface IterationSummary {
  readonly iteration: number;
  readonly welfareEur: number;
  readonly violations: number;
  readonly violatingBuses: readonly string[];
  readonly batteries: readonly { readonly bus: string; readonly units: number }[];
  readonly decision: string | undefined;
  readonly energyBalanceKwh: EnergyBalanceKwh;
  readonly voltage: ReturnType<typeof voltageSummary>;
}

type ClockPhase = 'start' | 'open' | 'close' | 'complete' | 'after' | 'finished';

function clockLabel(s: number): string {
  const m = Math.round(s / 60);
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

function parseClock(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h * 60 + m) * 60;
}

export class Simulation {
  bus: EventBus;
  agents: AgentInstance[] = [];
  world: World;
  iteration = 0;
  readonly summaries: IterationSummary[] = [];
  /** subscribers told of every new iteration's bus (the recorder, the debugger) */
  private readonly busListeners: ((bus: EventBus, sim: Simulation) => void)[] = [];
  private phase: ClockPhase = 'start';
  private nextPeriod = 0;
  private welfare = 0;
  private balance: EnergyBalanceKwh = emptyBalance();
  private violations = 0;
  private violatingBuses = new Set<string>();
  private reinforcedWith: { bus: string; units: number }[] | undefined;
  private placed: Record<string, number>;
  private readonly history: number[] = [];

  private constructor(
    readonly loaded: LoadedScenario,
    readonly base: Feeder,
    readonly baseKvLn: readonly (number | undefined)[],
    private readonly solver: MilpSolver | undefined,
    /** bus coordinates: the feeder's own, completed from the scenario's `bus_coords` files */
    readonly busCoords: ReadonlyMap<string, { x: number; y: number }>,
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
    validateScenario(s, loaded.file);
    const base = loadFeeder(loaded.feederPath);
    const kv = baseVoltages(base, s.voltage_bases_kv);
    const solver = s.market.mechanism === 'auction' ? await loadMilpSolver(s.market.solver) : undefined;
    const coords = new Map<string, { x: number; y: number }>();
    for (const b of base.network.buses) if (b.coords) coords.set(b.name, b.coords);
    s.bus_coords.forEach((written, k) => {
      const path = resolveScenarioPath(written, loaded.file, `bus_coords[${k}]`);
      for (const [bus, xy] of parseBusCoords(readFileSync(path, 'utf8'), path)) if (!coords.has(bus)) coords.set(bus, xy);
    });
    return new Simulation(loaded, base, kv, solver, coords);
  }

  get scenario(): Scenario {
    return this.loaded.scenario;
  }

  get finished(): boolean {
    return this.phase === 'finished';
  }

  /** Calls `fn` with the bus of every iteration, now and later. */
  onBus(fn: (bus: EventBus, sim: Simulation) => void): void {
    this.busListeners.push(fn);
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
            payload: { welfareEur: Number(this.welfare.toFixed(6)), violations: this.violations, violatingBuses: buses },
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
        const b = this.balance;
        const round = (x: number) => Number(x.toFixed(6));
        this.summaries.push({
          energyBalanceKwh: {
            consumption: round(b.consumption),
            production: round(b.production),
            self_consumption: round(b.self_consumption),
            local_trading: round(b.production - b.self_consumption - b.export),
            import: round(b.import),
            export: round(b.export),
          },
          voltage: voltageSummary(go.vStats, this.scenario.limits.nominal_v_pu),
          iteration: this.iteration,
          welfareEur: Number(this.welfare.toFixed(6)),
          violations: this.violations,
          violatingBuses: [...this.violatingBuses].sort(),
          batteries: this.world.batteries.map((b) => ({ bus: b.bus, units: b.units })),
          decision: dso?.decision,
        });
        this.history.push(this.violations);
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
    this.welfare = 0;
    this.balance = emptyBalance();
    this.violations = 0;
    this.violatingBuses = new Set();
    this.reinforcedWith = undefined;
    this.agents = this.buildAgents();
    const bus = this.bus;
    const world = this.world;
    // agents in a fixed order; each sees every event once, in bus order
    const h = world.periodHours;
    bus.events$.subscribe((e) => {
      if (e.type === 'market-cleared') {
        this.welfare += e.payload.welfareEur;
        this.balance.import += e.payload.importKw * h;
        this.balance.export += e.payload.exportKw * h;
      } else if (e.type === 'dispatched') {
        const p = e.payload;
        this.balance.consumption += p.boughtKw * h;
        this.balance.production += p.soldKw * h;
        this.balance.self_consumption += Math.min(p.boughtKw, p.soldKw) * h;
      } else if (e.type === 'violation-detected') {
        this.violations++;
        this.violatingBuses.add(e.payload.bus);
      } else if (e.type === 'reinforced') this.reinforcedWith = [...e.payload.added];
      for (const a of this.agents) {
        if (!a.kind.handles.includes(e.type)) continue;
        const r = a.kind.transition(a.state, e, world);
        a.state = r.state;
        if (r.emit) for (const d of r.emit) bus.publish(d);
      }
    });
    for (const fn of this.busListeners) fn(bus, this);
  }

  private buildWorld(): World {
    const s = this.scenario;
    const from = parseClock(s.horizon.from);
    const to = parseClock(s.horizon.to);
    const step = s.market.period_min * 60;
    const periods: Period[] = [];
    for (let t = from, k = 0; t + step <= to + 1e-9; t += step, k++) periods.push({ index: k, startS: t, endS: t + step, label: clockLabel(t) });
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
      else communityOf.set(id, comm.map[load] ?? 'c1');
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
    return {
      scenario: s,
      voltageBuses,
      periods,
      periodHours: s.market.period_min / 60,
      subStepS: s.power_flow.step_s,
      site: { latitudeDeg: s.solar.latitude, longitudeDeg: s.solar.longitude, dayOfYear: dayOfYear(s.solar.date), utcOffsetH: s.solar.utc_offset_h },
      feeder,
      baseNetwork: this.base.network,
      loadIndex,
      batteries: placed,
      communityOf,
      busKvBaseLn: this.baseKvLn,
      loadNodes,
    };
  }

  private buildAgents(): AgentInstance[] {
    const s = this.scenario;
    const w = this.world;
    const agents: AgentInstance[] = [];
    const add = (id: string, kind: string, config: unknown): void => {
      const k = agentKinds[kind];
      agents.push({ id, kind: k, state: k.init(id, config, w) });
    };
    const elementOf = new Map<string, DrivenElement>();
    const prosumers = [...w.communityOf.keys()].filter((id) => id.startsWith('p-'));
    prosumers.forEach((id, i) => {
      const load = id.slice(2);
      const pv = i % s.prosumers.pv.every === s.prosumers.pv.offset ? s.prosumers.pv.kw : 0;
      let { supply, demand } = s.prosumers.strategy;
      for (const g of s.prosumers.groups) {
        if (!g.loads.some((l) => l.toLowerCase() === load)) continue;
        supply = g.supply ?? supply;
        demand = g.demand ?? demand;
      }
      add(id, 'prosumer', { load, pvKwp: pv, supply, demand });
      elementOf.set(id, { load: w.loadIndex.get(load)!, keepsPowerFactor: true });
    });
    const unit = batteryUnit(s);
    for (const b of w.batteries) {
      add(b.id, 'battery', { bus: b.bus, units: b.units, params: scaleUnits(unit, b.units), soc: s.batteries.unit.soc });
      elementOf.set(b.id, { load: b.loadIndex, keepsPowerFactor: false });
    }
    const communities = [...new Set(w.communityOf.values())].sort();
    for (const c of communities) add(`cm-${c}`, 'community-manager', { community: c, members: [...w.communityOf].filter(([, cc]) => cc === c).map(([id]) => id) });
    add('mo', 'market-operator', { solver: this.solver });
    add('go', 'grid-operator', { elementOf });
    add('dso', 'dso-planner', {
      enabled: s.reinforcement.enabled,
      maxIterations: s.reinforcement.max_iterations,
      unitSteps: s.reinforcement.unit_steps,
      placed: { ...this.placed },
      history: [...this.history],
      iteration: this.iteration,
    });
    return agents;
  }
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

/** Checks references the schema cannot: strategy names and the sides they serve. */
function validateScenario(s: Scenario, file: string): void {
  const check = (ref: { name: string; params: Record<string, number> }, side: 'supply' | 'demand', path: string): void => {
    const st = strategies[ref.name];
    if (!st) throw new ScenarioError(file, `${path}.name`, `unknown strategy '${ref.name}' (known: ${Object.keys(strategies).join(', ')})`);
    if (!st.sides.includes(side)) throw new ScenarioError(file, `${path}.name`, `strategy '${ref.name}' does not bid on the ${side} side`);
    for (const key of Object.keys(ref.params)) {
      if (!(key in st.defaults) && key !== 'nominal_price') throw new ScenarioError(file, `${path}.params.${key}`, `unknown parameter of strategy '${ref.name}' (known: ${Object.keys(st.defaults).join(', ')})`);
    }
  };
  for (const side of ['supply', 'demand'] as const) {
    check(s.batteries.strategy, side, 'batteries.strategy');
    check(s.prosumers.strategy[side], side, `prosumers.strategy.${side}`);
    s.prosumers.groups.forEach((g, k) => {
      const ref = g[side];
      if (ref) check(ref, side, `prosumers.groups[${k}].${side}`);
    });
  }
  if (s.horizon.to <= s.horizon.from && s.horizon.to !== '24:00') throw new ScenarioError(file, 'horizon.to', `must be after horizon.from (${s.horizon.from})`);
  if (s.batteries.unit.soc_min > s.batteries.unit.soc_max) throw new ScenarioError(file, 'batteries.unit.soc_min', 'is above soc_max');
}

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

function emptyBalance(): EnergyBalanceKwh {
  return { consumption: 0, production: 0, self_consumption: 0, local_trading: 0, import: 0, export: 0 };
}
