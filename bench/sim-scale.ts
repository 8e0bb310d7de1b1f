/**
 * sim-10k-agents (issue 13): 10,000 prosumers (every fourth with 2 kW of PV) on a synthetic radial
 * feeder carrying their loads (bench/synthetic-feeder.ts), one day of 5-minute auction periods, one
 * power flow per period. Target ≤ 60 s and ≤ 2 GB peak. The time of a period is split by what the
 * agents were doing: bidding (prosumers and batteries on `period-opened`), clearing (the market
 * operator at gate closure), power flow (the grid operator on `market-cleared`) and bookkeeping
 * (everything else: delivery, settlements, the bus). `sim-2k-agents` is the same for 2,000 prosumers
 * over 4 periods (the case issue 13 timed at 23 s).
 */
import type { AgentInstance } from '../agents/agent.js';
import { parseScenario } from '../src/scenario.js';
import { Simulation } from '../src/sim/simulation.js';
import { type Benchmark, cpuSecondsSince, peakMb, secondsSince } from './bench.js';
import { writeSyntheticFeeder } from './synthetic-feeder.js';

type Phase = 'bidding' | 'clearing' | 'power_flow';

/** Wraps the transitions that make up a phase to time them (the others are left as they are). */
function timePhases(agents: readonly AgentInstance[], acc: Record<Phase, number>): void {
  for (const a of agents) {
    const kind = a.kind;
    const k = kind.kind;
    const phases: Partial<Record<string, Phase>> =
      k === 'prosumer' || k === 'battery' ? { 'period-opened': 'bidding' } : k === 'market-operator' ? { 'gate-closed': 'clearing' } : k === 'grid-operator' ? { 'market-cleared': 'power_flow' } : {};
    if (Object.keys(phases).length === 0) continue;
    (a as { kind: typeof kind }).kind = {
      ...kind,
      transition: (s, e, w) => {
        const p = phases[e.type];
        if (!p) return kind.transition(s, e, w);
        const t0 = process.hrtime.bigint();
        const r = kind.transition(s, e, w);
        acc[p] += Number(process.hrtime.bigint() - t0) / 1e9;
        return r;
      },
    };
  }
}

function scale(name: string, prosumers: number, to: string): Benchmark {
  return {
    name,
    async run() {
      const t0 = process.hrtime.bigint();
      const feeder = writeSyntheticFeeder({ loads: prosumers });
      const scenario = parseScenario(
        {
          name,
          feeder,
          horizon: { from: '00:00', to },
          market: { mechanism: 'auction', period_min: 5 },
          power_flow: { step_s: 300 },
          prosumers: { pv: { every: 4, kw: 2 }, strategy: { supply: { name: 'srmc' }, demand: { name: 'elastic-demand', params: { k: 2 } } } },
          reinforcement: { enabled: false, max_iterations: 1 },
        },
        name,
      );
      const sim = await Simulation.create({ file: name, scenario, feederPath: feeder });
      const setupS = secondsSince(t0);
      const acc: Record<Phase, number> = { bidding: 0, clearing: 0, power_flow: 0 };
      timePhases(sim.agents, acc);
      const t1 = process.hrtime.bigint();
      const c1 = process.cpuUsage();
      const [summary] = sim.run();
      const runS = secondsSince(t1);
      const runCpuS = cpuSecondsSince(c1);
      const periods = sim.world.periods.length;
      const ms = (x: number) => Math.round((x / periods) * 1e5) / 100;
      return {
        s: Math.round((setupS + runS) * 100) / 100,
        setup_s: Math.round(setupS * 100) / 100,
        run_s: Math.round(runS * 100) / 100,
        // the machine is shared: CPU seconds of this process (main thread, GC and compiler threads) beside wall time
        run_cpu_s: Math.round(runCpuS * 100) / 100,
        prosumers: sim.agents.filter((a) => a.kind.kind === 'prosumer').length,
        periods,
        ms_per_period: ms(runS),
        bidding_ms: ms(acc.bidding),
        clearing_ms: ms(acc.clearing),
        power_flow_ms: ms(acc.power_flow),
        bookkeeping_ms: ms(runS - acc.bidding - acc.clearing - acc.power_flow),
        grid_solves: summary.gridSolves,
        non_converged: summary.nonConvergedSteps,
        peak_mb: peakMb(),
      };
    },
  };
}

export const sim10kAgents = scale('sim-10k-agents', 10_000, '24:00');
export const sim2kAgents = scale('sim-2k-agents', 2_000, '00:20');
