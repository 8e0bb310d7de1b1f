/**
 * Issue 16, done-when: `scenarios/paper000-cs2.yaml` with `market.community_clearing: managers` and
 * truthful managers reproduces the central result — every reinforcement iteration's welfare within
 * 1e-6 relative, every period's welfare and community prices, the same violations and the same
 * batteries placed. The managers' clearing is period by period, so a scenario in the day-ahead
 * market (`market.day_mode`, where that option exists) is compared in its hourly form, both ways.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '../../src/scenario.js';
import { Simulation } from '../../src/simulation.js';
import type { AnyEvent } from '../../src/events.js';
import { describeWithShared } from '../helpers/shared.js';

const CS2 = 'scenarios/paper000-cs2.yaml';

async function run(clearing: 'central' | 'managers') {
  const loaded = loadScenario(CS2);
  const market = { ...loaded.scenario.market, community_clearing: clearing, ...('day_mode' in loaded.scenario.market ? { day_mode: 'hourly' } : {}) };
  const scenario = parseScenario({ ...loaded.scenario, market }, loaded.file);
  const sim = await Simulation.create({ ...loaded, scenario });
  const cleared: { iteration: number; welfareEur: number; prices: Readonly<Record<string, number>> }[] = [];
  let offers = 0;
  sim.onBus((bus) =>
    bus.listen((e: AnyEvent) => {
      if (e.type === 'market-cleared') cleared.push({ iteration: e.iteration, welfareEur: e.payload.welfareEur, prices: e.payload.prices });
      if (e.type === 'bid-submitted' && e.payload.bid.market === 'community-offer') offers++;
    }),
  );
  const summaries = sim.run();
  return { summaries, cleared, offers };
}

describeWithShared('paper 000 CS2 with managers that bid', ['feeders/costa-rica-mar/Master.dss'], () => {
  it('truthful managers reproduce the central run (welfare within 1e-6 relative, same violations and batteries)', async () => {
    const central = await run('central');
    const managers = await run('managers');
    expect(central.offers).toBe(0);
    expect(managers.offers).toBe(5 * managers.cleared.length);
    expect(managers.summaries.length).toBe(central.summaries.length);
    let worst = 0;
    central.summaries.forEach((c, k) => {
      const m = managers.summaries[k];
      const err = Math.abs(m.welfareEur - c.welfareEur) / (1 + Math.abs(c.welfareEur));
      worst = Math.max(worst, err);
      expect(err).toBeLessThanOrEqual(1e-6);
      expect(m.violations).toBe(c.violations);
      expect(m.violatingBuses).toEqual(c.violatingBuses);
      expect(m.batteries).toEqual(c.batteries);
    });
    expect(managers.cleared.length).toBe(central.cleared.length);
    let worstPeriod = 0;
    central.cleared.forEach((c, k) => {
      const m = managers.cleared[k];
      worstPeriod = Math.max(worstPeriod, Math.abs(m.welfareEur - c.welfareEur) / (1 + Math.abs(c.welfareEur)));
      for (const [id, p] of Object.entries(c.prices)) expect(m.prices[id]).toBeCloseTo(p, 9);
    });
    expect(worstPeriod).toBeLessThanOrEqual(1e-6);
    console.log(`CS2 managers vs central: worst relative welfare error ${worst.toExponential(2)} per iteration, ${worstPeriod.toExponential(2)} per period`);
  }, 300_000);
});
