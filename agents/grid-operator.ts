/**
 * Grid operator: maps every agent's dispatch onto its feeder element (a prosumer onto its load, a
 * battery onto its injection load at its bus; other loads follow their own load shapes), runs one
 * power flow per sub-step of the period (warm-started), checks limits — bus voltages within
 * [v_min, v_max] pu (EN 50160's ±10 % by default) and line currents within their normamps (or the
 * scenario's `line_amps`) — and publishes `grid-solved` per sub-step and one `violation-detected`
 * per element and sub-step. The power-flow state is the agent's physics, kept between periods.
 * A feeder with regulators or capacitor controls is solved in OpenDSS's static control mode
 * (grid/controls): every sub-step runs its control loop, and taps and capacitor steps carry over.
 */
import { ControlledPowerFlow, hasControls } from '../grid/controls/static-control.js';
import { LemsimError } from '../src/errors.js';
import type { SolverModel } from '../grid/powerflow/compile.js';
import { GridMeter, checkPowerBalance } from '../grid/powerflow/result.js';
import { type LoadPowers, PowerFlowState, newLoadPowers, setLoadPowersAt } from '../grid/powerflow/solve.js';
import type { AnyDraft } from '../src/kernel/events.js';
import type { AgentKind, World } from './agent.js';
import { solveRegulated } from '../grid/powerflow/regulate.js';
import { demandKwAt } from './prosumer.js';
import { roundTo } from './round.js';

/** The feeder element an agent drives: a load index, and whether it draws reactive power. */
export interface DrivenElement {
  readonly load: number;
  /**
   * prosumers draw their load's reactive power as the load defines it at each instant (Qmult shape,
   * kvar or PF: `drivenLoadPowers`); batteries run at unity power factor
   */
  readonly keepsPowerFactor: boolean;
  /** paper 004 (`power_flow.passive_demand: load-shape`): a passive consumer draws its own profile within the period */
  readonly followsShape?: boolean;
}

/** What the market dispatched to an element: net power and the consumption inside it, kW. */
export interface ElementDispatch {
  /** net power, grid convention: consumed > 0, produced < 0 */
  readonly pKw: number;
  /** the load's own consumption (≥ 0; a prosumer's bought kW): what draws reactive power; PV injects at unity power factor */
  readonly consumptionKw: number;
}

export interface GridOperatorConfig {
  readonly elementOf: ReadonlyMap<string, DrivenElement>;
}

/** The operator's physics: the live power-flow state (mutable, owned by this agent alone). */
export interface GridEngine {
  readonly pf: PowerFlowState;
  readonly powers: LoadPowers;
  /** the meter of the model in force (a control that moves a tap brings a new model) */
  meter: GridMeter;
  meterModel: SolverModel;
  /** the feeder's controls, when it has any (then they own the solve) */
  readonly controls: ControlledPowerFlow | undefined;
}

export interface GridOperatorState {
  readonly id: string;
  readonly elementOf: ReadonlyMap<string, DrivenElement>;
  readonly period: number;
  readonly expected: number;
  readonly dispatch: Readonly<Record<string, ElementDispatch>>;
  readonly solves: number;
  readonly nonConverged: number;
  readonly violations: number;
  /** voltage statistics over every sub-step, bus and phase node (seed 004, Tables 3–4) */
  readonly vStats: VoltageStats;
}

/** Running sums for the average voltage and the mean absolute deviation from nominal. */
export interface VoltageStats {
  n: number;
  sumPu: number;
  sumAbsDev: number;
  nPos: number;
  sumPos: number;
  nNeg: number;
  sumNeg: number;
}

export function emptyVoltageStats(): VoltageStats {
  return { n: 0, sumPu: 0, sumAbsDev: 0, nPos: 0, sumPos: 0, nNeg: 0, sumNeg: 0 };
}

/**
 * Average voltage (pu) and MAE of deviations from `nominalPu`, in % of nominal (all, >0, <0); null
 * when no power flow converged (no voltage was measured: never a quiet zero).
 */
export function voltageSummary(s: VoltageStats, nominalPu: number): { average_pu: number | null; difference_from_nominal_pct: number | null; mae_all_pct: number | null; mae_positive_pct: number | null; mae_negative_pct: number | null } {
  const r = (x: number) => Number(x.toFixed(6));
  if (s.n === 0) return { average_pu: null, difference_from_nominal_pct: null, mae_all_pct: null, mae_positive_pct: null, mae_negative_pct: null };
  const avg = s.sumPu / s.n;
  return {
    average_pu: r(avg),
    difference_from_nominal_pct: r(((avg - nominalPu) / nominalPu) * 100),
    mae_all_pct: r((s.sumAbsDev / s.n / nominalPu) * 100),
    mae_positive_pct: r(s.nPos > 0 ? (s.sumPos / s.nPos / nominalPu) * 100 : 0),
    mae_negative_pct: r(s.nNeg > 0 ? (s.sumNeg / s.nNeg / nominalPu) * 100 : 0),
  };
}

/**
 * Sets load powers for time `hour` (h since midnight): every load at its own definition (shapes,
 * daily mode, as OpenDSS's daily solve), then each agent's element at its dispatch. A prosumer's
 * reactive power follows its load's definition at that instant: Q = consumption · Q₀/P₀, with P₀, Q₀
 * what the load itself would draw now (Qmult shape, kvar or PF; as OpenDSS computes them), so a load
 * dispatched at its own shape draws exactly its own Q. Where the load draws no P now, it keeps its
 * own Q₀ and adds its base kvar/kW ratio times the consumption. Issue 10, defect 1: the static kvar/kW ratio is 1 on the Costa Rica
 * circuit (`kW=1 kvar=1`, shapes give Q/P ≈ 0.26).
 */
export function drivenLoadPowers(
  m: SolverModel,
  elementOf: ReadonlyMap<string, DrivenElement>,
  dispatch: Readonly<Record<string, ElementDispatch>>,
  hour: number,
  out: LoadPowers,
  within?: ReadonlyMap<string, number>,
  options: { readonly yearlyShapesInDaily?: boolean } = {},
): void {
  setLoadPowersAt(m, hour, 'daily', out, { yearlyShapesInDaily: options.yearlyShapesInDaily === true });
  const loads = m.network.loads;
  for (const [agent, el] of elementOf) {
    const li = el.load;
    const d0 = dispatch[agent];
    // paper 004 (`passive_demand: load-shape`): a passive consumer's own profile around its cleared mean
    const dw = within?.get(agent) ?? 0;
    const pKw = (d0 ? d0.pKw : 0) + dw;
    const consumptionKw = (d0 ? d0.consumptionKw : 0) + dw;
    const l = loads[li];
    let p0 = 0;
    let q0 = 0;
    for (let k = m.loadBrStart[li]; k < m.loadBrStart[li + 1]; k++) {
      p0 += out.pW[k];
      q0 += out.qVar[k];
    }
    const c = Math.max(0, consumptionKw) * 1000;
    // W and var per load; a load that draws Q but no P now (Pmult 0, Qmult > 0) keeps that Q
    const qVar = !el.keepsPowerFactor ? 0 : Math.abs(p0) > 1e-6 ? (q0 * c) / p0 : q0 + (l.kW !== 0 ? (c * l.kvar) / l.kW : 0);
    for (let k = m.loadBrStart[li]; k < m.loadBrStart[li + 1]; k++) {
      out.pW[k] = (pKw * 1000) / l.phases;
      out.qVar[k] = qVar / l.phases;
    }
  }
}

/** Solves every sub-step of the period and returns the events. */
function solvePeriod(world: World, state: GridOperatorState, startS: number): { emit: AnyDraft[]; solves: number; nonConverged: number; violations: number } {
  const { model, network } = world.feeder;
  const lim = world.scenario.limits;
  const period = world.periods[state.period];
  const emit: AnyDraft[] = [];
  let solves = 0;
  let nonConverged = 0;
  let violations = 0;
  const profile = passiveProfiles(world, state, startS, period.endS);
  for (let t = startS; t < period.endS - 1e-9; t += world.subStepS) {
    drivenLoadPowers(world.feeder.model, state.elementOf, state.dispatch, t / 3600, engineOf(world, state.id).powers, profile && deviationsAt(world, profile, t / 3600), { yearlyShapesInDaily: world.scenario.power_flow.yearly_shapes_in_daily });
    const engine = engineOf(world, state.id);
    const options = { tolerance: world.scenario.power_flow.tolerance };
    const hour = Math.floor(t / 3600);
    // the feeder's own controls (regulators, capacitors, inverters) in OpenDSS's static mode; else
    // paper 004's regulated LV bus (the transformer's tap holds it) moves the source EMF each sub-step
    const status = engine.controls
      ? engine.controls.solve(engine.powers, { hour, sec: t - hour * 3600 }, options)
      : world.regulated
        ? solveRegulated(engine.pf, engine.powers, world.regulated, options)
        : engine.pf.solve(engine.powers, options);
    const pf = engine.controls ? engine.controls.powerFlowState : engine.pf;
    if (engine.controls && engine.meterModel !== engine.controls.model) {
      engine.meterModel = engine.controls.model;
      engine.meter = new GridMeter(engine.meterModel);
    }
    solves++;
    if (!status.converged) {
      nonConverged++;
      pf.coldStart();
      emit.push({ type: 'grid-solved', time: t, payload: { period: state.period, converged: false, iterations: status.iterations, minVPu: 0, maxVPu: 0, lossesKw: 0, sourceKw: 0, loadVPu: [], busVPu: [] } });
      // a failure is a result (DESIGN rule 15): counted, seen by the DSO planner, exit 3
      const change = status.lastChangePu;
      emit.push({ type: 'power-flow-not-converged', time: t, payload: { period: state.period, iterations: status.iterations, lastChangePu: Number.isFinite(change) ? change : null } });
      continue;
    }
    const { vRe, vIm } = pf;
    // run-time invariant (DESIGN rule 9): source = loads + losses after every power flow
    const bal = engine.meter.measure(vRe, vIm, engine.powers, pf.sourceScale);
    checkPowerBalance(bal, world.scenario.power_flow.tolerance);
    let minV = Infinity;
    let maxV = -Infinity;
    for (let b = 0; b < network.buses.length; b++) {
      const kv = world.busKvBaseLn[b];
      if (!kv) continue;
      let worst = 0;
      let worstPu = 1;
      // paper 004: statistics only over the studied voltage level (limits.statistics_kv)
      const counted = !world.inStatistics || world.inStatistics[b] === 1;
      for (const k of model.busNodes[b]) {
        const num = model.nodeNumber[k];
        if (num < 1 || num > 3) continue;
        const pu = Math.sqrt(vRe[k] * vRe[k] + vIm[k] * vIm[k]) / (kv * 1000);
        if (counted) addToStats(state.vStats, pu - lim.nominal_v_pu, pu);
        minV = Math.min(minV, pu);
        maxV = Math.max(maxV, pu);
        const dev = pu < lim.v_min_pu ? lim.v_min_pu - pu : pu > lim.v_max_pu ? pu - lim.v_max_pu : 0;
        if (dev > worst) {
          worst = dev;
          worstPu = pu;
        }
      }
      if (worst > 0) {
        violations++;
        const under = worstPu < lim.v_min_pu;
        emit.push({
          type: 'violation-detected',
          time: t,
          payload: { period: state.period, element: `bus.${network.buses[b].name}`, bus: network.buses[b].name, kind: under ? 'undervoltage' : 'overvoltage', value: round(worstPu, 6), limit: under ? lim.v_min_pu : lim.v_max_pu },
        });
      }
    }
    if (lim.check_lines) {
      const maxAmps = engine.meter.maxAmps;
      for (let bi = 0; bi < network.branches.length; bi++) {
        const br = network.branches[bi];
        if (br.kind !== 'line' || model.jumpers[bi]) continue;
        const limit = lim.line_amps ?? br.normAmps;
        if (!(limit > 0)) continue;
        const worst = maxAmps[bi];
        if (worst > limit) {
          violations++;
          emit.push({
            type: 'violation-detected',
            time: t,
            // reinforcement relieves an overloaded line at its receiving end
            payload: { period: state.period, element: br.name, bus: network.buses[br.terminals[br.terminals.length - 1].bus].name, kind: 'overcurrent', value: round(worst, 3), limit },
          });
        }
      }
    }
    const loadVPu = world.loadNodes.map(([, , , k]) => {
      const kv = world.busKvBaseLn[model.nodeBus[k]];
      return kv ? round(Math.sqrt(vRe[k] * vRe[k] + vIm[k] * vIm[k]) / (kv * 1000), 6) : 0;
    });
    const busVPu = world.voltageBuses.map(({ index }) => {
      const kv = world.busKvBaseLn[index]!;
      let sum = 0;
      let n = 0;
      for (const k of model.busNodes[index]) {
        const num = model.nodeNumber[k];
        if (num < 1 || num > 3) continue;
        sum += Math.sqrt(vRe[k] * vRe[k] + vIm[k] * vIm[k]);
        n++;
      }
      return round(sum / n / (kv * 1000), 6);
    });
    emit.push({
      type: 'grid-solved',
      time: t,
      payload: {
        period: state.period,
        converged: true,
        iterations: status.iterations,
        minVPu: Number.isFinite(minV) ? round(minV, 6) : 0,
        maxVPu: Number.isFinite(maxV) ? round(maxV, 6) : 0,
        lossesKw: round(bal.lossesKw, 6),
        sourceKw: round(bal.sourceKw, 6),
        loadVPu,
        busVPu,
      },
    });
  }
  return { emit, solves, nonConverged, violations };
}

/**
 * Paper 004's reference scenario is the feeder's own simulation: passive consumers draw their load
 * profile, minute by minute, not the period's mean the market cleared. For each element that
 * follows its shape: its load and the profile's mean over the period's sub-steps (unscaled kW).
 */
function passiveProfiles(world: World, state: GridOperatorState, startS: number, endS: number): Map<string, { load: number; meanKw: number }> | undefined {
  let out: Map<string, { load: number; meanKw: number }> | undefined;
  for (const [agent, el] of state.elementOf) {
    if (!el.followsShape) continue;
    let sum = 0;
    let n = 0;
    for (let t = startS; t < endS - 1e-9; t += world.subStepS, n++) sum += demandKwAt(world, el.load, t / 3600);
    (out ??= new Map()).set(agent, { load: el.load, meanKw: sum / Math.max(1, n) });
  }
  return out;
}

/** kW each shape-following consumer draws above (+) or below (−) its cleared mean at `hour`; the period's energy is unchanged. */
function deviationsAt(world: World, profile: ReadonlyMap<string, { load: number; meanKw: number }>, hour: number): Map<string, number> {
  const scale = world.scenario.prosumers.load_scale;
  const out = new Map<string, number>();
  for (const [agent, p] of profile) out.set(agent, scale * (demandKwAt(world, p.load, hour) - p.meanKw));
  return out;
}

/** Adds one node's voltage `pu` (deviation `d` from nominal) to the running sums. */
function addToStats(st: VoltageStats, d: number, pu: number): void {
  st.n++;
  st.sumPu += pu;
  st.sumAbsDev += Math.abs(d);
  if (d > 0) {
    st.nPos++;
    st.sumPos += d;
  } else if (d < 0) {
    st.nNeg++;
    st.sumNeg -= d;
  }
}

/** Number(x.toFixed(d)), without the string (agents/round.ts). */
const round = roundTo;

/** The operator's engine for this iteration's feeder, from the world's services (made on first use). */
function engineOf(world: World, agentId: string): GridEngine {
  return world.services.engine(agentId, () => {
    const controls = hasControls(world.feeder.network.circuit) ? new ControlledPowerFlow(world.feeder) : undefined;
    // an ideal regulated bus (paper 004) and the feeder's own regulators would fight over the voltage
    if (controls && world.regulated) throw new LemsimError(`power_flow.regulated_bus (${world.regulated.bus}) cannot be combined with the feeder's own controls (RegControl, CapControl, InvControl): remove one`);
    const pf = new PowerFlowState(world.feeder.model);
    return { pf, powers: newLoadPowers(world.feeder.model), meter: new GridMeter(world.feeder.model), meterModel: world.feeder.model, controls };
  });
}

export const gridOperatorKind: AgentKind<GridOperatorState, GridOperatorConfig> = {
  kind: 'grid-operator',
  handles: ['market-cleared'],
  init(id, config, world) {
    engineOf(world, id);
    return { id, elementOf: config.elementOf, period: -1, expected: 0, dispatch: {}, solves: 0, nonConverged: 0, violations: 0, vStats: emptyVoltageStats() };
  },
  transition(state, event, world) {
    if (event.type === 'market-cleared') {
      // the period's whole dispatch arrives as one batch with the clearing: O(agents) per period
      const dispatch: Record<string, ElementDispatch> = {};
      for (const d of event.payload.dispatch) dispatch[d.agent] = { pKw: d.pKw, consumptionKw: d.boughtKw };
      const next = { ...state, period: event.payload.period, expected: event.payload.dispatches, dispatch };
      const r = solvePeriod(world, next, world.periods[event.payload.period].startS);
      return { state: { ...next, solves: state.solves + r.solves, nonConverged: state.nonConverged + r.nonConverged, violations: state.violations + r.violations }, emit: r.emit };
    }
    return { state };
  },
};
