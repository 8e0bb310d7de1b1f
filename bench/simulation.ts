/**
 * The agent simulation on paper 004's setup: the IEEE European LV feeder, 55 prosumers (every fourth
 * with 4 kW of PV), 08:00–10:00 in 24 five-minute auction periods, one reinforcement-free run.
 * - sim-paper004-1min: one power flow per minute (120). Target ≤ 1 s.
 * - sim-paper004-1s: one power flow per second (7,200). Target ≤ 5 s.
 * `s` includes building the world (feeder compile, MILP backend load) and the run.
 */
import { parseScenario } from '../src/scenario.js';
import { hasShared, sharedPath } from '../src/shared-data.js';
import { Simulation } from '../src/sim/simulation.js';
import { type Benchmark, cpuSecondsSince, peakMb, secondsSince } from './bench.js';

const FEEDER = 'feeders/ieee-eulv/opendss/Master.dss';

function paper004(stepS: number): Benchmark {
  return {
    name: stepS === 60 ? 'sim-paper004-1min' : 'sim-paper004-1s',
    async run() {
      if (!hasShared(FEEDER)) return { skipped: `missing ${sharedPath(FEEDER)}` };
      const scenario = parseScenario(
        {
          name: 'paper004-bench',
          feeder: sharedPath(FEEDER),
          horizon: { from: '08:00', to: '10:00' },
          market: { mechanism: 'auction', period_min: 5 },
          power_flow: { step_s: stepS },
          prosumers: { pv: { every: 4, kw: 4 }, strategy: { supply: { name: 'markup' }, demand: { name: 'elastic-demand', params: { k: 2 } } } },
          reinforcement: { enabled: false, max_iterations: 1 },
        },
        'bench',
      );
      const t0 = process.hrtime.bigint();
      const sim = await Simulation.create({ file: 'bench', scenario, feederPath: sharedPath(FEEDER) });
      let events = 0;
      sim.onBus((bus) => bus.listen(() => void events++));
      const setupS = secondsSince(t0);
      const t1 = process.hrtime.bigint();
      const c1 = process.cpuUsage();
      const summaries = sim.run();
      const runS = secondsSince(t1);
      const runCpuS = cpuSecondsSince(c1);
      const total = setupS + runS;
      return {
        s: Math.round(total * 1000) / 1000,
        setup_s: Math.round(setupS * 1000) / 1000,
        run_s: Math.round(runS * 1000) / 1000,
        run_cpu_s: Math.round(runCpuS * 1000) / 1000,
        events,
        events_per_s: Math.round(events / runS),
        periods: sim.world.periods.length,
        prosumers: sim.agents.filter((a) => a.kind.kind === 'prosumer').length,
        power_flows: (sim.world.periods.length * 300) / stepS,
        violations: summaries[0].violations,
        peak_mb: peakMb(),
      };
    },
  };
}

export const simPaper004Minute = paper004(60);
export const simPaper004Second = paper004(1);
