/**
 * community-managers-cs2-day (issue 16): the CS2 day cleared by the managers against the central
 * clearing, in the same run. Target: managers ≤ 3× central.
 * - Market level, on the CS2-sized synthetic day (272 agents, 5 communities, 24 hours):
 *   `central_ms` is the central fast solver over the 24 hours; `managers_ms` is what the managers'
 *   design does over the same hours — every manager builds its community's curve from its members
 *   (`communityCurve`), then the offers are cleared and each community clears internally
 *   (`clearCommunityManagers`, with its run-time invariants). `welfare_rel_err` is the worst hour.
 * - Simulation level, on scenarios/paper000-cs2.yaml (shared data; one iteration, hourly market):
 *   the whole run (bidding, managers' offers on the bus, clearing, power flow, bookkeeping) both ways.
 */
import { toCanonical } from '../markets/community/canonical.js';
import { clearCommunityFast } from '../markets/community/fast-solver.js';
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

async function simSeconds(clearing: 'central' | 'managers'): Promise<{ s: number; welfare: number }> {
  const loaded = loadScenario('scenarios/paper000-cs2.yaml');
  const market = { ...loaded.scenario.market, community_clearing: clearing, ...('day_mode' in loaded.scenario.market ? { day_mode: 'hourly' } : {}) };
  const scenario = parseScenario({ ...loaded.scenario, market, reinforcement: { ...loaded.scenario.reinforcement, enabled: false, max_iterations: 1 } }, loaded.file);
  const t0 = process.hrtime.bigint();
  const sim = await Simulation.create({ ...loaded, scenario });
  const summaries = sim.run();
  return { s: secondsSince(t0), welfare: summaries[0].welfareEur };
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
    if (hasShared('feeders/costa-rica-mar/Master.dss')) {
      // alternate the order so neither side always runs on a warmer process
      const c1 = await simSeconds('central');
      const m1 = await simSeconds('managers');
      const m2 = await simSeconds('managers');
      const c2 = await simSeconds('central');
      const cs = Math.min(c1.s, c2.s);
      const ms = Math.min(m1.s, m2.s);
      Object.assign(out, { sim_central_s: round(cs), sim_managers_s: round(ms), sim_ratio: round(ms / cs, 2), sim_welfare_rel_err: Math.abs(m1.welfare - c1.welfare) / (1 + Math.abs(c1.welfare)) });
    } else out.sim_skipped = 'shared data missing: feeders/costa-rica-mar/Master.dss';
    out.peak_mb = peakMb();
    return out;
  },
};
