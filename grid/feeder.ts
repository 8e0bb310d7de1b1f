/**
 * One entry point for a feeder: read the OpenDSS script, build the network, compile the solver model
 * and settle the voltage bases (SetkVBase values, else Calcvoltagebases as OpenDSS does it: each bus
 * gets the listed base nearest to its no-load voltage). Also the daily time-series driver shared by
 * the CLI, the grid-operator agent and the benchmark.
 */
import { LemsimError } from '../src/errors.js';
import { loadDssCircuit } from './dss/interpreter.js';
import { type DssFileSystem, nodeFileSystem } from './dss/parser.js';
import { type Network, buildNetwork } from './model/network.js';
import { type SolverModel, compile } from './powerflow/compile.js';
import { type LoadPowers, PowerFlowState, type ShapeMode, type ShapeOptions, type SolveOptions, type SolveStatus, newLoadPowers, setLoadPowersAt } from './powerflow/solve.js';

export interface Feeder {
  readonly network: Network;
  readonly model: SolverModel;
  /** kV line-to-neutral base per bus index (undefined where none is known) */
  readonly busKvBaseLn: readonly (number | undefined)[];
}

/** Reads, builds and compiles a feeder from its OpenDSS entry file. */
export function loadFeeder(path: string, fs: DssFileSystem = nodeFileSystem): Feeder {
  const network = buildNetwork(loadDssCircuit(path, fs));
  const model = compile(network);
  return { network, model, busKvBaseLn: voltageBases(network, model) };
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
    for (const base of bases) {
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
}

/**
 * Runs a time series from minute `from` to `to` (inclusive) every `stepMin` minutes: minute M is
 * the solve at t = M·60 s, each load's shape for the mode (OpenDSS daily mode by default: Daily
 * shapes only; `yearly`: Yearly shapes; see ShapeOptions) evaluated there. Each step warm-starts
 * from the previous. `onStep` sees the live state (copy what it keeps).
 */
export function runTimeSeries(
  feeder: Feeder,
  range: { from: number; to: number; stepMin: number },
  onStep: (step: StepResult) => void,
  options: SolveOptions & ShapeOptions & { mode?: ShapeMode } = {},
): { steps: number; diverged: number; iterations: number } {
  if (!(range.stepMin > 0)) throw new LemsimError(`step must be positive, got ${range.stepMin} min`);
  if (range.to < range.from) throw new LemsimError(`--to (${range.to}) is before --from (${range.from})`);
  const state = new PowerFlowState(feeder.model);
  const powers = newLoadPowers(feeder.model);
  const mode = options.mode ?? 'daily';
  let steps = 0;
  let diverged = 0;
  let iterations = 0;
  for (let minute = range.from; minute <= range.to + 1e-9; minute += range.stepMin) {
    setLoadPowersAt(feeder.model, minute / 60, mode, powers, options);
    const status = state.solve(powers, options);
    steps++;
    iterations += status.iterations;
    if (!status.converged) {
      diverged++;
      state.coldStart();
    }
    onStep({ minute, status, state, powers });
  }
  return { steps, diverged, iterations };
}
