/**
 * One entry point for a feeder: read the OpenDSS script, build the network, compile the solver model
 * and settle the voltage bases (SetkVBase values, else Calcvoltagebases as OpenDSS does it: each bus
 * gets the listed base nearest to its no-load voltage). Also the daily time-series driver shared by
 * the CLI, the grid-operator agent and the benchmark.
 */
import { GridError } from './errors.js';
import { type DssCircuit, loadDssCircuit } from './dss/interpreter.js';
import { type DssFileSystem, nodeFileSystem } from './dss/parser.js';
import { type Network, buildNetwork } from './model/network.js';
import { type ControlOptions, startControls, timeOfMinute, hasControls } from './controls/static-control.js';
import { type SolverModel, compile } from './powerflow/compile.js';
import { updateStorage } from './powerflow/pce-power.js';
import { type LoadPowers, PowerFlowState, type ShapeMode, type ShapeOptions, type SolveOptions, type SolveStatus, newLoadPowers, setLoadPowersAt } from './powerflow/solve.js';

export interface Feeder {
  readonly network: Network;
  readonly model: SolverModel;
  /** kV line-to-neutral base per bus index (undefined where none is known) */
  readonly busKvBaseLn: readonly (number | undefined)[];
}

/** Reads, builds and compiles a feeder from its OpenDSS entry file. */
export function loadFeeder(path: string, fs: DssFileSystem = nodeFileSystem): Feeder {
  return feederFromCircuit(loadDssCircuit(path, fs));
}

/**
 * Builds and compiles an interpreted circuit. `busKvBaseLn` keeps voltage bases settled earlier (a
 * control that moved a tap rebuilds the feeder; OpenDSS's bases stay where Calcvoltagebases put them).
 */
export function feederFromCircuit(circuit: DssCircuit, busKvBaseLn?: readonly (number | undefined)[]): Feeder {
  const network = buildNetwork(circuit);
  const model = compile(network);
  return { network, model, busKvBaseLn: busKvBaseLn ?? voltageBases(network, model) };
}

/** Bus voltage bases: explicit ones first, then the nearest of `voltagebases` to the no-load voltage. */
export function voltageBases(network: Network, model: SolverModel): (number | undefined)[] {
  const bases = network.voltageBasesKv;
  return network.buses.map((bus, b) => {
    if (bus.kvBaseLn !== undefined) return bus.kvBaseLn;
    if (!network.calcVoltageBases || bases.length === 0) return undefined;
    const nodes = model.busNodes[b];
    if (nodes.length === 0) return undefined;
    const k = nodes[0];
    const kvLL = (Math.hypot(model.v0Re[k], model.v0Im[k]) * Math.sqrt(3)) / 1000;
    let best: number | undefined;
    let bestErr = Infinity;
    for (let q = 0; q < bases.length; q++) {
      const base = bases[q];
      const err = Math.abs(Math.log(kvLL / base));
      if (err < bestErr) {
        bestErr = err;
        best = base;
      }
    }
    // OpenDSS leaves a bus without base when no listed base is close; 25 % is lemsim's margin
    return best !== undefined && bestErr < Math.log(1.25) ? best / Math.sqrt(3) : undefined;
  });
}

/** The solution mode named by the script (`Set mode=`), for load-shape selection. */
export function shapeModeOf(network: Network): ShapeMode {
  const mode = (network.options.get('mode') ?? 'daily').toLowerCase();
  if (mode.startsWith('dut')) return 'duty';
  if (mode.startsWith('y')) return 'yearly';
  if (mode.startsWith('s')) return 'daily';
  return 'daily';
}

export interface StepResult {
  readonly minute: number;
  readonly status: SolveStatus;
  readonly state: PowerFlowState;
  readonly powers: LoadPowers;
  /**
   * The model in force at this step: `feeder.model` unless a regulator or capacitor control changed
   * a tap or a step (then branch currents and powers must be computed with this one).
   */
  readonly model: SolverModel;
  /** solves of this step's control loop (1 without controls) */
  readonly controlIterations: number;
}

/**
 * Runs a time series from minute `from` to `to` (inclusive) every `stepMin` minutes: minute M is
 * the solve at t = M·60 s, each load's shape for the mode (OpenDSS daily mode by default: Daily
 * shapes only; `yearly`: Yearly shapes; see ShapeOptions) evaluated there. Each step warm-starts
 * from the previous. `onStep` sees the live state (copy what it keeps).
 *
 * A feeder with RegControls or CapControls (unless `controls: { mode: 'off' }`) is solved as OpenDSS
 * solves a time series in its static control mode: the script's own Solves first, controls reset as
 * setting the mode resets them, then every step runs its control loop at its own time; taps,
 * capacitor steps, armed actions and dead times carry over from step to step.
 */
export function runTimeSeries(
  feeder: Feeder,
  range: { from: number; to: number; stepMin: number },
  onStep: (step: StepResult) => void,
  options: SolveOptions & ShapeOptions & { mode?: ShapeMode; controls?: ControlOptions } = {},
): { steps: number; diverged: number; iterations: number; controlIterations: number; controlsUnsettled: number } {
  if (!(range.stepMin > 0)) throw new GridError(`step must be positive, got ${range.stepMin} min`);
  if (range.to < range.from) throw new GridError(`--to (${range.to}) is before --from (${range.from})`);
  const powers = newLoadPowers(feeder.model);
  const mode = options.mode ?? 'daily';
  const controlled = hasControls(feeder.network.circuit) && options.controls?.mode !== 'off' ? startControls(feeder, options, options.controls) : undefined;
  if (controlled?.mode === 'event') {
    // OpenDSS then starts each step from the clock the actions moved; steps on fixed minutes cannot follow it
    throw new GridError(`${feeder.network.file}: Set controlmode=event moves the solution clock to each control action; a time series on fixed steps runs controlmode=static or time`);
  }
  const plain = controlled ? undefined : new PowerFlowState(feeder.model);
  let steps = 0;
  let diverged = 0;
  let iterations = 0;
  let controlIterations = 0;
  let controlsUnsettled = 0;
  if (powers.pce) powers.pce.stepH = range.stepMin / 60;
  for (let minute = range.from; minute <= range.to + 1e-9; minute += range.stepMin) {
    setLoadPowersAt(feeder.model, minute / 60, mode, powers, options);
    let status: SolveStatus;
    let loops = 1;
    if (controlled) {
      const s = controlled.solve(powers, timeOfMinute(minute), options);
      status = s;
      loops = s.controlIterations;
      iterations += s.totalIterations;
      if (!s.controlsSettled) controlsUnsettled++;
    } else {
      status = plain!.solve(powers, options);
      iterations += status.iterations;
    }
    steps++;
    controlIterations += loops;
    const state = controlled ? controlled.powerFlowState : plain!;
    if (!status.converged) {
      diverged++;
      state.coldStart();
    }
    const model = controlled ? controlled.model : feeder.model;
    onStep({ minute, status, state, powers, model, controlIterations: loops });
    // OpenDSS's end of step: storage energy integrated from this step's terminal power, inverter
    // controls' voltage windows updated
    if (status.converged) {
      updateStorage(model, state.vRe, state.vIm, powers, range.stepMin / 60);
      controlled?.endOfStep(range.stepMin * 60, timeOfMinute(minute));
    }
  }
  return { steps, diverged, iterations, controlIterations, controlsUnsettled };
}
