/** Runs manager strategies on a community-market problem and reports each community's welfare. */
import { clearCommunityManagers, type ManagerOffer, type ManagersResult, truthfulOffers } from '../../../markets/community/managers.js';
import type { CommunityProblem } from '../../../markets/community/model.js';
import { managerStrategies } from '../../../agents/strategies/managers/index.js';
import type { JsonValue } from '../../../agents/strategies/strategy.js';

/** Offers of every community: `byCommunity` names a strategy (and params) per community, else truthful. */
export function offersWith(problem: CommunityProblem, byCommunity: Record<string, { name: string; params?: Record<string, JsonValue> }>): ManagerOffer[] {
  return truthfulOffers(problem).map((truthful) => {
    const ref = byCommunity[truthful.community] ?? { name: 'truthful' };
    const s = managerStrategies[ref.name];
    const r = s.offer(
      {
        manager: `cm-${truthful.community}`,
        community: truthful.community,
        clock: { iso: '2019-06-01T12:00:00', periodIndex: 0, periodMinutes: 60, periodHours: 1, startS: 43200 },
        truthful,
        importPriceEurPerKwh: problem.grid.importPriceEurPerKwh,
        exportPriceEurPerKwh: problem.grid.exportPriceEurPerKwh,
        interCommunityFeeEurPerKwh: problem.interCommunityFeeEurPerKwh,
        periodHours: problem.periodHours,
        history: [],
        params: { ...s.defaults, ...(ref.params ?? {}) },
        random: () => 0.5,
      },
      s.initialState,
    );
    return r.offer;
  });
}

/** Each community's welfare: its members' individual welfare plus its manager's margin, EUR. */
export function communityWelfare(problem: CommunityProblem, r: ManagersResult): Record<string, { members: number; margin: number; total: number }> {
  const out: Record<string, { members: number; margin: number; total: number }> = {};
  for (const x of r.managers) out[x.community] = { members: 0, margin: x.marginEur, total: x.marginEur };
  r.agents.forEach((a, i) => {
    const c = out[problem.agents[i].community];
    c.members += a.welfareEur;
    c.total += a.welfareEur;
  });
  return out;
}

export function clearWith(problem: CommunityProblem, byCommunity: Record<string, { name: string; params?: Record<string, JsonValue> }>): ManagersResult {
  return clearCommunityManagers(problem, offersWith(problem, byCommunity));
}
