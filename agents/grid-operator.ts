/**
 * Grid operator: maps every agent's dispatch onto its feeder element (a prosumer onto its load, a
 * battery onto its injection load at its bus; other loads follow their own load shapes), runs one
 * power flow per sub-step of the period (warm-started), checks limits — bus voltages within
 * [v_min, v_max] pu (EN 50160's ±10 % by default) and line currents within their normamps (or the
 * scenario's `line_amps`) — and publishes `grid-solved` per sub-step and one `violation-detected`
 * per element and sub-step. The power-flow state is the agent's physics, kept between periods.
 */
import { GridMeter, checkPowerBalance } from '../grid/powerflow/result.js';
import { type LoadPowers, PowerFlowState, newLoadPowers, setLoadPowersAt } from '../grid/powerflow/solve.js';
import type { AnyDraft } from '../src/events.js';
import type { AgentKind, World } from './agent.js';

/** The feeder element an agent drives: a load index, and whether it draws reactive power. */
export interface DrivenElement {
  readonly load: number;
  /** prosumers keep their load's power factor when consuming; batteries run at unity */
  readonly keepsPowerFactor: boolean;
}

export interface GridOperatorConfig {
  readonly elementOf: ReadonlyMap<string, DrivenElement>;
}

/** The operator's physics: the live power-flow state (mutable, owned by this agent alone). */
export interface GridEngine {
  readonly pf: PowerFlowState;
  readonly powers: LoadPowers;
  readonly meter: GridMeter;
}

export interface GridOperatorState {
  readonly id: string;
  readonly elementOf: ReadonlyMap<string, DrivenElement>;
  readonly engine: GridEngine;
  readonly period: number;
  readonly expected: number;
  readonly dispatch: Readonly<Record<string, number>>;
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

/** Average voltage (pu) and MAE of deviations from `nominalPu`, in % of nominal (all, >0, <0). */
export function voltageSummary(s: VoltageStats, nominalPu: number): { average_pu: number; difference_from_nominal_pct: number; mae_all_pct: number; mae_positive_pct: number; mae_negative_pct: number } {
  const r = (x: number) => Number(x.toFixed(6));
  const avg = s.n > 0 ? s.sumPu / s.n : 0;
  return {
    average_pu: r(avg),
    difference_from_nominal_pct: r(s.n > 0 ? ((avg - nominalPu) / nominalPu) * 100 : 0),
    mae_all_pct: r(s.n > 0 ? (s.sumAbsDev / s.n / nominalPu) * 100 : 0),
    mae_positive_pct: r(s.nPos > 0 ? (s.sumPos / s.nPos / nominalPu) * 100 : 0),
    mae_negative_pct: r(s.nNeg > 0 ? (s.sumNeg / s.nNeg / nominalPu) * 100 : 0),
  };
}

/** Sets load powers for time `hourOfDay`: shapes for the others, dispatch for agents' elements. */
function applyDispatch(world: World, state: GridOperatorState, hour: number): void {
  const m = world.feeder.model;
  setLoadPowersAt(m, hour, 'daily', state.engine.powers, { yearlyShapesInDaily: world.scenario.power_flow.yearly_shapes_in_daily });
  const loads = world.feeder.network.loads;
  for (const [agent, el] of state.elementOf) {
    const li = el.load;
    const pKw = state.dispatch[agent] ?? 0;
    const l = loads[li];
    // consumption keeps the load's own power factor; net export is at unity power factor
    const ratio = l.kW !== 0 ? l.kvar / l.kW : 0;
    const qKvar = el.keepsPowerFactor ? ratio * Math.max(0, pKw) : 0;
    for (let k = m.loadBrStart[li]; k < m.loadBrStart[li + 1]; k++) {
      state.engine.powers.pW[k] = (pKw * 1000) / l.phases;
      state.engine.powers.qVar[k] = (qKvar * 1000) / l.phases;
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
  for (let t = startS; t < period.endS - 1e-9; t += world.subStepS) {
    applyDispatch(world, state, t / 3600);
    const status = state.engine.pf.solve(state.engine.powers, { tolerance: world.scenario.power_flow.tolerance });
    solves++;
    if (!status.converged) {
      nonConverged++;
      state.engine.pf.coldStart();
      emit.push({ type: 'grid-solved', time: t, payload: { period: state.period, converged: false, iterations: status.iterations, minVPu: 0, maxVPu: 0, lossesKw: 0, sourceKw: 0, loadVPu: [], busVPu: [] } });
      continue;
    }
    const { vRe, vIm } = state.engine.pf;
    // run-time invariant (DESIGN rule 9): source = loads + losses after every power flow
    const bal = state.engine.meter.measure(vRe, vIm, state.engine.powers);
    checkPowerBalance(bal, world.scenario.power_flow.tolerance);
    let minV = Infinity;
    let maxV = -Infinity;
    for (let b = 0; b < network.buses.length; b++) {
      const kv = world.busKvBaseLn[b];
      if (!kv) continue;
      let worst = 0;
      let worstPu = 1;
      for (const k of model.busNodes[b]) {
        const num = model.nodeNumber[k];
        if (num < 1 || num > 3) continue;
        const pu = Math.sqrt(vRe[k] * vRe[k] + vIm[k] * vIm[k]) / (kv * 1000);
        const st = state.vStats;
        const d = pu - lim.nominal_v_pu;
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
      network.branches.forEach((br, bi) => {
        if (br.kind !== 'line' || model.jumpers[bi]) return;
        const limit = lim.line_amps ?? br.normAmps;
        if (!(limit > 0)) return;
        const worst = state.engine.meter.maxAmps[bi];
        if (worst > limit) {
          violations++;
          emit.push({
            type: 'violation-detected',
            time: t,
            // reinforcement relieves an overloaded line at its receiving end
            payload: { period: state.period, element: br.name, bus: network.buses[br.terminals[br.terminals.length - 1].bus].name, kind: 'overcurrent', value: round(worst, 3), limit },
          });
        }
      });
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

function round(x: number, d: number): number {
  return Number(x.toFixed(d));
}

export const gridOperatorKind: AgentKind<GridOperatorState, GridOperatorConfig> = {
  kind: 'grid-operator',
  handles: ['market-cleared', 'dispatched'],
  init(id, config, world) {
    const pf = new PowerFlowState(world.feeder.model);
    return { id, elementOf: config.elementOf, engine: { pf, powers: newLoadPowers(world.feeder.model), meter: new GridMeter(world.feeder.model) }, period: -1, expected: 0, dispatch: {}, solves: 0, nonConverged: 0, violations: 0, vStats: emptyVoltageStats() };
  },
  transition(state, event, world) {
    if (event.type === 'market-cleared') {
      const next = { ...state, period: event.payload.period, expected: event.payload.dispatches, dispatch: {} };
      if (next.expected > 0) return { state: next };
      const r = solvePeriod(world, next, event.time);
      return { state: { ...next, solves: state.solves + r.solves, nonConverged: state.nonConverged + r.nonConverged, violations: state.violations + r.violations }, emit: r.emit };
    }
    if (event.type === 'dispatched') {
      const dispatch = { ...state.dispatch, [event.payload.agent]: event.payload.pKw };
      const next = { ...state, dispatch };
      if (Object.keys(dispatch).length < state.expected) return { state: next };
      const r = solvePeriod(world, next, world.periods[state.period].startS);
      return { state: { ...next, solves: state.solves + r.solves, nonConverged: state.nonConverged + r.nonConverged, violations: state.violations + r.violations }, emit: r.emit };
    }
    return { state };
  },
};
