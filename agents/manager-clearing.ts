/**
 * The community market cleared by the managers (`market.community_clearing: managers`, issue 16):
 * the market operator takes every manager's offer (a `bid-submitted` with `market: community-offer`)
 * and clears the inter-community and upstream trade from the offers alone
 * (markets/community/managers.ts); each community then clears internally against its traded
 * quantity at its price, from its members' bids, which the members sent to their manager (the bus
 * delivers them to the operator too, which clears the communities on the managers' behalf: one pure
 * function, no second round of messages).
 */
import { type CommunityProblem, type CommunityResult } from '../markets/community/index.js';
import { toCanonical } from '../markets/community/canonical.js';
import { clearCommunityManagers, type ManagerOffer, outcomesOf } from '../markets/community/managers.js';
import type { CommunityTrade } from '../src/kernel/events.js';
import type { World } from './agent.js';
import { type ClearingSnapshot, type SubmittedBid, communityProblem, communitySnapshot } from './market-operator.js';

/** Per-community rows of a cleared period (communities.csv and `market-cleared`). */
export function communityTrades(problem: CommunityProblem, r: CommunityResult, clearing: CommunityTrade['clearing'], marginEur?: ArrayLike<number>): CommunityTrade[] {
  const m = toCanonical(problem);
  const members = new Float64Array(problem.communities.length);
  r.agents.forEach((a, i) => {
    members[m.communityOf[i]] += a.welfareEur;
  });
  return outcomesOf(problem, m, r, marginEur).map((o, k) => ({ ...o, clearing, membersWelfareEur: members[k] }));
}

/** Clears one community-market period from the managers' offers. */
export function clearByManagers(world: World, period: number, bids: readonly SubmittedBid[]): ClearingSnapshot {
  const { problem, owner } = communityProblem(world, bids);
  const offers = new Map<string, ManagerOffer>();
  for (const b of bids) if (b.bid.market === 'community-offer') offers.set(b.bid.offer.community, b.bid.offer);
  const missing = problem.communities.filter((c) => !offers.has(c.id)).map((c) => c.id);
  // every community with members has a manager that bids once its members have: a gap is a bug
  if (missing.length > 0) throw new Error(`period ${period}: no manager offer for ${missing.join(', ')}`);
  const r = clearCommunityManagers(
    problem,
    problem.communities.map((c) => offers.get(c.id) as ManagerOffer),
  );
  const margins = r.managers.map((x) => x.marginEur);
  return communitySnapshot(period, bids, owner, r, r.status === 'optimal' ? communityTrades(problem, r, 'managers', margins) : undefined);
}
