/** `truthful`: the members' aggregate curve unchanged — every community as under the central clearing. */
import { describe, expect, it } from 'vitest';
import { clearCommunityFast } from '../../../markets/community/fast-solver.js';
import { syntheticProblem } from '../../../markets/community/synthetic.js';
import { clearWith, communityWelfare } from './helpers.js';

describe('manager strategy truthful', () => {
  it('leaves each community the welfare it has under the central clearing, and no margin', () => {
    const p = syntheticProblem({ communities: 4, agents: 60, batteries: 4, seed: 11 });
    const r = clearWith(p, { c1: { name: 'truthful' }, c2: { name: 'truthful' } });
    const central = clearCommunityFast(p);
    const w = communityWelfare(p, r);
    const byCentral: Record<string, number> = {};
    central.agents.forEach((a, i) => {
      byCentral[p.agents[i].community] = (byCentral[p.agents[i].community] ?? 0) + a.welfareEur;
    });
    for (const [c, x] of Object.entries(w)) {
      expect(x.margin).toBe(0);
      expect(x.total).toBeCloseTo(byCentral[c], 9);
    }
  });
});
