/**
 * branch-flows-day: what branches.csv costs the grid operator on the IEEE European LV feeder
 * (constant-PQ reference entry, 1440 one-minute steps, yearly mode): per step, the solve, the
 * power-balance meter (GridMeter, which the operator ran before) and `branchFlows` plus the running
 * statistics (`addBranchFlows`, what it adds), each timed over the same day (median of 5 days;
 * CPU seconds, the steadier figure on a shared machine). `ratio_to_solve` = branch flows / solve.
 */
import { loadFeeder, runTimeSeries } from '../grid/feeder.js';
import { addBranchFlows, branchFlows, emptyBranchStats, newBranchFlows } from '../grid/powerflow/branch-flows.js';
import { GridMeter } from '../grid/powerflow/result.js';
import { hasShared, sharedPath } from '../src/shared-data.js';
import { type Benchmark, median, peakMb } from './bench.js';

const ENTRY = 'reference/ieee-eulv/constant-pq.dss';
const DAYS = 5;

export const branchFlowsDay: Benchmark = {
  name: 'branch-flows-day',
  async run() {
    if (!hasShared(ENTRY)) return { skipped: `missing ${sharedPath(ENTRY)}` };
    const feeder = loadFeeder(sharedPath(ENTRY));
    const m = feeder.model;
    const meter = new GridMeter(m);
    const flows = newBranchFlows(m);
    const normAmps = Float64Array.from(m.network.branches, (b) => b.normAmps);
    const cpuNow = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    const solveS: number[] = [];
    const meterS: number[] = [];
    const flowsS: number[] = [];
    let steps = 0;
    for (let d = 0; d < DAYS; d++) {
      const stats = emptyBranchStats(m.network.branches.length);
      let tMeter = 0;
      let tFlows = 0;
      const c0 = cpuNow();
      const r = runTimeSeries(feeder, { from: 1, to: 1440, stepMin: 1 }, ({ state, powers }) => {
        const a = cpuNow();
        meter.measure(state.vRe, state.vIm, powers);
        const b = cpuNow();
        branchFlows(m, state.vRe, state.vIm, flows);
        addBranchFlows(stats, flows, normAmps, 1 / 60, 0);
        tFlows += cpuNow() - b;
        tMeter += b - a;
      }, { mode: 'yearly' });
      const total = cpuNow() - c0;
      steps = r.steps;
      solveS.push(total - tMeter - tFlows);
      meterS.push(tMeter);
      flowsS.push(tFlows);
    }
    const solve = median(solveS);
    const fl = median(flowsS);
    const r4 = (x: number) => Number(x.toFixed(4));
    return { steps, branches: m.network.branches.length, solve_cpu_s: r4(solve), meter_cpu_s: r4(median(meterS)), branch_flows_cpu_s: r4(fl), ms_per_step_branch_flows: r4((1000 * fl) / steps), ratio_to_solve: r4(fl / solve), peak_mb: peakMb() };
  },
};
