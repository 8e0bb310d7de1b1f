/**
 * Power-flow days on the shared feeders, every node voltage computed at every step.
 * - powerflow-day: the IEEE European LV feeder (constant-PQ reference entry), 1440 one-minute steps.
 *   Targets: compile ≤ 0.2 s (issue 2); ≥ 10× OpenDSS measured in the same run (issue 12).
 * - powerflow-costa-rica-day: the Costa Rica MAR circuit, 96 fifteen-minute steps (OpenDSS: 0.03 s).
 * `solve_s` is the median of 7 days at lemsim's default tolerance (1e-10; the machine may be shared);
 * the first, JIT-cold day and the fastest are reported beside it, and `solve_tol_1e4_s` is the median
 * at OpenDSS's tolerance. Where the oracle is present, `opendss_s` is the median of 3 OpenDSS days
 * (yearly mode: the feeder's loads carry only Yearly= shapes) timed in the same run, `ratio` =
 * opendss_s / solve_s and `ratio_tol_1e4` = opendss_s / solve_tol_1e4_s (same tolerance).
 */
import { loadFeeder, runTimeSeries } from '../grid/feeder.js';
import type { ShapeMode } from '../grid/powerflow/solve.js';
import { hasShared, sharedPath } from '../src/shared-data.js';
import { type Benchmark, peakMb, secondsSince } from './bench.js';
import { median, round4, runOpenDss } from './opendss.js';

const REPEATS = 7;
const ORACLE_REPEATS = 3;

function dayBenchmark(name: string, entry: string, range: { from: number; to: number; stepMin: number }, mode: ShapeMode, oracle: boolean): Benchmark {
  return {
    name,
    async run() {
      if (!hasShared(entry)) return { skipped: `missing ${sharedPath(entry)}` };
      const t0 = process.hrtime.bigint();
      const feeder = loadFeeder(sharedPath(entry));
      const compileS = secondsSince(t0);
      const days: number[] = [];
      let checksum = 0;
      let r = { steps: 0, diverged: 0, iterations: 0 };
      for (let rep = 0; rep < REPEATS; rep++) {
        const t1 = process.hrtime.bigint();
        checksum = 0;
        r = runTimeSeries(
          feeder,
          range,
          ({ state }) => {
            checksum += state.vRe[state.vRe.length - 1];
          },
          { mode },
        );
        days.push(secondsSince(t1));
      }
      const solveS = median(days);
      const round = round4;
      const loose: number[] = [];
      for (let rep = 0; rep < REPEATS; rep++) {
        const t1 = process.hrtime.bigint();
        runTimeSeries(feeder, range, () => {}, { tolerance: 1e-4, mode });
        loose.push(secondsSince(t1));
      }
      const looseS = median(loose);
      const figures = {
        steps: r.steps,
        solve_s: round(solveS),
        steps_per_s: Math.round(r.steps / solveS),
        first_day_s: round(days[0]),
        min_day_s: round(Math.min(...days)),
        compile_s: round(compileS),
        peak_mb: peakMb(),
        iterations_per_step: Math.round((r.iterations / r.steps) * 100) / 100,
        nodes: feeder.model.nNodes,
        matrix_nodes: feeder.model.nMatrix,
        diverged: r.diverged,
        checksum_v: Math.round(checksum),
        solve_tol_1e4_s: round(looseS),
      };
      if (!oracle) return figures;
      const o = runOpenDss(['daily', sharedPath(entry), '--mode', 'yearly', '--tolerance', '1e-4', '--from', String(range.from), '--to', String(range.to), '--repeat', String(ORACLE_REPEATS)]);
      if (!o.ok) return { ...figures, opendss: o.reason };
      const opendss = median(o.timing.daily_solve_s as number[]);
      return {
        ...figures,
        opendss_s: round(opendss),
        ratio: Math.round((opendss / solveS) * 10) / 10,
        ratio_tol_1e4: Math.round((opendss / looseS) * 10) / 10,
      };
    },
  };
}

// the IEEE feeder's loads carry Yearly shapes (one day): OpenDSS's yearly mode drives them
export const powerflowDay = dayBenchmark('powerflow-day', 'reference/ieee-eulv/constant-pq.dss', { from: 1, to: 1440, stepMin: 1 }, 'yearly', true);
// OpenDSS's runner steps by one minute only: no oracle figure for the 15-minute day
export const powerflowCostaRicaDay = dayBenchmark('powerflow-costa-rica-day', 'feeders/costa-rica-mar/Master.dss', { from: 15, to: 1440, stepMin: 15 }, 'daily', false);
