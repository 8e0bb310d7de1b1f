/**
 * Grid operator: maps every agent's dispatch onto its feeder element (a prosumer onto its load, a
 * battery onto its injection load at its bus; other loads follow their own load shapes), runs one
 * power flow per sub-step of the period (warm-started), checks limits — bus voltages within
 * [v_min, v_max] pu (EN 50160's ±10 % by default), line currents within their normamps (or the
 * scenario's `line_amps`) and transformer loading within NormAmps (OpenDSS's %Normal; counted only
 * under `limits.transformer_overloads: reinforce`, reported always) — and publishes `grid-solved` per
 * sub-step and one `violation-detected` per element and sub-step. Each sub-step also meters every branch (grid/powerflow/branch-flows.ts:
 * terminal-1 current and losses, checked to add up to the power balance's losses) into the running
 * loading and loss statistics of branches.csv. The power-flow state is the agent's physics, kept between periods.
 * A feeder with regulators or capacitor controls is solved in OpenDSS's static control mode
 * (grid/controls): every sub-step runs its control loop, and taps and capacitor steps carry over.
 */
import { ControlledPowerFlow, hasControls } from '../grid/controls/static-control.js';
import { LemsimError } from '../src/errors.js';
import type { SolverModel } from '../grid/powerflow/compile.js';
import { GridMeter, checkPowerBalance } from '../grid/powerflow/result.js';
import { type BranchFlows, type BranchStats, addBranchFlows, branchFlows, checkBranchLosses, cloneBranchStats, emptyBranchStats, loadingPct, newBranchFlows, transformerOverloads } from '../grid/powerflow/branch-flows.js';
import { type LoadPowers, PowerFlowState, newLoadPowers, setLoadPowersAt } from '../grid/powerflow/solve.js';
import type { AnyDraft } from '../src/kernel/events.js';
import type { AgentKind, World } from './agent.js';
import { solveRegulated } from '../grid/powerflow/regulate.js';
import { type PceRuntime, pvSystemPower, requestStorageKw, updateStorage } from '../grid/powerflow/pce-power.js';
import type { PvSystemPce } from '../grid/model/pces.js';
import { type BatteryParams, storageEnergyChangeKwh } from './battery.js';
import { QUANTITY_TICK_KW } from '../markets/auction/offers.js';
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
  /**
   * issue 12 (agents/feeder-elements.ts): the feeder PVSystems that are this prosumer's PV (indices
   * into network.pces; the load then takes only the consumption), or the feeder Storage this battery
   * is (`load` is then −1: the element itself is driven) with its physics for the energy check
   */
  readonly pvElements?: readonly number[];
  readonly storageElement?: { readonly pce: number; readonly params: BatteryParams; readonly kwh0: number };
}

/** What the market dispatched to an element: net power and the consumption inside it, kW. */
export interface ElementDispatch {
  /** net power, grid convention: consumed > 0, produced < 0 */
  readonly pKw: number;
  /** the load's own consumption (≥ 0; a prosumer's bought kW): what draws reactive power; PV injects at unity power factor */
  readonly consumptionKw: number;
  /** issue 12: share of its feeder PVSystems' unconstrained output the market took (sold / available, in [0, 1]) */
  readonly pvShare?: number;
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
  /** branch currents and losses of the last solve (branches.csv; remade with the meter's model), and every branch's NormAmps */
  flows: BranchFlows;
  readonly normAmps: Float64Array;
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
  /**
   * stored energy of every feeder Storage after the last period, kWh, by element name: the operator's
   * physics, written into the power-flow engine before each period (so a restored snapshot restores it)
   */
  readonly storageKwh: Readonly<Record<string, number>>;
  /** issue 14 (branches.csv): loading and losses of every branch over every converged sub-step */
  readonly branchStats: BranchStats;
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
  // issue 12: the market's dispatch of the feeder's own PVSystems and Storage, set before their powers are computed
  if (out.pce) driveHandedElements(m, elementOf, dispatch, hour, out.pce);
  setLoadPowersAt(m, hour, 'daily', out, { yearlyShapesInDaily: options.yearlyShapesInDaily === true });
  const loads = m.network.loads;
  for (const [agent, el] of elementOf) {
    const li = el.load;
    if (li < 0) continue;
    const dd = dispatch[agent];
    const consumed = dd ? dd.consumptionKw : 0;
    // a prosumer whose PV is a feeder PVSystem: the element produces, the load consumes
    const net = el.pvElements ? consumed : dd ? dd.pKw : 0;
    // paper 004 (`passive_demand: load-shape`): a passive consumer's own profile around its cleared mean
    const dw = within?.get(agent) ?? 0;
    const pKw = net + dw;
    const consumptionKw = consumed + dw;
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

/**
 * issue 12: a handed Storage is asked for the battery's dispatch (OpenDSS Set_kW: kW > 0 discharges,
 * the market's charge > 0 is a negative request); a handed PVSystem is capped at its owner's `pvShare`
 * of what it would deliver now unconstrained (the inverter state is only read here; the power flow's
 * own evaluation moves it).
 */
function driveHandedElements(m: SolverModel, elementOf: ReadonlyMap<string, DrivenElement>, dispatch: Readonly<Record<string, ElementDispatch>>, hour: number, rt: PceRuntime): void {
  const pces = m.network.pces;
  for (const [agent, el] of handedOf(elementOf)) {
    const d = dispatch[agent];
    if (el.storageElement) requestStorageKw(rt, el.storageElement.pce, d ? -d.pKw : 0);
    if (!el.pvElements) continue;
    const share = d?.pvShare ?? 0;
    for (const pi of el.pvElements) {
      if (share >= 1) {
        rt.kwLimit[pi] = Number.NaN;
        continue;
      }
      const free = pvSystemPower(pces[pi] as PvSystemPce, hour, 'daily', rt.inverterOn[pi] === 1).kW;
      rt.kwLimit[pi] = share * free;
    }
  }
}

const handedCache = new WeakMap<ReadonlyMap<string, DrivenElement>, readonly (readonly [string, DrivenElement])[]>();

/** The agents that drive a feeder PVSystem or Storage (computed once per roster: a period costs O(handed), not O(agents)). */
function handedOf(elementOf: ReadonlyMap<string, DrivenElement>): readonly (readonly [string, DrivenElement])[] {
  let list = handedCache.get(elementOf);
  if (!list) {
    list = [...elementOf].filter(([, el]) => el.pvElements !== undefined || el.storageElement !== undefined);
    handedCache.set(elementOf, list);
  }
  return list;
}

/**
 * issue 12, run-time invariants (DESIGN rule 9) of the handed elements over one period: each
 * prosumer's PVSystems delivered, on the mean of the sub-steps' set powers, exactly what the market
 * sold; each Storage was set to its dispatch at every sub-step and its stored energy (integrated by
 * the grid from its terminal power) is what the battery's physics gives for the dispatch. A gap is a
 * LemsimError naming the element (the element's voltage left its Vminpu–Vmaxpu band, so it stopped
 * being constant power, or a modelling error).
 */
function checkHandedElements(world: World, state: GridOperatorState, pvSetKw: ReadonlyMap<string, number>, storageSet: ReadonlyMap<string, number>, subSteps: number, rt: PceRuntime): void {
  const pces = world.feeder.network.pces;
  for (const [agent, el] of handedOf(state.elementOf)) {
    const d = state.dispatch[agent] ?? { pKw: 0, consumptionKw: 0 };
    if (el.pvElements) {
      const sold = d.consumptionKw - d.pKw;
      const got = (pvSetKw.get(agent) ?? 0) / Math.max(1, subSteps);
      // an offer of the whole output rounds to the auction's watt (markets/auction/offers.ts): the
      // market may sell up to half a tick more than the sun gives, which the element cannot deliver
      const slack = QUANTITY_TICK_KW / 2 + 1e-9;
      if (!(got <= sold + 1e-6 * Math.max(1, sold) && got >= sold - slack - 1e-6 * Math.max(1, sold))) {
        throw new LemsimError(`period ${state.period}: ${agent}'s feeder PV (${el.pvElements.map((pi) => pces[pi].name).join(', ')}) delivered ${got.toFixed(9)} kW on average, the market sold ${sold.toFixed(9)} kW`);
      }
    }
    if (el.storageElement) {
      const e = el.storageElement;
      const name = pces[e.pce].name;
      const setOk = storageSet.get(agent) ?? 0;
      if (setOk !== subSteps) throw new LemsimError(`period ${state.period}: ${name} was not at ${agent}'s dispatch ${(-d.pKw).toFixed(6)} kW (OpenDSS kW) in ${subSteps - setOk} of ${subSteps} sub-steps, though neither full nor at %reserve (below %cutout, or limited by kVA)`);
      const before = state.storageKwh[name] ?? e.kwh0;
      const expected = Math.min(e.params.capacityKwh, Math.max(e.params.socMin * e.params.capacityKwh, before + storageEnergyChangeKwh(e.params, d.pKw, world.periodHours)));
      if (!(Math.abs(rt.kwh[e.pce] - expected) <= 1e-6 * Math.max(1, e.params.capacityKwh))) {
        throw new LemsimError(`period ${state.period}: ${name} stores ${rt.kwh[e.pce].toFixed(6)} kWh after ${agent}'s dispatch of ${d.pKw.toFixed(6)} kW; its physics give ${expected.toFixed(6)} kWh (its terminal voltage may have left Vminpu–Vmaxpu)`);
      }
    }
  }
}

/** The stored energy of every feeder Storage: from the operator's state into the engine (before a period), or back (after). */
function syncStorage(world: World, state: GridOperatorState, rt: PceRuntime | undefined, into: boolean): Record<string, number> {
  const out: Record<string, number> = {};
  if (!rt) return out;
  world.feeder.network.pces.forEach((p, pi) => {
    if (p.kind !== 'storage') return;
    if (into && Object.hasOwn(state.storageKwh, p.name)) rt.kwh[pi] = state.storageKwh[p.name];
    out[p.name] = rt.kwh[pi];
  });
  return out;
}

/** Solves every sub-step of the period and returns the events. */
function solvePeriod(world: World, state: GridOperatorState, startS: number): { emit: AnyDraft[]; solves: number; nonConverged: number; violations: number; storageKwh: Readonly<Record<string, number>> } {
  const { model, network } = world.feeder;
  const lim = world.scenario.limits;
  const period = world.periods[state.period];
  const emit: AnyDraft[] = [];
  let solves = 0;
  let nonConverged = 0;
  let violations = 0;
  const profile = passiveProfiles(world, state, startS, period.endS);
  // issue 12: what the handed PVSystems and Storage were set to, for the period's invariants
  const pvSetKw = new Map<string, number>();
  const storageSet = new Map<string, number>();
  let subSteps = 0;
  let allConverged = true;
  syncStorage(world, state, engineOf(world, state.id).powers.pce, true);
  for (let t = startS; t < period.endS - 1e-9; t += world.subStepS) {
    drivenLoadPowers(world.feeder.model, state.elementOf, state.dispatch, t / 3600, engineOf(world, state.id).powers, profile && deviationsAt(world, profile, t / 3600), { yearlyShapesInDaily: world.scenario.power_flow.yearly_shapes_in_daily });
    const engine = engineOf(world, state.id);
    subSteps++;
    recordHandedSetpoints(world.feeder.model, state, engine.powers, pvSetKw, storageSet);
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
      allConverged = false;
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
    // OpenDSS's end of a step: every Storage's energy integrated from its terminal power (issue 12)
    updateStorage(engine.controls ? engine.controls.model : world.feeder.model, vRe, vIm, engine.powers, world.subStepS / 3600);
    // branches.csv: every branch's current and losses, which must add up to the balance's losses
    if (engine.flows.model !== engine.meterModel) engine.flows = newBranchFlows(engine.meterModel);
    branchFlows(engine.meterModel, vRe, vIm, engine.flows);
    checkBranchLosses(engine.flows, bal.lossesKw, bal.termsKva);
    addBranchFlows(state.branchStats, engine.flows, engine.normAmps, world.subStepS / 3600, t / 60);
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
          payload: { period: state.period, element: `bus.${network.buses[b].name}`, bus: network.buses[b].name, kind: under ? 'undervoltage' : 'overvoltage', value: round(worstPu, 6), limit: under ? lim.v_min_pu : lim.v_max_pu, elementKind: 'bus', counted: true },
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
            payload: { period: state.period, element: br.name, bus: network.buses[br.terminals[br.terminals.length - 1].bus].name, kind: 'overcurrent', value: round(worst, 3), limit, elementKind: 'line', loadingPct: round(loadingPct(worst, limit), 4), counted: true },
          });
        }
      }
    }
    // transformers above NormAmps (OpenDSS's %Normal, from this sub-step's branch flows): always
    // reported; counted, and so answered by the planner at the secondary bus, only under
    // limits.transformer_overloads: reinforce
    const countTransformers = lim.transformer_overloads === 'reinforce';
    for (const o of transformerOverloads(engine.flows)) {
      const br = network.branches[o.branch];
      if (countTransformers) violations++;
      emit.push({
        type: 'violation-detected',
        time: t,
        payload: { period: state.period, element: br.name, bus: network.buses[br.terminals[br.terminals.length - 1].bus].name, kind: 'overcurrent', value: round(o.amps, 6), limit: round(o.normAmps, 6), elementKind: 'transformer', loadingPct: round(o.loadingPct, 4), counted: countTransformers },
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
  const rt = engineOf(world, state.id).powers.pce;
  // a sub-step that did not converge integrated no energy: the check would be meaningless (the failure is reported)
  if (rt && allConverged) checkHandedElements(world, state, pvSetKw, storageSet, subSteps, rt);
  return { emit, solves, nonConverged, violations, storageKwh: syncStorage(world, state, rt, false) };
}

/** issue 12: adds this sub-step's set powers of the handed elements (from the branch powers the solver reads). */
function recordHandedSetpoints(m: SolverModel, state: GridOperatorState, powers: LoadPowers, pvSetKw: Map<string, number>, storageSet: Map<string, number>): void {
  const rt = powers.pce;
  if (!rt) return;
  const genKw = (pi: number): number => {
    let w = 0;
    for (let k = m.pceBrStart[pi]; k < m.pceBrStart[pi + 1]; k++) w -= powers.pW[k];
    return w / 1000;
  };
  for (const [agent, el] of handedOf(state.elementOf)) {
    if (el.pvElements) pvSetKw.set(agent, (pvSetKw.get(agent) ?? 0) + el.pvElements.reduce((sum, pi) => sum + genKw(pi), 0));
    if (el.storageElement) {
      const pi = el.storageElement.pce;
      const p = el.storageElement.params;
      const want = -(state.dispatch[agent]?.pKw ?? 0);
      const ok = want === 0 ? rt.storageState[pi] === 0 : Math.abs(genKw(pi) - want) <= 1e-9 * Math.max(1, Math.abs(want)) && rt.storageState[pi] === Math.sign(want);
      // OpenDSS idles a Storage that is empty (at %reserve) or full: a physical limit, not an error
      // (the battery's own physics stops at the same bound; the energy check below still holds)
      const eps = 1e-9 * p.capacityKwh;
      const atBound = (want > 0 && rt.kwh[pi] <= p.socMin * p.capacityKwh + eps) || (want < 0 && rt.kwh[pi] >= p.socMax * p.capacityKwh - eps);
      if (ok || (atBound && rt.storageState[pi] === 0)) storageSet.set(agent, (storageSet.get(agent) ?? 0) + 1);
    }
  }
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
    const m = world.feeder.model;
    const powers = newLoadPowers(m);
    // OpenDSS's stepsize, which a Storage's charge time reads
    if (powers.pce) powers.pce.stepH = world.subStepS / 3600;
    return { pf, powers, meter: new GridMeter(m), meterModel: m, controls, flows: newBranchFlows(m), normAmps: Float64Array.from(m.network.branches, (b) => b.normAmps) };
  });
}

export const gridOperatorKind: AgentKind<GridOperatorState, GridOperatorConfig> = {
  kind: 'grid-operator',
  handles: ['market-cleared'],
  init(id, config, world) {
    engineOf(world, id);
    return { id, elementOf: config.elementOf, period: -1, expected: 0, dispatch: {}, solves: 0, nonConverged: 0, violations: 0, vStats: emptyVoltageStats(), storageKwh: {}, branchStats: emptyBranchStats(world.feeder.network.branches.length) };
  },
  transition(state, event, world) {
    if (event.type === 'market-cleared') {
      // the period's whole dispatch arrives as one batch with the clearing: O(agents) per period
      const dispatch: Record<string, ElementDispatch> = {};
      for (const d of event.payload.dispatch) {
        const el = state.elementOf.get(d.agent);
        // issue 12: a prosumer's feeder PVSystems deliver the share of their output the market sold
        const avail = el?.pvElements ? world.forecast.pvElementsKw(el.pvElements, world.subStepS)[event.payload.period] : 0;
        dispatch[d.agent] = el?.pvElements ? { pKw: d.pKw, consumptionKw: d.boughtKw, pvShare: avail > 0 ? Math.min(1, d.soldKw / avail) : 0 } : { pKw: d.pKw, consumptionKw: d.boughtKw };
      }
      // the period adds to a copy of the branch statistics: a snapshot of the state stays as it was
      const next = { ...state, period: event.payload.period, expected: event.payload.dispatches, dispatch, branchStats: cloneBranchStats(state.branchStats) };
      const r = solvePeriod(world, next, world.periods[event.payload.period].startS);
      return { state: { ...next, solves: state.solves + r.solves, nonConverged: state.nonConverged + r.nonConverged, violations: state.violations + r.violations, storageKwh: r.storageKwh }, emit: r.emit };
    }
    return { state };
  },
};
