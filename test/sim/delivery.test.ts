/**
 * Addressed delivery (DESIGN rules 5–7, issue 13): a `dispatched` reaches its recipient and the
 * agents that observe the type, never every agent; the community managers, the grid operator and the
 * ledger take the period's dispatch as one batch with `market-cleared`. So the work of a period grows linearly with
 * the number of agents: the test counts transitions, not seconds.
 */
import { describe, expect, it } from 'vitest';
import { writeSyntheticFeeder } from '../../bench/synthetic-feeder.js';
import type { AgentInstance, AgentKind, World } from '../../agents/agent.js';
import { EventBus } from '../../src/kernel/bus.js';
import { deliverTo } from '../../src/sim/roster.js';
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
  it('a dispatch reaches its own prosumer only; the managers, grid operator and ledger take the batch', async () => {
    const sim = await simOf(60);
    const seen = countDeliveries(sim.agents);
    const summaries = sim.run();
    const periods = sim.world.periods.length;
    expect(periods).toBe(2);
    const prosumers = sim.agents.filter((a) => a.kind.kind === 'prosumer');
    expect(prosumers.length).toBe(60);
    for (const p of prosumers) expect(seen.get(p.id)!.get('dispatched')).toBe(periods);
    const cm = sim.agents.filter((a) => a.kind.kind === 'community-manager');
    expect(cm.length).toBeGreaterThan(0);
    for (const a of [...cm, sim.agent('go')!, sim.agent('ledger')!]) {
      expect(seen.get(a.id)!.get('dispatched')).toBeUndefined();
      expect(seen.get(a.id)!.get('market-cleared')).toBe(periods);
    }
    // the managers' welfare is still Σ of their members' (from the batch, not from each dispatch)
    const members = (c: AgentInstance) => prosumers.filter((p) => (p.state as { community: string }).community === (c.state as { community: string }).community);
    for (const c of cm) {
      const sum = members(c).reduce((s, p) => s + (p.state as { welfareEur: number }).welfareEur, 0);
      expect((c.state as { welfareEur: number }).welfareEur).toBeCloseTo(sum, 9);
      // a manager that does not bid counts its members' bids from the clearing: one row per bid
      expect((c.state as { bidsThisPeriod: number }).bidsThisPeriod).toBe(members(c).length);
    }
    expect(summaries[0].energyBalanceKwh.consumption).toBeGreaterThan(0);
  });

  it('an addressed event reaches its recipient and the observers of its type, in the agents\' fixed order', () => {
    //   order:  observer-a   recipient   bystander   observer-b
    //   gets:        1           2           –            3
    const got: string[] = [];
    const kind = (name: string, observes: boolean): AgentKind<null> => ({
      kind: name,
      handles: ['dispatched', 'period-closed'],
      ...(observes ? { observes: ['dispatched'] as const } : {}),
      init: () => null,
      transition: (s, e) => (got.push(`${name}:${e.type}`), { state: s }),
    });
    const agents: AgentInstance[] = [
      { id: 'oa', kind: kind('observer-a', true), state: null },
      { id: 'r', kind: kind('recipient', false), state: null },
      { id: 'b', kind: kind('bystander', false), state: null },
      { id: 'ob', kind: kind('observer-b', true), state: null },
    ];
    const bus = new EventBus();
    deliverTo(bus, agents, {} as World);
    bus.publish({ type: 'dispatched', time: 0, payload: { period: 0, agent: 'r', pKw: 1, priceEurPerKwh: 0.1, boughtKw: 1, soldKw: 0, welfareEur: 0 } });
    bus.drain();
    expect(got).toEqual(['observer-a:dispatched', 'recipient:dispatched', 'observer-b:dispatched']);
    got.length = 0;
    bus.publish({ type: 'period-closed', time: 0, payload: { period: 0 } });
    bus.drain();
    expect(got).toEqual(['observer-a:period-closed', 'recipient:period-closed', 'bystander:period-closed', 'observer-b:period-closed']);
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
