/**
 * Manager strategies through the plugin path (issue 16): a plugin module's `managerStrategies` are
 * registered beside the built-ins and picked by `market.managers`; a bad one, a clash with a
 * built-in, an unknown name or bad parameters are located `ScenarioError`s; `managers` clearing
 * needs the community market.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticFeeder } from '../../bench/synthetic-feeder.js';
import type { AnyEvent, CommunityTrade } from '../../src/kernel/events.js';
import { ScenarioError } from '../../src/errors.js';
import { parseScenario } from '../../src/scenario.js';
import { Simulation } from '../../src/sim/simulation.js';
import { tempDir } from '../helpers/temp.js';

const NO_EXPORTS = `
// a manager that refuses to sell to other communities: a markup no buyer would pay
export const managerStrategies = {
  'no-exports': {
    name: 'no-exports',
    defaults: {},
    initialState: { periods: 0, seen: 0 },
    offer: (ctx, state) => ({ offer: { ...ctx.truthful, exportMarginEurPerKwh: 1000 }, state: { periods: state.periods + 1, seen: ctx.history.length } }),
  },
};
`;

function scenarioIn(dir: string, market: Record<string, unknown>, plugins: string[] = []) {
  const feeder = writeSyntheticFeeder({ loads: 30 });
  const file = join(dir, 'scenario.yaml');
  const raw = {
    name: 'manager-plugins',
    seed: 3,
    feeder,
    plugins,
    horizon: { from: '10:00', to: '13:00' },
    market: { mechanism: 'community', period_min: 60, inter_community_fee: 0.005, ...market },
    power_flow: { step_s: 3600 },
    prosumers: { pv: { every: 2, kw: 4 }, communities: { count: 3 }, strategy: { supply: { name: 'quadratic' }, demand: { name: 'quadratic' } } },
    // the battery makes its community trade with the others
    batteries: { initial: [{ bus: 'c5', units: 3 }] },
    reinforcement: { enabled: false, max_iterations: 1 },
  };
  return { file, scenario: parseScenario(raw, file), feederPath: feeder };
}

function rowsOf(sim: Simulation): CommunityTrade[][] {
  const out: CommunityTrade[][] = [];
  sim.onBus((bus) => bus.listen((e: AnyEvent) => void (e.type === 'market-cleared' && out.push([...(e.payload.communities ?? [])]))));
  sim.run();
  return out;
}

describe('manager strategies as plugins', () => {
  it('a plugin strategy named by market.managers is used: its community sells nothing to the others', async () => {
    const dir = tempDir('lemsim-mgr-plugin-');
    writeFileSync(join(dir, 'no-exports.mjs'), NO_EXPORTS);
    const truthful = rowsOf(await Simulation.create(scenarioIn(dir, { community_clearing: 'managers' })));
    const sellers = new Set(truthful.flat().filter((r) => Object.keys(r.exportToKw).length > 0).map((r) => r.community));
    expect(sellers.size).toBeGreaterThan(0);
    const seller = [...sellers].sort()[0];
    const sim = await Simulation.create(scenarioIn(dir, { community_clearing: 'managers', managers: { communities: { [seller]: { name: 'no-exports' } } } }, ['./no-exports.mjs']));
    const rows = rowsOf(sim);
    for (const r of rows.flat()) if (r.community === seller) expect(Object.keys(r.exportToKw)).toEqual([]);
    const manager = sim.agents.find((a) => a.id === `cm-${seller}`)!;
    const st = (manager.state as { strategyState: { periods: number; seen: number } }).strategyState;
    expect(st.periods).toBe(sim.world.periods.length);
    // its context held the community's past periods: all but the one being bid for
    expect(st.seen).toBe(sim.world.periods.length - 1);
  });

  it('a plugin clashing with a built-in, a bad shape, an unknown name and bad parameters are located errors', async () => {
    const dir = tempDir('lemsim-mgr-plugin-');
    writeFileSync(join(dir, 'clash.mjs'), `export const managerStrategies = { truthful: { name: 'truthful', defaults: {}, initialState: null, offer: (c, s) => ({ offer: c.truthful, state: s }) } };`);
    writeFileSync(join(dir, 'shape.mjs'), `export const managerStrategies = { odd: { name: 'odd', defaults: {}, initialState: null } };`);
    const fails = async (market: Record<string, unknown>, plugins: string[], field: RegExp, message: RegExp) => {
      const err = await Simulation.create(scenarioIn(dir, market, plugins)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ScenarioError);
      expect((err as ScenarioError).message).toMatch(field);
      expect((err as ScenarioError).message).toMatch(message);
    };
    await fails({}, ['./clash.mjs'], /plugins\[0\]/, /managerStrategies\.truthful clashes with lemsim's built-in/);
    await fails({}, ['./shape.mjs'], /plugins\[0\]/, /managerStrategies\.odd\.offer must be a function/);
    await fails({ managers: { strategy: { name: 'greedy' } } }, [], /market\.managers\.strategy\.name/, /unknown manager strategy 'greedy'/);
    await fails({ managers: { communities: { c1: { name: 'export-margin', params: { margin_eur_per_kwh: -1 } } } } }, [], /market\.managers\.communities\.c1\.params/, /margin_eur_per_kwh must be a finite number ≥ 0/);
    await fails({ managers: { strategy: { name: 'import-cap', params: { cap: 3 } } } }, [], /market\.managers\.strategy\.params\.cap/, /unknown parameter/);
    await fails({ managers: { communities: { c9: { name: 'export-margin' } } } }, [], /market\.managers\.communities\.c9/, /no community 'c9' \(the scenario's communities: c1, c2, c3\)/);
    // a strategy's malformed offer stops the run with a located error naming the strategy
    writeFileSync(join(dir, 'rising.mjs'), `export const managerStrategies = { rising: { name: 'rising', defaults: {}, initialState: null, offer: (c, s) => ({ offer: { ...c.truthful, curve: { pricesEurPerKwh: [0.05, 0.1], lowKw: [1, 2], highKw: [1, 2] } }, state: s }) } };`);
    const sim = await Simulation.create(scenarioIn(dir, { community_clearing: 'managers', managers: { communities: { c2: { name: 'rising' } } } }, ['./rising.mjs']));
    let thrown: unknown;
    try {
      sim.run();
    } catch (e) {
      thrown = e;
    }
    expect((thrown as Error).message).toMatch(/market\.managers\.communities\.c2.*manager strategy 'rising' made a bad offer for c2: curve point 1: net import rises with the price/);
    expect((thrown as { exitCode: number }).exitCode).not.toBe(70);
    // managers clear the day-ahead market too (issue 16): no longer refused
    await expect(Simulation.create(scenarioIn(dir, { community_clearing: 'managers', day_mode: 'day-ahead' }, []))).resolves.toBeDefined();
    await fails({ mechanism: 'auction', community_clearing: 'managers' }, [], /market\.community_clearing/, /needs a community-market mechanism/);
  });
});
