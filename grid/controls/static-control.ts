/**
 * OpenDSS's static, time- and event-driven control modes (Solution.pas SolveSnap / CheckControls /
 * DoControlActions): solve; every enabled control samples the solution and queues what it wants to
 * change; in the static mode the actions due first (smallest delay) are executed; in the time mode
 * those due by the solution time (ControlQueue.DoActions: none due ends the loop, and what is
 * queued waits for a later step of the time series); in the event mode the nearest ones, the clock
 * moving to their time (DoNearestActions); the circuit is solved again with the new taps and
 * capacitor steps; repeat until a sample leaves the queue empty, or `maxcontroliter` solves were
 * done (then the result says the controls did not settle). A solve that does not converge stops the
 * loop. Taps and capacitor steps live in a private copy of the interpreted circuit, so they carry
 * over from one solve to the next (time series) and the caller's circuit is never written to.
 *
 * After a control acts, the changed elements' primitive admittances (the moved transformer at its
 * new taps, the switched capacitor with its new steps) replace theirs in the network
 * (withBranchAdmittances); the model follows as a low-rank correction of the matrix factorised at
 * the start (powerflow/incremental.ts), or, where that cannot be done, by compiling the network
 * again. The voltage bases stay where the script settled them and the node numbering stays.
 */
import { DssError, GridError } from '../errors.js';
import type { DssCircuit } from '../dss/interpreter.js';
import { type Feeder, feederFromCircuit } from '../feeder.js';
import type { CapacitorState } from '../model/elements/capacitor.js';
import type { TransformerState } from '../model/elements/transformer.js';
import { withBranchAdmittances } from '../model/network.js';
import { type SolverModel, compile } from '../powerflow/compile.js';
import { IncrementalModels } from '../powerflow/incremental.js';
import { type LoadPowers, PowerFlowState, branchCurrent, type SolveOptions, type SolveStatus, newLoadPowers, setLoadPowersAt } from '../powerflow/solve.js';
import { type CapControlState, type CapControlType, CapController } from './capcontrol.js';
import { ControlQueue } from './control-queue.js';
import { type ControlView, timeOf } from './control-view.js';
import { type RegControlState, RegController } from './regcontrol.js';
import { type InvControlState, InvController } from './invcontrol.js';
import type { XYCurveState } from '../model/elements/xycurve.js';

/** OpenDSS's default `maxcontroliter`. */
export const DEFAULT_MAX_CONTROL_ITERATIONS = 15;

/**
 * OpenDSS's control modes lemsim runs: `static` (the default: delays only order the actions, time
 * stands still), `time` (ControlMode=TIME: an action runs once the solution time reaches its due
 * time, so delays count simulated time across the steps of a time series), `event`
 * (ControlMode=EVENT: the nearest actions run and the solution clock moves to their time, so dead
 * times and tap delays elapse within one solve; snapshots only), `off`.
 */
export type ControlMode = 'static' | 'time' | 'event' | 'off';

export interface ControlOptions {
  /** `static` (OpenDSS's default) or `off`; default: the script's `Set controlmode`, else static */
  readonly mode?: ControlMode;
  /** default: the script's `Set maxcontroliter`, else 15 */
  readonly maxControlIterations?: number;
  /**
   * after a control action, correct the factorised matrix for the changed elements (low rank,
   * incremental.ts) instead of compiling the network again (default true; a test holds the two equal)
   */
  readonly incremental?: boolean;
}

export interface ControlledStatus extends SolveStatus {
  /** solves done in this control loop (OpenDSS ControlIterations) */
  readonly controlIterations: number;
  /** power-flow iterations summed over those solves */
  readonly totalIterations: number;
  /** false when maxcontroliter was reached with actions still queued */
  readonly controlsSettled: boolean;
  /** tap changes and capacitor switchings executed in this loop */
  readonly actions: number;
  /** the solution clock at the end (s; moved by the event-driven mode, else the time solved at) */
  readonly timeS?: number;
}

export interface TapReport {
  readonly regcontrol: string;
  readonly transformer: string;
  readonly winding: number;
  readonly tap: number;
  /** steps from the neutral position (OpenDSS TapNum) */
  readonly tapNumber: number;
}

export interface CapacitorReport {
  readonly capacitor: string;
  readonly capcontrol: string | undefined;
  /** per step: 1 in service, 0 out */
  readonly states: readonly number[];
}

function objects<T>(c: DssCircuit, cls: string): T[] {
  return [...(c.objects.get(cls)?.values() ?? [])] as T[];
}

/** Classes whose objects the controls change (taps, steps, a RegControl's impossible PTphase). */
const CONTROLLED_CLASSES = ['transformer', 'capacitor', 'regcontrol', 'capcontrol', 'invcontrol'];

/**
 * The circuit with private copies of what the controls change and everything else shared (read
 * only): on IEEE 8500 a deep copy of the whole circuit took ~45 ms of the controls' set-up.
 */
function controlsCopy(c: DssCircuit): DssCircuit {
  const objects = new Map(c.objects);
  for (const cls of CONTROLLED_CLASSES) {
    const m = c.objects.get(cls);
    if (m) objects.set(cls, structuredClone(m));
  }
  return { ...c, objects };
}

/** Whether a circuit has any enabled RegControl or CapControl. */
export function hasControls(c: DssCircuit): boolean {
  return ['regcontrol', 'capcontrol', 'invcontrol'].some((cls) => objects<{ enabled: boolean }>(c, cls).some((r) => r.enabled));
}

/** The control mode and iteration limit a circuit's script asks for, overridden by `options`. */
export function controlSettings(c: DssCircuit, options: ControlOptions = {}): { mode: ControlMode; maxControlIterations: number } {
  const scriptMode = c.options.get('controlmode')?.toLowerCase();
  let mode: ControlMode = 'static';
  if (scriptMode !== undefined) {
    if (scriptMode.startsWith('off')) mode = 'off';
    else if (scriptMode.startsWith('t')) mode = 'time';
    else if (scriptMode.startsWith('e')) mode = 'event';
    else if (!scriptMode.startsWith('stat')) {
      // MULTIRATE runs each control at its own rate
      throw new DssError({ file: c.file, line: 1 }, `Set controlmode=${scriptMode}: lemsim runs OpenDSS's static, time, event and off control modes (not multirate)`);
    }
  }
  const scriptMax = c.options.get('maxcontroliter');
  const max = options.maxControlIterations ?? (scriptMax !== undefined ? Number(scriptMax) : DEFAULT_MAX_CONTROL_ITERATIONS);
  if (!Number.isInteger(max) || max < 1) throw new GridError(`maxcontroliter must be a whole number ≥ 1, got ${scriptMax ?? max}`);
  return { mode: options.mode ?? mode, maxControlIterations: max };
}

/**
 * A feeder with its regulators and capacitor controls, solved in OpenDSS's static control mode. The
 * present feeder (model with the present taps and capacitor steps) is `feeder`; it changes when a
 * control acts.
 */
export class ControlledPowerFlow {
  private readonly circuit: DssCircuit;
  private readonly queue = new ControlQueue();
  readonly regulators: RegController[] = [];
  readonly capControls: CapController[] = [];
  /** inverter controls (volt-var, volt-watt): they change PVSystem/Storage output, not the model */
  readonly invControls: InvController[] = [];
  private current: Feeder;
  private state: PowerFlowState;
  readonly mode: ControlMode;
  readonly maxControlIterations: number;
  /** whether some load's current jumps at Vminpu or Vmaxpu (then each model after an action starts cold) */
  private discontinuous: boolean | undefined;
  /** models after control actions, as corrections of one factorisation (undefined: compile each) */
  private incremental: IncrementalModels | undefined;

  constructor(base: Feeder, options: ControlOptions = {}) {
    // the controls change taps and steps in their own copy of the circuit
    this.circuit = controlsCopy(base.network.circuit);
    const settings = controlSettings(this.circuit, options);
    this.mode = settings.mode;
    this.maxControlIterations = settings.maxControlIterations;
    const transformers = this.circuit.objects.get('transformer') ?? new Map();
    for (const def of objects<RegControlState>(this.circuit, 'regcontrol')) {
      if (!def.enabled) continue;
      if (def.transformer === undefined) throw new DssError(def.loc, `RegControl.${def.name}: transformer= is not set`);
      const xf = transformers.get(def.transformer) as TransformerState | undefined;
      if (!xf) throw new DssError(def.loc, `RegControl.${def.name}: Transformer.${def.transformer} is not defined`);
      this.regulators.push(new RegController(def, xf, this.queue));
    }
    const capacitors = this.circuit.objects.get('capacitor') ?? new Map();
    for (const def of objects<CapControlState>(this.circuit, 'capcontrol')) {
      if (!def.enabled) continue;
      if (def.capacitor === undefined) throw new DssError(def.loc, `CapControl.${def.name}: capacitor= is not set`);
      const cap = capacitors.get(def.capacitor) as CapacitorState | undefined;
      if (!cap) throw new DssError(def.loc, `CapControl.${def.name}: Capacitor.${def.capacitor} is not defined`);
      if (def.element === undefined) throw new DssError(def.loc, `CapControl.${def.name}: element= is not set`);
      this.capControls.push(new CapController(def, cap, this.queue));
    }
    const curves = (this.circuit.objects.get('xycurve') ?? new Map()) as Map<string, XYCurveState>;
    for (const def of objects<InvControlState>(this.circuit, 'invcontrol')) {
      if (!def.enabled) continue;
      // lemsim's inverter controls reach their point within the control loop of one solve, as in
      // OpenDSS's static mode; OpenDSS's time mode steps them through its queue instead
      if (this.mode === 'time' || this.mode === 'event') throw new DssError(def.loc, `InvControl.${def.name}: Set controlmode=${this.mode} with InvControl is not supported (use static)`);
      this.invControls.push(new InvController(def, base.model, curves));
    }
    for (const r of this.regulators) r.timeDriven = this.mode === 'time' || this.mode === 'event';
    this.current = base;
    this.state = new PowerFlowState(base.model);
    if (options.incremental ?? true) this.incremental = new IncrementalModels(base.model);
  }

  /** The feeder as the controls have left it (its model has the present taps and steps). */
  get feeder(): Feeder {
    return this.current;
  }

  get model(): SolverModel {
    return this.current.model;
  }

  /** The solver of the present model (its voltages are those of the last solve). */
  get powerFlowState(): PowerFlowState {
    return this.state;
  }

  /** Voltages of the last solve (V, by system node of `model`). */
  get vRe(): Float64Array {
    return this.state.vRe;
  }

  get vIm(): Float64Array {
    return this.state.vIm;
  }

  /**
   * OpenDSS's reset when a solution mode is set (`Set mode=`): pending actions are forgotten and every
   * controlled capacitor returns to the state it was defined in. Taps stay where they are.
   */
  resetControls(): void {
    this.queue.clear();
    for (const r of this.regulators) r.reset();
    const changed = this.capControls.filter((c) => c.reset());
    if (changed.length > 0) this.rebuild(changed);
  }

  /**
   * One solve with controls (SolveSnap): loads at `powers`, solution time `hour` h + `sec` s (the
   * clock of capacitor dead times and time controls).
   */
  solve(powers: LoadPowers, time: { hour: number; sec: number } = { hour: 0, sec: 0 }, options: SolveOptions = {}): ControlledStatus {
    // the solution clock (s): the event-driven mode moves it to each executed action's time
    let nowS = time.hour * 3600 + time.sec;
    let controlIterations = 0;
    let totalIterations = 0;
    let actions = 0;
    let done = false;
    let status: SolveStatus;
    do {
      controlIterations++;
      status = this.state.solve(powers, options);
      totalIterations += status.iterations;
      if (controlIterations < this.maxControlIterations) {
        if (!status.converged || this.mode === 'off') done = true;
        else {
          const hour = Math.floor(nowS / 3600);
          const view: ControlView = { model: this.current.model, vRe: this.state.vRe, vIm: this.state.vIm, hour, sec: nowS - 3600 * hour };
          for (const r of this.regulators) r.sample(view);
          for (const c of this.capControls) c.sample(view);
          // inverter controls act at once (delay 0 in OpenDSS) on the elements' output in `powers`
          let inverters = false;
          for (const c of this.invControls) if (c.step(view, powers)) inverters = true;
          // their delay is 0, so they run before any queued tap or capacitor action (which waits)
          if (inverters) actions++;
          else if (this.mode === 'time') {
            // DoActions: what is due by now runs; nothing due ends this step's loop
            const { executed, changed } = this.queue.doDue(timeOf(view));
            actions += executed;
            if (executed === 0) done = true;
            else if (changed.length > 0) this.rebuild(changed as (RegController | CapController)[]);
          } else if (this.queue.isEmpty) done = true;
          else {
            if (this.mode === 'event') {
              // DoNearestActions(intHour, t): the clock moves to the nearest action's time, and the
              // actions executing then see it
              nowS = this.queue.nextTimeS!;
              for (const r of this.regulators) r.nowS = nowS;
              for (const c of this.capControls) c.nowS = nowS;
            }
            const { executed, changed } = this.queue.doNearest();
            actions += executed;
            if (changed.length > 0) this.rebuild(changed as (RegController | CapController)[]);
          }
        }
      }
    } while (!done && controlIterations < this.maxControlIterations);
    return { ...status, controlIterations, totalIterations, controlsSettled: done, actions, timeS: nowS };
  }

  /**
   * A new model after controls changed the elements in `changed`: their primitive admittances are
   * recomputed and the network compiled again (or, with `full`, the whole feeder rebuilt from the
   * controls' circuit, the path `loadFeeder` takes; a test holds the two equal).
   */
  rebuild(changed: readonly (RegController | CapController)[] = [], full = false): void {
    let next: Feeder;
    if (full) {
      // the network keeps the script's circuit as written; the controls' copy stays private
      const f = feederFromCircuit(this.circuit, this.current.busKvBaseLn);
      next = { ...f, network: { ...f.network, circuit: this.current.network.circuit } };
      if (this.incremental) this.incremental = new IncrementalModels(next.model);
    } else {
      const changes = new Map(changed.map((c) => [c.elementName, c.primitiveY(this.circuit.baseFrequencyHz)]));
      const network = withBranchAdmittances(this.current.network, changes);
      // a low-rank correction of the factorised matrix (incremental.ts), else a new compile
      let model = this.incremental ? this.incremental.update(network, changes.keys()) : undefined;
      if (!model) {
        model = compile(network);
        if (this.incremental) this.incremental = new IncrementalModels(model);
      }
      next = { ...this.current, network, model };
    }
    // The next solve continues from the last solution, as OpenDSS's does — except on a circuit whose
    // load currents jump at a voltage limit (discontinuousLoadLaw), where it starts from no load:
    // such a circuit can have two solutions, and a warm start may settle on the one OpenDSS does not
    // reach (ckt5, tested: 7 CVR load phases at 0.949–0.951 pu end below Vminpu, 1.9e-3 pu away).
    this.current = next;
    const last = this.state;
    this.state = new PowerFlowState(next.model);
    this.discontinuous ??= discontinuousLoadLaw(next.model);
    if (!this.discontinuous) this.state.startFrom(last.vRe, last.vIm);
  }

  /**
   * OpenDSS's end of a time step of `durationS` seconds for the controls that remember past steps
   * (InvControl's rolling voltage windows), from the last solve at `time`.
   */
  endOfStep(durationS: number, time: { hour: number; sec: number }): void {
    const view: ControlView = { model: this.current.model, vRe: this.state.vRe, vIm: this.state.vIm, hour: time.hour, sec: time.sec };
    for (const c of this.invControls) c.endOfStep(view, durationS);
  }

  /** Present taps of the regulated windings. */
  taps(): TapReport[] {
    return this.regulators.map((r) => {
      const w = r.xf.windings[r.def.tapWinding - 1];
      const step = (w.maxTap - w.minTap) / w.numTaps;
      return { regcontrol: r.name, transformer: r.xf.name, winding: r.def.tapWinding, tap: w.tap, tapNumber: Math.round((w.tap - (w.maxTap + w.minTap) / 2) / step) };
    });
  }

  /** Present steps of every capacitor of the circuit, with the control that switches it (if any). */
  capacitors(): CapacitorReport[] {
    const ctrlOf = new Map(this.capControls.map((c) => [c.cap.name, c.name]));
    return objects<CapacitorState>(this.circuit, 'capacitor').map((c) => ({ capacitor: c.name, capcontrol: ctrlOf.get(c.name), states: [...c.states] }));
  }
}

/**
 * Whether some load branch's current law is discontinuous at its Vminpu or Vmaxpu (relative jump
 * above 1e-6 across the limit). OpenDSS's CVR model (Load.pas DoCVRModel) is: P·v^CVRwatts and
 * Q·v^CVRvars inside the band, but below Vminpu the interpolation towards constant Z starts from the
 * constant-power admittance Yeq/Vminpu², and above Vmaxpu it is Yeq/Vmaxpu²: with CVRwatts = 0.8 and
 * CVRvars = 3 (ckt5's 1,379 loads) the current jumps by 0.95^−0.8 (+4.2 % in P) and 0.95^−3
 * (+16.7 % in Q) when the voltage crosses 0.95 pu, and a circuit with loads sitting at the limit can
 * have more than one solution. Measured on the solver's own branch law, so every model is covered.
 */
export function discontinuousLoadLaw(m: SolverModel): boolean {
  const out = new Float64Array(2);
  const current = (k: number, vpu: number): number => {
    branchCurrent(m, k, vpu * m.brVBase[k], 0, 1000, 400, out);
    return Math.hypot(out[0], out[1]);
  };
  for (let k = 0; k < m.nBr; k++) {
    for (const limit of [m.brVminPu[k], m.brVmaxPu[k]]) {
      if (!(limit > 0)) continue;
      const below = current(k, limit * (1 - 1e-9));
      const above = current(k, limit * (1 + 1e-9));
      if (Math.abs(above - below) > 1e-6 * Math.max(above, below)) return true;
    }
  }
  return false;
}

/** Solution time of minute M (t = M·60 s) as OpenDSS's hour and seconds. */
export function timeOfMinute(minute: number): { hour: number; sec: number } {
  const t = minute * 60;
  const hour = Math.floor(t / 3600);
  return { hour, sec: t - hour * 3600 };
}

export interface ControlsReport {
  readonly mode: ControlMode;
  readonly maxControlIterations: number;
  /** control loops the script's own `Solve` commands ran before this solve */
  readonly scriptSolves: readonly ControlledStatus[];
  readonly taps: readonly TapReport[];
  readonly capacitors: readonly CapacitorReport[];
}

export interface FeederSolution {
  readonly status: ControlledStatus;
  /** the model in force at the end (taps and capacitor steps as the controls left them) */
  readonly model: SolverModel;
  readonly feeder: Feeder;
  readonly vRe: Float64Array;
  readonly vIm: Float64Array;
  /** undefined when the circuit has no enabled RegControl or CapControl */
  readonly controls: ControlsReport | undefined;
}

/**
 * The controls of a feeder as OpenDSS leaves them after compiling its script and setting a solution
 * mode: each `Solve` the script runs is replayed (a control loop at base load, time 0; statuses
 * appended to `scriptSolves`), then the controls are reset as `Set mode=` resets them.
 */
export function startControls(
  feeder: Feeder,
  options: SolveOptions = {},
  controlOptions: ControlOptions & { replayScriptSolves?: boolean } = {},
  scriptSolves: ControlledStatus[] = [],
): ControlledPowerFlow {
  const pf = new ControlledPowerFlow(feeder, controlOptions);
  if ((controlOptions.replayScriptSolves ?? true) && feeder.network.circuit.solveCount > 0) {
    const base = newLoadPowers(feeder.model);
    setLoadPowersAt(feeder.model, 0, 'snapshot', base);
    for (let k = 0; k < feeder.network.circuit.solveCount; k++) scriptSolves.push(pf.solve(base, { hour: 0, sec: 0 }, options));
    pf.resetControls();
  }
  return pf;
}

/**
 * Solves a feeder as OpenDSS does after compiling its script: when it has controls, each `Solve` the
 * script runs is replayed (a control loop at base load, time 0), controls are reset as setting a
 * solution mode resets them, and the final solve runs its own control loop at `powers` and `time`.
 * Without controls it is one plain solve.
 */
export function solveFeeder(
  feeder: Feeder,
  powers: LoadPowers,
  time: { hour: number; sec: number },
  options: SolveOptions = {},
  controlOptions: ControlOptions & { replayScriptSolves?: boolean } = {},
): FeederSolution {
  if (!hasControls(feeder.network.circuit)) {
    const state = new PowerFlowState(feeder.model);
    const s = state.solve(powers, options);
    const status: ControlledStatus = { ...s, controlIterations: 1, totalIterations: s.iterations, controlsSettled: true, actions: 0 };
    return { status, model: feeder.model, feeder, vRe: state.vRe, vIm: state.vIm, controls: undefined };
  }
  const scriptSolves: ControlledStatus[] = [];
  const pf = startControls(feeder, options, controlOptions, scriptSolves);
  const status = pf.solve(powers, time, options);
  return {
    status,
    model: pf.model,
    feeder: pf.feeder,
    vRe: pf.vRe,
    vIm: pf.vIm,
    controls: { mode: pf.mode, maxControlIterations: pf.maxControlIterations, scriptSolves, taps: pf.taps(), capacitors: pf.capacitors() },
  };
}

export interface ControlsDescription {
  readonly regcontrols: {
    name: string;
    transformer: string | undefined;
    winding: number;
    vreg: number;
    band: number;
    ptratio: number;
    ctprim: number;
    r: number;
    x: number;
    delay_s: number;
    maxtapchange: number;
    tap: number | undefined;
    tap_range: [number, number] | undefined;
    enabled: boolean;
  }[];
  readonly capcontrols: { name: string; capacitor: string | undefined; element: string | undefined; type: CapControlType; on: number; off: number; delay_s: number; delayoff_s: number; enabled: boolean }[];
}

/** What the script's controls are set to (for `lemsim describe`). */
export function describeControls(c: DssCircuit): ControlsDescription {
  const xfs = c.objects.get('transformer');
  return {
    regcontrols: objects<RegControlState>(c, 'regcontrol').map((r) => {
      const w = r.transformer ? (xfs?.get(r.transformer) as TransformerState | undefined)?.windings[r.tapWinding - 1] : undefined;
      return {
        name: r.name,
        transformer: r.transformer,
        winding: r.winding,
        vreg: r.vreg,
        band: r.band,
        ptratio: r.ptRatio,
        ctprim: r.ctPrim,
        r: r.r,
        x: r.x,
        delay_s: r.delayS,
        maxtapchange: r.maxTapChange,
        tap: w?.tap,
        tap_range: w ? [w.minTap, w.maxTap] : undefined,
        enabled: r.enabled,
      };
    }),
    capcontrols: objects<CapControlState>(c, 'capcontrol').map((k) => ({
      name: k.name,
      capacitor: k.capacitor,
      element: k.element,
      type: k.type,
      on: k.type === 'pf' ? k.pfOn : k.onSetting,
      off: k.type === 'pf' ? k.pfOff : k.offSetting,
      delay_s: k.onDelayS,
      delayoff_s: k.offDelayS,
      enabled: k.enabled,
    })),
  };
}
