/**
 * `--solver qp` on valid problems of a few hundred agents (issue 11): HiGHS's unregularised QP
 * failed with error −1 on 300 agents in 30 communities (seed 2 of the synthetic generator). The
 * oracle retries once with HiGHS's default regularisation; the result must still pass the run-time
 * invariants (balance, KKT) and equal the exact structured solver's welfare.
 */
import { describe, expect, it } from 'vitest';
import { clearCommunityFast } from '../../../markets/community/index.js';
import { clearCommunityQp } from '../../../markets/community/qp-oracle.js';
import { syntheticProblem } from '../../../markets/community/synthetic.js';

describe('community QP oracle at a few hundred agents', () => {
  it('clears the instance HiGHS failed on (−1) and agrees with the fast solver', async () => {
    const p = syntheticProblem({ communities: 30, agents: 300, batteries: 15, seed: 2 });
    const q = await clearCommunityQp(p);
    const f = clearCommunityFast(p);
    expect(q.status).toBe('optimal');
    expect(Math.abs(q.welfareEur! - f.welfareEur!)).toBeLessThan(1e-9 * Math.abs(f.welfareEur!));
  });
});
