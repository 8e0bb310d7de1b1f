/**
 * Plugins without forking (issue 13): the example plugin project in examples/ (a time-of-use
 * demand strategy in JavaScript, a peak-aware battery in TypeScript, a learning markup seller) runs
 * through lemsim's registries, each behaving as its file says; a learning seller's revenue rises
 * over 30 days; and bad plugins are located errors naming the plugin file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BatteryState } from '../../agents/battery.js';
import type { ProsumerState } from '../../agents/prosumer.js';
import { ScenarioError } from '../../src/errors.js';
import type { AnyEvent } from '../../src/kernel/events.js';
import { buildRegistry } from '../../src/sim/plugins.js';
import { loadScenario, parseScenario } from '../../src/scenario.js';
import { projectDir } from '../../src/shared-data.js';
import { Simulation } from '../../src/sim/simulation.js';
import { tempDir, tempDirInProject } from '../helpers/temp.js';

const EX = join(projectDir(), 'examples');

async function errorOf(plugins: string[], file: string): Promise<ScenarioError> {
  try {
    await buildRegistry(plugins, file);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

describe('plugin loading', () => {
  it('adds a plugin file’s strategies to the built-ins, from JavaScript and TypeScript', async () => {
    const r = await buildRegistry(['plugins/time-of-use.mjs', 'plugins/peak-aware-battery.ts', 'plugins/learning-markup.mjs'], join(EX, 'scenario.yaml'));
    expect(Object.keys(r.strategies)).toEqual(expect.arrayContaining(['srmc', 'time-of-use', 'peak-aware-battery', 'learning-markup']));
  });

  it('names the plugin file and the field for every kind of bad plugin', async () => {
    const dir = tempDir();
    const scen = join(dir, 's.yaml');
    const put = (name: string, text: string) => writeFileSync(join(dir, name), text);
    put('empty.mjs', 'export const nothing = 1;\n');
    put('shape.mjs', "export const strategies = { s: { name: 's', sides: ['supply'], defaults: {} } };\n");
    put('clash.mjs', "export const strategies = { srmc: { name: 'srmc', sides: ['supply'], defaults: {}, initialState: null, offer: () => ({}) } };\n");
    put('keys.mjs', "export const strategies = { a: { name: 'b', sides: ['supply'], defaults: {}, initialState: null, offer: () => ({}) } };\n");
    put('broken.ts', 'export const strategies = { : };\n');
    put('data.txt', 'x');
    mkdirSync(join(dir, 'folder.mjs'));
    const cases: [string[], RegExp][] = [
      [['missing.mjs'], /plugins\[0\].*does not exist/],
      [['empty.mjs'], /plugins\[0\].*exports none of strategies, agentKinds, mechanisms/],
      [['shape.mjs'], /plugins\[0\].*strategies\.s\.offer must be a function/],
      [['clash.mjs'], /plugins\[0\].*strategies\.srmc clashes with lemsim's built-in 'srmc'/],
      [['keys.mjs'], /strategies\.a has name 'b'/],
      [['broken.ts'], /plugins\[0\].*broken\.ts' failed to load/],
      [['data.txt'], /expected a \.js, \.mjs, \.ts or \.mts module/],
      [['folder.mjs'], /is not a file/],
      [['empty.mjs', 'keys.mjs'], /plugins\[0\]/],
    ];
    for (const [plugins, re] of cases) {
      const e = await errorOf(plugins, scen);
      expect(e.message).toMatch(re);
      expect(e.message).toContain(scen);
    }
    // a second plugin taking a name the first took
    put('one.mjs', "export const strategies = { mine: { name: 'mine', sides: ['supply'], defaults: {}, initialState: null, offer: () => ({}) } };\n");
    const e = await errorOf(['one.mjs', 'one.mjs'], scen);
    expect(e.message).toMatch(/plugins\[1\].*strategies\.mine clashes with the plugin '.*one\.mjs'/);
  });

  it('a scenario naming a plugin kind gets instances of it, built through the registry', async () => {
    const dir = tempDirInProject();
    writeFileSync(
      join(dir, 'observer.mjs'),
      `import { defineAgentKind } from 'lemsim';
export const agentKinds = { 'price-observer': defineAgentKind({
  kind: 'price-observer', handles: ['market-cleared'],
  init: (id, config) => ({ id, label: config.label, prices: [] }),
  transition: (state, event) => ({ state: { ...state, prices: [...state.prices, event.payload.prices.market ?? null] } }),
}) };
`,
    );
    const file = join(dir, 's.yaml');
    writeFileSync(file, `feeder: ${JSON.stringify(join(EX, 'feeders/street.dss'))}\nplugins: [observer.mjs]\nhorizon: { from: "17:00", to: "18:00" }\nmarket: { period_min: 15 }\npower_flow: { step_s: 900 }\nagents: [{ kind: price-observer, id: watcher, config: { label: w } }]\nreinforcement: { enabled: false, max_iterations: 1 }\n`);
    const sim = await Simulation.create(loadScenario(file));
    sim.run();
    const watcher = sim.agent('watcher')!;
    expect(watcher.kind.kind).toBe('price-observer');
    const st = watcher.state as { label: string; prices: (number | null)[] };
    expect(st.label).toBe('w');
    expect(st.prices).toHaveLength(4);
    expect(st.prices.every((p) => typeof p === 'number' && p > 0)).toBe(true);
  });
});

describe('bids are validated at gate closure', () => {
  it('a strategy that offers a non-finite quantity stops the run with a message naming the bidder', async () => {
    const dir = tempDirInProject();
    writeFileSync(
      join(dir, 'bad.mjs'),
      `import { NO_OFFER, defineStrategy } from 'lemsim';
export const strategies = { 'nan-seller': defineStrategy({ name: 'nan-seller', sides: ['supply'], defaults: {},
  stateless: (_side, ctx) => ({ ...NO_OFFER, supply: [{ id: ctx.agent + ':s', kw: Number.NaN, priceEurPerKwh: 0.02 }] }) }) };
`,
    );
    const file = join(dir, 's.yaml');
    writeFileSync(file, `feeder: ${JSON.stringify(join(EX, 'feeders/street.dss'))}\nplugins: [bad.mjs]\nhorizon: { from: "12:00", to: "12:15" }\nmarket: { period_min: 15 }\npower_flow: { step_s: 900 }\nprosumers: { strategy: { supply: { name: nan-seller } } }\nreinforcement: { enabled: false, max_iterations: 1 }\n`);
    const sim = await Simulation.create(loadScenario(file));
    expect(() => sim.run()).toThrow(/agent 'mo' \(market-operator\) failed on gate-closed at 12:00.*bid of agent 'p-house1'.*kw/);
  });
});

describe('the example plugins at work', () => {
  it('time-of-use consumers bid their tariff, the peak-aware battery reads forecast and voltage', async () => {
    const sim = await Simulation.create(loadScenario(join(EX, 'scenarios/street-plugins.yaml')));
    const bids = new Map<string, AnyEvent>();
    sim.onBus((bus) => bus.on('bid-submitted').subscribe((e) => bids.set(`${e.payload.agent}@${e.time}`, e)));
    const summaries = sim.run();
    expect(summaries).toHaveLength(1);
    // house2 has no PV and bids the Eq. 6 curve anchored at its tariff: the nominal block at the tariff price
    const nominalPrice = (t: string) => {
      const e = bids.get(`p-house2@${t}`)!;
      if (e.type !== 'bid-submitted' || e.payload.bid.market !== 'auction') throw new Error('no auction bid');
      return Math.max(...e.payload.bid.demand.map((b) => b.priceEurPerKwh));
    };
    const h = (hh: number) => String(hh * 3600);
    expect(nominalPrice(h(18))).toBeGreaterThan(nominalPrice(h(12)));
    expect(nominalPrice(h(8))).toBeGreaterThan(nominalPrice(h(12)));
    const battery = sim.agents.find((a) => a.kind.kind === 'battery')!;
    const st = battery.state as BatteryState;
    const counters = st.memory.strategyState.supply as { charged: number; discharged: number; byVoltage: number };
    expect(counters.charged).toBeGreaterThan(0);
    expect(counters.discharged).toBeGreaterThan(0);
    // the grid operator's solves reach the battery's context as the voltage at its bus
    expect(st.memory.voltagePu).toBeGreaterThan(0.9);
    expect(st.memory.voltagePu).toBeLessThan(1.1);
    const house = sim.agent('p-house1')!.state as ProsumerState;
    expect(house.memory.settlements.length).toBeGreaterThan(0);
    // its own past bids, the last eight periods, the latest being the last period's
    expect(house.memory.bids).toHaveLength(8);
    expect(house.memory.bids[7].period).toBe(sim.world.periods.length - 1);
  });

  it('the learning seller earns more per day after 30 days of learning than in its first days', async () => {
    // direction: revenue of the last five days above that of the first five by at least 5 % (measured: +12 %)
    const sim = await Simulation.create(loadScenario(join(EX, 'scenarios/learning-30-days.yaml')));
    const perDay = new Array(30).fill(0);
    sim.onBus((bus) =>
      bus.on('dispatched').subscribe((e) => {
        if (e.payload.agent === 'p-house1') perDay[Math.floor(e.time / 86400)] += e.payload.soldKw * e.payload.priceEurPerKwh * sim.world.periodHours;
      }),
    );
    sim.run();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(perDay.slice(0, 5));
    const last = mean(perDay.slice(25));
    expect(first).toBeGreaterThan(0);
    expect(last).toBeGreaterThan(first * 1.05);
  });

  it('the seed drives the learner’s exploration: two seeds differ, one seed repeats', async () => {
    const run = async (seed: number) => {
      const loaded = loadScenario(join(EX, 'scenarios/learning-30-days.yaml'));
      const scenario = parseScenario({ ...loaded.scenario, seed, horizon: { from: '00:00', to: '5+00:00' } }, loaded.file);
      const sim = await Simulation.create({ ...loaded, scenario });
      return JSON.stringify(sim.run().map((s) => s.welfareEur)) + JSON.stringify((sim.agent('p-house1')!.state as ProsumerState).memory.strategyState);
    };
    const a = await run(1);
    expect(await run(1)).toBe(a);
    expect(await run(2)).not.toBe(a);
  });
});
