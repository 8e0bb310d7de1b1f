/**
 * The community market of seed 000 behind one interface: a clearing function per solver, chosen by
 * name (DESIGN rule 6). `fast` is the exact structured solver, `qp` the generic QP (HiGHS) for
 * extensions that break the structure and for checking `fast`. Days run hourly (soc carried) or
 * day-ahead (soc coupled inside one optimisation).
 */
import { clearDayAhead } from './day-ahead.js';
import { clearDayAheadQp, clearDayHourly } from './day.js';
import { clearCommunityFast } from './fast-solver.js';
import type { CommunityDay, CommunityProblem, CommunityResult, DayResult } from './model.js';
import { clearCommunityQp } from './qp-oracle.js';

/** A way to clear one period; `clear` is a pure function of the problem (DESIGN rule 4). */
export interface CommunitySolver {
  readonly name: string;
  clear(problem: CommunityProblem): Promise<CommunityResult>;
}

export const communitySolvers: Readonly<Record<string, CommunitySolver>> = {
  fast: { name: 'fast', clear: async (p) => clearCommunityFast(p) },
  qp: { name: 'qp', clear: (p) => clearCommunityQp(p) },
};

export type DayMode = 'hourly' | 'day-ahead';

/**
 * Clears a day. `hourly` clears hour by hour with `solver`; `day-ahead` optimises all hours together
 * (solver `fast`: reduced QP plus exact hourly re-clearing; `qp`: the full QP).
 */
export async function clearDay(day: CommunityDay, mode: DayMode, solver: 'fast' | 'qp' = 'fast'): Promise<DayResult> {
  if (mode === 'hourly') return clearDayHourly(day, communitySolvers[solver].clear);
  return solver === 'fast' ? clearDayAhead(day) : clearDayAheadQp(day);
}

export * from './model.js';
export { STANDARD_BATTERY_UNIT, standardBatteryUnits } from './battery.js';
export { clearCommunityFast } from './fast-solver.js';
export { clearCommunityQp } from './qp-oracle.js';
export { clearDayAhead, clearDayAheadWith } from './day-ahead.js';
export { clearDayAheadQp, clearDayAheadQpWith, clearDayHourly } from './day.js';
export { dayAheadKktResiduals, kktHolds, kktResiduals, type KktReport } from './kkt.js';
export { communityResultToJson, parseCommunityProblem, validateProblem } from './problem-json.js';
export { clearCommunityManagers, clearOffers, communityCurve, curveAt, type ManagerOffer, type ManagerOutcome, type ManagersResult, type NetImportCurve, type PartnerTerms, truthfulOffers } from './managers.js';
export { clearDayByManagers, type ManagersDayResult, truthfulDayOffers } from './managers-day.js';
