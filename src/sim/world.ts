/**
 * The world of a run (DESIGN: `world.ts`): what every agent may read, built once per reinforcement
 * iteration. `WorldBuilder.load` reads what all iterations share (the feeder and its voltage bases,
 * the run's registries with the scenario's plugins, bus coordinates, a measured PV profile, the MILP
 * backend and HiGHS); `build` places the iteration's batteries on the feeder as injection loads,
 * compiles it, assigns communities and makes the iteration's services. The forecasts are one service
 * for the run (the feeder loads keep their indices in every iteration's network).
 */
import { readFileSync } from 'node:fs';
import { type Feeder, loadFeeder } from '../../grid/feeder.js';
import { parseBusCoords } from '../../grid/dss/interpreter.js';
import type { Load, Network } from '../../grid/model/network.js';
import { type SolverModel, compile } from '../../grid/powerflow/compile.js';
import { type HighsModule, loadHighs } from '../../markets/solvers/highs.js';
import { type MilpSolver, loadMilpSolver } from '../../markets/solvers/milp.js';
import type { Period, PlacedBattery, RegulatedBusNodes, World } from '../../agents/agent.js';
import { Forecasts } from '../../agents/forecast.js';
import { CloudField, cloudParams } from '../../agents/clouds.js';
import { type HandedElements, nearestProsumerLoad, resolveHandedElements } from '../../agents/feeder-elements.js';
import { type PvProfile, dayOfYear } from '../../agents/solar.js';
import type { Scenario } from '../../scenarios/schema.js';
import { ScenarioError } from '../errors.js';
import { readPvProfile } from '../io/pv-profile.js';
import { clockLabel, clockSeconds } from '../kernel/clock.js';
import { Services } from '../kernel/services.js';
import { type LoadedScenario, confine, confinedFileSystem, resolveScenarioPath } from '../scenario.js';
import { type Registry, buildRegistry } from './plugins.js';
import { checkLoadNames, checkProfileCovers, validateScenario } from './validate.js';

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


/** Builds each iteration's world from what the run's iterations share. */
export class WorldBuilder {
  private forecasts: { periods: readonly Period[]; forecast: Forecasts } | undefined;

  private constructor(
    readonly loaded: LoadedScenario,
    /** the scenario's feeder, without batteries */
    readonly base: Feeder,
    /** kV line-to-neutral base per bus: the feeder's, completed from `voltage_bases_kv` */
    readonly baseKvLn: readonly (number | undefined)[],
    /** the run's registries: built-ins plus the scenario's plugins */
    readonly registry: Registry,
    /** bus coordinates: the feeder's own, completed from the scenario's `bus_coords` files */
    readonly busCoords: ReadonlyMap<string, { x: number; y: number }>,
    private readonly milp: MilpSolver | undefined,
    /** HiGHS for the day-ahead community market */
    private readonly highs: HighsModule | undefined,
    /** `solar.source: file`: the measured profile */
    private readonly pvFile: PvProfile | undefined,
    /** issue 12: the feeder's PVSystems and Storage handed to agents */
    private readonly handed: HandedElements,
  ) {}

  /** Loads the plugins, the feeder and the solvers the mechanism needs, and checks the scenario against them. */
  static async load(loaded: LoadedScenario): Promise<WorldBuilder> {
    const s = loaded.scenario;
    const registry = await buildRegistry(s.plugins, loaded.file, loaded.allowPaths ?? []);
    validateScenario(s, loaded.file, registry);
    const roots = loaded.allowPaths ?? [];
    const base = loadFeeder(loaded.feederPath, confinedFileSystem(roots));
    checkLoadNames(s, base, loaded.file);
    const handed = resolveHandedElements(s, base.network, prosumerLoadNames(s, base.network), loaded.file);
    const kv = baseVoltages(base, s.voltage_bases_kv);
    const milp = registry.mechanisms[s.market.mechanism].needsMilp ? await loadMilpSolver(s.market.solver) : undefined;
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
    return new WorldBuilder(loaded, base, kv, registry, coords, milp, highs, pvFile, handed);
  }

  get scenario(): Scenario {
    return this.loaded.scenario;
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
      // issue 13: the seeded cloud model over the horizon (agents/clouds.ts)
      const c = s.solar.clouds;
      const clouds = c ? new CloudField(s.seed, cloudParams(c), clockSeconds(s.horizon.from) / 3600, clockSeconds(s.horizon.to) / 3600) : undefined;
      this.forecasts = { periods, forecast: new Forecasts(this.base.network, periods, this.pvProfile(), s.prosumers.load_scale, this.base.network.loads.map((_, i) => i), clouds) };
    }
    return this.forecasts!.forecast;
  }

  /** The world of one iteration: the feeder with `unitsAt` (bus → battery units) placed on it. */
  build(unitsAt: Readonly<Record<string, number>>): World {
    const s = this.scenario;
    const from = clockSeconds(s.horizon.from);
    const to = clockSeconds(s.horizon.to);
    const step = s.market.period_min * 60;
    const periods: Period[] = [];
    for (let t = from, k = 0; t + step <= to + 1e-9; t += step, k++) periods.push({ index: k, startS: t, endS: t + step, label: clockLabel(t), iso: isoLocal(s.solar.date, t) });
    const batteries = Object.entries(unitsAt)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([bus, units]) => ({ bus, units }));
    const { network, placed } = withBatteries(this.base.network, this.base, batteries, this.loaded.file);
    const model = compile(network);
    const feeder: Feeder = { network, model, busKvBaseLn: this.baseKvLn };
    const loadIndex = new Map(network.loads.map((l, i) => [l.name.slice('load.'.length), i]));
    const prosumerLoads = prosumerLoadNames(s, this.base.network);
    const communityOf = new Map<string, string>();
    const comm = s.prosumers.communities;
    prosumerLoads.forEach((load, i) => {
      const id = `p-${load}`;
      if ('count' in comm) communityOf.set(id, `c${Math.floor((i * comm.count) / prosumerLoads.length) + 1}`);
      else communityOf.set(id, Object.hasOwn(comm.map, load) ? comm.map[load] : 'c1');
    });
    for (const b of placed) communityOf.set(b.id, nearestCommunity(b, network, communityOf, loadIndex));
    // issue 12: a feeder Storage joins the community of the prosumer nearest to it
    for (const st of this.handed.storage) communityOf.set(st.id, communityOf.get(`p-${nearestProsumerLoad(network, network.pces[st.pce].terminal.bus, prosumerLoads)}`) ?? 'c1');
    const loadNodes: [string, string, number, number][] = [];
    // each (load, system node) once: a load whose terminal lists a node twice reports it once
    const listed = new Set<string>();
    this.base.network.loads.forEach((l, li) => {
      const nodes = model.loadNodes[li];
      const name = l.name.slice('load.'.length);
      l.terminal.nodes.forEach((num, c) => {
        const key = `${nodes[c]} ${name}`;
        if (nodes[c] >= 0 && !listed.has(key)) {
          listed.add(key);
          loadNodes.push([name, network.buses[l.terminal.bus].name, num, nodes[c]]);
        }
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
      services: new Services(this.milp, this.highs),
      strategies: this.registry.strategies,
      managerStrategies: this.registry.managerStrategies,
      mechanism: this.registry.mechanisms[s.market.mechanism],
      forecast: this.forecastFor(periods),
      handed: this.handed,
    };
  }
}

/** The prosumers' loads (without `load.`, lower case): all of the feeder's, or `prosumers.loads`. */
function prosumerLoadNames(s: Scenario, network: Network): string[] {
  return s.prosumers.loads === 'all' ? network.loads.map((l) => l.name.slice('load.'.length)) : s.prosumers.loads.map((l) => l.toLowerCase());
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

