/**
 * Snapshots with controls (OpenDSS's static control mode) on the standard feeders' original entry
 * files: IEEE 123 (7 regulators) and IEEE 8500 (12 regulators, 9 capacitor controls). lemsim's
 * control loop (every solve plus the recompiles after taps move) beside OpenDSS's own solve of the
 * same file measured in the same run (../shared/tools/opendss/dssrun.py, when it runs here), with
 * both engines' control iterations. `solve_s` is the median of 3 runs of `solveFeeder` (the controls'
 * set-up: a private copy of the circuit, replaying the script's own Solve commands, then the control
 * loop); `control_loop_s` times the control loop alone on controls already set up (what OpenDSS's
 * `solve` does on a compiled circuit; median of the last 3 of 25 runs, `control_loop_first_s` the
 * first of them, before the JIT has compiled the loop's code), with the model after each action a low-rank correction of one
 * factorisation, and `control_loop_compile_each_s` the same loop compiling the network after each
 * action (the method before incremental updates). `control_loop_cpu_s` and `opendss_cpu_s` (median
 * of 3 OpenDSS processes) are CPU seconds, `control_loop_ratio_cpu` their ratio: on a shared
 * machine the steadier comparison.
 */
import { spawnSync } from 'node:child_process';
import { solveFeeder, startControls } from '../grid/controls/static-control.js';
import { loadFeeder } from '../grid/feeder.js';
import { newLoadPowers, setLoadPowersAt } from '../grid/powerflow/solve.js';
import { hasShared, sharedPath } from '../src/shared-data.js';
import { type Benchmark, cpuSecondsSince, median, peakMb, secondsSince } from './bench.js';
import { openDssSolveCpu } from './opendss.js';

const REPEATS = 3;
/** control loops run in a row; the median of the last REPEATS is `control_loop_s` (the JIT warmed) */
const LOOP_RUNS = 25;

/** OpenDSS's compile and solve times (s) and control iterations, or why it could not run. */
function openDss(entry: string): { opendss_s?: number; opendss_compile_s?: number; opendss_control_iterations?: number; opendss?: string } {
  const runner = sharedPath('tools', 'opendss', 'dssrun.py');
  const r = spawnSync('python3', [runner, 'snapshot', sharedPath(entry), '--tolerance', '1e-4', '--maxiter', '100', '--repeat', '1'], { encoding: 'utf8' });
  if (r.status !== 0) return { opendss: `not run: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
  const t = JSON.parse(r.stderr.trim().split('\n').pop()!);
  return { opendss_s: t.solve_s[0], opendss_compile_s: t.compile_s, opendss_control_iterations: t.control_iterations };
}

function controlsBenchmark(name: string, entry: string): Benchmark {
  return {
    name,
    async run() {
      if (!hasShared(entry)) return { skipped: `missing ${sharedPath(entry)}` };
      const t0 = process.hrtime.bigint();
      const feeder = loadFeeder(sharedPath(entry));
      const loadS = secondsSince(t0);
      const powers = newLoadPowers(feeder.model);
      setLoadPowersAt(feeder.model, 0, 'snapshot', powers);
      const times: number[] = [];
      const options = { tolerance: 1e-4, maxIterations: 100 };
      let sol = solveFeeder(feeder, powers, { hour: 0, sec: 0 }, options);
      for (let k = 0; k < REPEATS; k++) {
        const t1 = process.hrtime.bigint();
        sol = solveFeeder(feeder, powers, { hour: 0, sec: 0 }, options);
        times.push(secondsSince(t1));
      }
      const solveS = median(times);
      // the control loop alone (OpenDSS's `solve` on a compiled circuit), with the changed elements
      // as a low-rank correction of one factorisation (default) and with a compile after each action
      const loop = (incremental: boolean, runs: number): { wall: number[]; cpu: number[] } => {
        const wall: number[] = [];
        const cpu: number[] = [];
        for (let k = 0; k < runs; k++) {
          const pf = startControls(feeder, options, { incremental });
          const c1 = process.cpuUsage();
          const t1 = process.hrtime.bigint();
          pf.solve(powers, { hour: 0, sec: 0 }, options);
          wall.push(secondsSince(t1));
          cpu.push(cpuSecondsSince(c1));
        }
        return { wall, cpu };
      };
      const loopTimes = loop(true, LOOP_RUNS);
      const loopS = median(loopTimes.wall.slice(LOOP_RUNS - REPEATS));
      const loopCpuS = median(loopTimes.cpu.slice(LOOP_RUNS - REPEATS));
      const loopCompileS = median(loop(false, REPEATS).wall);
      // OpenDSS's CPU time of the same solve (steadier than wall time on a shared machine), median of 3
      const cpuRuns = [0, 1, 2].map(() => openDssSolveCpu(sharedPath(entry), ['set tolerance=1e-4', 'set maxiterations=100', 'set mode=snapshot']));
      const cpuOk = cpuRuns.flatMap((r) => (r.ok ? [r.cpuS] : []));
      const openDssCpuS = cpuOk.length === 3 ? median(cpuOk) : undefined;
      const ref = openDss(entry);
      const round = (x: number) => Math.round(x * 1e4) / 1e4;
      return {
        solve_s: round(solveS),
        load_compile_s: round(loadS),
        control_iterations: sol.status.controlIterations,
        total_iterations: sol.status.totalIterations,
        regulators: sol.controls?.taps.length ?? 0,
        capacitor_controls: sol.controls?.capacitors.filter((c) => c.capcontrol !== undefined).length ?? 0,
        ...ref,
        solve_ratio_vs_opendss: ref.opendss_s ? round(solveS / ref.opendss_s) : null,
        control_loop_first_s: round(loopTimes.wall[0]),
        control_loop_s: round(loopS),
        control_loop_ratio_vs_opendss: ref.opendss_s ? round(loopS / ref.opendss_s) : null,
        control_loop_compile_each_s: round(loopCompileS),
        control_loop_cpu_s: round(loopCpuS),
        opendss_cpu_s: openDssCpuS !== undefined ? round(openDssCpuS) : null,
        control_loop_ratio_cpu: openDssCpuS ? round(loopCpuS / openDssCpuS) : null,
        nodes: feeder.model.nNodes,
        peak_mb: peakMb(),
      };
    },
  };
}

export const powerflowControls123 = controlsBenchmark('powerflow-controls-123', 'feeders/opendss-tests/IEEETestCases/123Bus/IEEE123Master.dss');
export const powerflowControls8500 = controlsBenchmark('powerflow-controls-8500', 'feeders/opendss-tests/IEEETestCases/8500-Node/Master.dss');
