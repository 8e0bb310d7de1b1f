/**
 * Addressed delivery (DESIGN rules 5–7, issue 13): a `dispatched` reaches its recipient and the
 * agents that observe the type (community managers), never every agent; the grid operator takes the
 * period's dispatch as one batch with `market-cleared`. So the work of a period grows linearly with
 * the number of agents: the test counts transitions, not seconds.
 */
import { describe, expect, it } from 'vitest';
import { writeSyntheticFeeder } from '../../bench/synthetic-feeder.js';
import type { AgentInstance } from '../../agents/agent.js';
import { parseScenario } from '../../src/scenario.js';
import { Simulation } from '../../src/sim/simulation.js';

async function simOf(loads: number): Promise<Simulation> {
  const feeder = writeSyntheticFeeder({ loads });
  const scenario = parseScenario(
    {
      name: `synthetic-${loads}`,
      feeder,
      horizon: { from: '17:00', to: '17:30' },
      market: { mechanism: 'auction', period_min: 15 },
      power_flow: { step_s: 900 },
      prosumers: { pv: { every: 4, kw: 2 }, strategy: { supply: { name: 'srmc' }, demand: { name: 'elastic-demand', params: { k: 2 } } } },
      reinforcement: { enabled: false, max_iterations: 1 },
    },
    'delivery.test',
  );
  return Simulation.create({ file: 'delivery.test', scenario, feederPath: feeder });
}

/** Wraps every agent's kind to count what it receives, by event type. */
function countDeliveries(agents: readonly AgentInstance[]): Map<string, Map<string, number>> {
  const seen = new Map<string, Map<string, number>>();
  for (const a of agents) {
    const kind = a.kind;
    const mine = new Map<string, number>();
    seen.set(a.id, mine);
    (a as { kind: typeof kind }).kind = { ...kind, transition: (s, e, w) => (mine.set(e.type, (mine.get(e.type) ?? 0) + 1), kind.transition(s, e, w)) };
  }
  return seen;
}

describe('addressed events', () => {
  it('a dispatch reaches its own prosumer and its community manager only', async () => {
    const sim = await simOf(60);
    const seen = countDeliveries(sim.agents);
    const summaries = sim.run();
    const periods = sim.world.periods.length;
    expect(periods).toBe(2);
    const prosumers = sim.agents.filter((a) => a.kind.kind === 'prosumer');
    expect(prosumers.length).toBe(60);
    for (const p of prosumers) expect(seen.get(p.id)!.get('dispatched')).toBe(periods);
    const cm = sim.agents.filter((a) => a.kind.kind === 'community-manager');
    const observed = cm.reduce((n, a) => n + (seen.get(a.id)!.get('dispatched') ?? 0), 0);
    expect(observed).toBe(60 * periods);
    expect(seen.get('go')!.get('dispatched')).toBeUndefined();
    expect(seen.get('go')!.get('market-cleared')).toBe(periods);
    expect(summaries[0].energyBalanceKwh.consumption).toBeGreaterThan(0);
  });

  it('the transitions of a run grow linearly with the number of agents', async () => {
    const total = async (n: number) => {
      const sim = await simOf(n);
      const seen = countDeliveries(sim.agents);
      sim.run();
      let sum = 0;
      for (const m of seen.values()) for (const v of m.values()) sum += v;
      return sum;
    };
    const small = await total(100);
    const large = await total(400);
    // linear: 4× the agents → about 4× the transitions (O(n²) delivery would give about 16×)
    expect(large / small).toBeGreaterThan(3.5);
    expect(large / small).toBeLessThan(4.5);
  });
});
