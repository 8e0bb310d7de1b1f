/**
 * Agents are plain state plus a pure transition (DESIGN rule 5, issue 13): every agent's state can
 * be cloned (structuredClone refuses functions and class instances such as engines), the clone equals
 * the original, and the engines live in the world's services. Re-running a period's transitions from
 * a cloned snapshot gives the same next state: a snapshot can be restored.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario.js';
import { projectDir } from '../../src/shared-data.js';
import { Simulation } from '../../src/sim/simulation.js';

describe('agent state', () => {
  it('is plain data for every agent kind, in both markets', async () => {
    for (const mechanism of ['auction', 'community'] as const) {
      const loaded = loadScenario(join(projectDir(), 'scenarios/example-small.yaml'));
      const scenario = { ...loaded.scenario, market: { ...loaded.scenario.market, mechanism }, batteries: { ...loaded.scenario.batteries, initial: [{ bus: 'w2', units: 1 }] }, reinforcement: { ...loaded.scenario.reinforcement, enabled: false } };
      const sim = await Simulation.create({ ...loaded, scenario });
      for (let k = 0; k < 200 && sim.step(); k++);
      const kinds = new Set(sim.agents.map((a) => a.kind.kind));
      expect([...kinds].sort()).toEqual(['battery', 'community-manager', 'dso-planner', 'grid-operator', 'ledger', 'market-operator', 'prosumer']);
      for (const a of sim.agents) {
        const copy = structuredClone(a.state);
        expect(copy, `${mechanism}: ${a.id}`).toStrictEqual(a.state);
      }
    }
  });

  it('a restored snapshot transitions exactly as the original', async () => {
    const sim = await Simulation.create(loadScenario(join(projectDir(), 'scenarios/example-small.yaml')));
    for (let k = 0; k < 40; k++) sim.step();
    const snapshot = sim.agents.map((a) => structuredClone(a.state));
    const next = sim.bus.peek()!;
    const fromOriginal = sim.agents.map((a) => (a.kind.handles.includes(next.type) ? a.kind.transition(a.state, next, sim.world).state : a.state));
    const fromSnapshot = sim.agents.map((a, i) => (a.kind.handles.includes(next.type) ? a.kind.transition(snapshot[i], next, sim.world).state : snapshot[i]));
    expect(fromSnapshot).toEqual(fromOriginal);
  });
});
