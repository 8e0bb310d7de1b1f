/**
 * powerflow-day: the IEEE European LV feeder (constant-PQ reference entry) over its 1440-minute
 * day, every node voltage computed at every step. Target (issue 2): solve ≤ 0.12 s after compile
 * (OpenDSS: 1.24 s), compile ≤ 0.2 s.
 */
import { loadFeeder, runTimeSeries } from '../grid/feeder.js';
import { hasShared, sharedPath } from '../src/shared-data.js';
import { type Benchmark, peakMb, secondsSince } from './bench.js';

const ENTRY = 'reference/ieee-eulv/constant-pq.dss';

export const powerflowDay: Benchmark = {
  name: 'powerflow-day',
  async run() {
    if (!hasShared(ENTRY)) return { skipped: `missing ${sharedPath(ENTRY)}` };
    const t0 = process.hrtime.bigint();
    const feeder = loadFeeder(sharedPath(ENTRY));
    const compileS = secondsSince(t0);
    // one warm-up day so the JIT has compiled the kernels, as a long-running simulation would
    runTimeSeries(feeder, { from: 1, to: 1440, stepMin: 1 }, () => {});
    const t1 = process.hrtime.bigint();
    let checksum = 0;
    const r = runTimeSeries(feeder, { from: 1, to: 1440, stepMin: 1 }, ({ state }) => {
      checksum += state.vRe[state.vRe.length - 1];
    });
    const solveS = secondsSince(t1);
    return {
      steps: r.steps,
      solve_s: Math.round(solveS * 1e4) / 1e4,
      steps_per_s: Math.round(r.steps / solveS),
      compile_s: Math.round(compileS * 1e4) / 1e4,
      peak_mb: peakMb(),
      iterations_per_step: Math.round((r.iterations / r.steps) * 100) / 100,
      nodes: feeder.model.nNodes,
      diverged: r.diverged,
      checksum_v: Math.round(checksum),
    };
  },
};
