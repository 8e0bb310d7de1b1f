/**
 * The community market cleared by the managers (`market.community_clearing: managers`, issue 16):
 * the market operator takes every manager's offer (a `bid-submitted` with `market: community-offer`)
 * and clears the inter-community and upstream trade from the offers alone
 * (markets/community/managers.ts); each community then clears internally against its traded
 * quantity at its price, from its members' bids, which the members sent to their manager (the bus
 * delivers them to the operator too, which clears the communities on the managers' behalf: one pure
 * function, no second round of messages).
 */
import { type CommunityDay, type CommunityProblem, type CommunityResult, dayAheadKktResiduals, type KktReport } from '../markets/community/index.js';
import { toCanonical } from '../markets/community/canonical.js';
import { clearDayByManagers } from '../markets/community/managers-day.js';
import { clearCommunityManagers, hasPartnerTerms, type ManagerOffer, type ManagersResult, outcomesOf } from '../markets/community/managers.js';
import type { HighsModule } from '../markets/solvers/highs.js';
import { SolverError } from '../src/errors.js';
import type { CommunityTrade } from '../src/kernel/events.js';
import type { World } from './agent.js';
import { type ClearingSnapshot, type SubmittedBid, communityProblem, communitySnapshot, failedDay } from './market-operator.js';

/** Per-community rows of a cleared period (communities.csv and `market-cleared`). */
export function communityTrades(problem: CommunityProblem, r: CommunityResult, clearing: CommunityTrade['clearing'], marginEur?: ArrayLike<number>): CommunityTrade[] {
  const m = toCanonical(problem);
  const members = new Float64Array(problem.communities.length);
  r.agents.forEach((a, i) => {
    members[m.communityOf[i]] += a.welfareEur;
  });
  return outcomesOf(problem, m, r, marginEur).map((o, k) => ({ ...o, clearing, membersWelfareEur: members[k] }));
}

/** The managers' offers among `bids`, in the order of `problem`'s communities; a community without one is a bug. */
function offersOf(problem: CommunityProblem, period: number, bids: readonly SubmittedBid[]): ManagerOffer[] {
  const offers = new Map<string, ManagerOffer>();
  for (const b of bids) if (b.bid.market === 'community-offer') offers.set(b.bid.offer.community, b.bid.offer);
  const missing = problem.communities.filter((c) => !offers.has(c.id)).map((c) => c.id);
  // every community with members has a manager that bids once its members have: a gap is a bug
  if (missing.length > 0) throw new Error(`period ${period}: no manager offer for ${missing.join(', ')}`);
  return problem.communities.map((c) => offers.get(c.id) as ManagerOffer);
}

/** HiGHS failing on a day (error −1) is a counted market failure; a broken invariant or offer is not. */
function isSolverFailure(err: unknown): err is SolverError {
  return err instanceof SolverError && err.status !== 'invariant violated' && err.status !== 'bad offer';
}

/**
 * Clears one community-market period from the managers' offers: the exact single-price clearing
 * (`clearCommunityManagers`), or, when an offer sets per-partner terms (a refused neighbour, a
 * markup for one partner), the coordination of markets/community/managers-day.ts on a one-hour day.
 */
export function clearByManagers(world: World, period: number, bids: readonly SubmittedBid[]): ClearingSnapshot {
  const { problem, owner } = communityProblem(world, bids);
  const offers = offersOf(problem, period, bids);
  let r: ManagersResult;
  if (offers.some(hasPartnerTerms)) {
    const highs = world.services.highs;
    if (!highs) throw new Error('market operator: managers with per-partner terms without a loaded HiGHS module');
    try {
      const day = clearDayByManagers(highs, { hours: [problem] }, [offers]);
      r = day.status === 'optimal' ? day.hours[0] : { ...day.hours[0], status: 'infeasible' };
    } catch (err) {
      if (!isSolverFailure(err)) throw err;
      return failedDay([bids], `error: ${err.message}`).day.map((d) => ({ ...d, period }))[0];
    }
  } else r = clearCommunityManagers(problem, offers);
  const margins = r.managers.map((x) => x.marginEur);
  return communitySnapshot(period, bids, owner, r, r.status === 'optimal' ? communityTrades(problem, r, 'managers', margins) : undefined);
}

/**
 * Clears the day-ahead community market from the managers' day offers (every period's
 * `community-offer`, taken at the first gate; markets/community/managers-day.ts). The day carries
 * the central day's KKT certificate: with truthful managers it certifies the welfare optimum; with
 * strategic ones it measures how far from it the managers' outcome lies.
 */
export function clearDayByManagersAt(world: World, byPeriod: readonly (readonly SubmittedBid[])[], day: CommunityDay, owner: ReadonlyMap<string, string>, highs: HighsModule): { day: ClearingSnapshot[]; kkt: KktReport } {
  const offers = day.hours.map((p, t) => offersOf(p, t, byPeriod[t]));
  let r: ReturnType<typeof clearDayByManagers>;
  try {
    r = clearDayByManagers(highs, day, offers);
  } catch (err) {
    if (!isSolverFailure(err)) throw err;
    return failedDay(byPeriod, `error: ${err.message}`);
  }
  if (r.status !== 'optimal') return failedDay(byPeriod, r.status);
  const kkt = dayAheadKktResiduals(day, r, r.energyValueEurPerKwh!);
  const snapshots = r.hours.map((h, k) =>
    communitySnapshot(
      k,
      byPeriod[k],
      owner,
      h,
      communityTrades(
        day.hours[k],
        h,
        'managers',
        h.managers.map((x) => x.marginEur),
      ),
    ),
  );
  return { day: snapshots, kkt };
}
