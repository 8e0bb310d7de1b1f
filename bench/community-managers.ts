/**
 * community-managers-cs2-day (issue 16): the CS2 day cleared by the managers against the central
 * clearing, in the same run, in both market modes. Target: managers ≤ 3× central.
 * - Market level, on the CS2-sized synthetic day (272 agents of which 12 batteries, 5 communities,
 *   24 hours):
 *   hourly: `central_ms` is the central fast solver over the 24 hours; `managers_ms` is what the
 *   managers' design does over the same hours — every manager builds its community's curve from its
 *   members (`communityCurve`), then the offers are cleared and each community clears internally
 *   (`clearCommunityManagers`, with its run-time invariants). `welfare_rel_err` is the worst hour.
 *   day-ahead (`day_*`): the central day-ahead solver (`clearDayAheadWith`, pooled batteries) against
 *   the managers' day (`truthfulDayOffers` — each manager's curves and pooled storage — then
 *   `clearDayByManagers` with its invariants); `day_welfare_rel_err` over the day.
 * - Simulation level, on scenarios/paper000-cs2.yaml (shared data): the whole run (bidding, managers'
 *   offers on the bus, clearing, power flow, bookkeeping) both ways: hourly with one iteration
 *   (`sim_*`), and the scenario's own day-ahead market with two iterations — the second with the
 *   batteries the paper's rule places (`sim_day_*`).
 */
import { toCanonical } from '../markets/community/canonical.js';
import { clearDayAheadWith } from '../markets/community/day-ahead.js';
import { clearCommunityFast } from '../markets/community/fast-solver.js';
import { clearDayByManagers, truthfulDayOffers } from '../markets/community/managers-day.js';
import { loadHighs } from '../markets/solvers/highs.js';
import { clearCommunityManagers, communityCurve, type ManagerOffer } from '../markets/community/managers.js';
import type { CommunityProblem } from '../markets/community/model.js';
import { caseStudy2Like, syntheticDay } from '../markets/community/synthetic.js';
import { loadScenario, parseScenario } from '../src/scenario.js';
import { hasShared } from '../src/shared-data.js';
import { Simulation } from '../src/sim/simulation.js';
import { type Benchmark, peakMb, secondsSince } from './bench.js';

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Median wall times of `a` and `b`, ms, measured alternately (a, b, a, b, …) after `warmup` rounds,
 * so a shared machine's load drifts over both alike.
 */
function timePairMs(a: () => unknown, b: () => unknown, runs: number, warmup: number): [number, number] {
  for (let k = 0; k < warmup; k++) (a(), b());
  const ta: number[] = [];
  const tb: number[] = [];
  const time = (f: () => unknown, into: number[]) => {
    const t0 = process.hrtime.bigint();
    f();
    into.push(Number(process.hrtime.bigint() - t0) / 1e6);
  };
  for (let k = 0; k < runs; k++) {
    time(a, ta);
    time(b, tb);
  }
  return [median(ta), median(tb)];
}

/** The managers' side of one hour: each manager's curve from its members alone, then the clearing. */
function byManagers(p: CommunityProblem) {
  const offers: ManagerOffer[] = p.communities.map((c) => {
    const members: CommunityProblem = { ...p, communities: [c], agents: p.agents.filter((a) => a.community === c.id) };
    return { community: c.id, curve: communityCurve(toCanonical(members), 0), exportMarginEurPerKwh: 0, maxGridImportKw: null };
  });
  return clearCommunityManagers(p, offers);
}

async function simSeconds(clearing: 'central' | 'managers', dayMode: 'hourly' | 'day-ahead'): Promise<{ s: number; welfare: number }> {
  const loaded = loadScenario('scenarios/paper000-cs2.yaml');
  const market = { ...loaded.scenario.market, community_clearing: clearing, day_mode: dayMode };
  // hourly: one iteration; day-ahead: two, the second with the batteries the paper's rule places
  const reinforcement = dayMode === 'hourly' ? { ...loaded.scenario.reinforcement, enabled: false, max_iterations: 1 } : { ...loaded.scenario.reinforcement, max_iterations: 2 };
  const scenario = parseScenario({ ...loaded.scenario, market, reinforcement }, loaded.file);
  const t0 = process.hrtime.bigint();
  const sim = await Simulation.create({ ...loaded, scenario });
  const summaries = sim.run();
  return { s: secondsSince(t0), welfare: summaries.reduce((a, x) => a + x.welfareEur, 0) };
}

/** Both ways, alternating the order so neither side always runs on a warmer process; the faster of two runs each. */
async function simPair(dayMode: 'hourly' | 'day-ahead'): Promise<{ central: number; managers: number; err: number }> {
  const c1 = await simSeconds('central', dayMode);
  const m1 = await simSeconds('managers', dayMode);
  const m2 = await simSeconds('managers', dayMode);
  const c2 = await simSeconds('central', dayMode);
  return { central: Math.min(c1.s, c2.s), managers: Math.min(m1.s, m2.s), err: Math.abs(m1.welfare - c1.welfare) / (1 + Math.abs(c1.welfare)) };
}

export const communityManagersCs2Day: Benchmark = {
  name: 'community-managers-cs2-day',
  async run() {
    const day = syntheticDay(caseStudy2Like());
    const central = () => day.hours.map((h) => clearCommunityFast(h));
    const managers = () => day.hours.map((h) => byManagers(h));
    const [centralMs, managersMs] = timePairMs(central, managers, 41, 5);
    const a = central();
    const b = managers();
    let worst = 0;
    a.forEach((r, k) => {
      worst = Math.max(worst, Math.abs((b[k].welfareEur as number) - (r.welfareEur as number)) / (1 + Math.abs(r.welfareEur as number)));
    });
    const out: Record<string, unknown> = {
      hours: day.hours.length,
      agents: day.hours[0].agents.length,
      communities: day.hours[0].communities.length,
      central_ms: round(centralMs),
      managers_ms: round(managersMs),
      ratio: round(managersMs / centralMs, 2),
      welfare_rel_err: worst,
    };
    // the day-ahead market: the whole day at once, batteries across the hours
    const highs = await loadHighs();
    const dayCentral = () => clearDayAheadWith(highs, day);
    const dayManagers = () => clearDayByManagers(highs, day, truthfulDayOffers(day));
    const [dayCentralMs, dayManagersMs] = timePairMs(dayCentral, dayManagers, 9, 1);
    const dc = dayCentral();
    const dm = dayManagers();
    Object.assign(out, {
      batteries: day.hours[0].agents.filter((x) => x.kind === 'battery').length,
      day_central_ms: round(dayCentralMs),
      day_managers_ms: round(dayManagersMs),
      day_ratio: round(dayManagersMs / dayCentralMs, 2),
      day_welfare_rel_err: Math.abs((dm.welfareEur as number) - (dc.welfareEur as number)) / (1 + Math.abs(dc.welfareEur as number)),
    });
    if (hasShared('feeders/costa-rica-mar/Master.dss')) {
      const hourly = await simPair('hourly');
      Object.assign(out, { sim_central_s: round(hourly.central), sim_managers_s: round(hourly.managers), sim_ratio: round(hourly.managers / hourly.central, 2), sim_welfare_rel_err: hourly.err });
      const dayAhead = await simPair('day-ahead');
      Object.assign(out, { sim_day_central_s: round(dayAhead.central), sim_day_managers_s: round(dayAhead.managers), sim_day_ratio: round(dayAhead.managers / dayAhead.central, 2), sim_day_welfare_rel_err: dayAhead.err });
    } else out.sim_skipped = 'shared data missing: feeders/costa-rica-mar/Master.dss';
    out.peak_mb = peakMb();
    return out;
  },
};
