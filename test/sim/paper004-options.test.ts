/**
 * The paper-004 options of issue 10 on lemsim's own example feeder (no shared data): the grid's
 * role in the auction (`market.grid`, `max_import_kw`, `max_export_kw`), Table 2's unit
 * (`energy_balance_kw_periods`), `prosumers.load_scale`, a measured PV profile (`solar.source:
 * file`, generated here from the clear-sky model so that both must agree), the voltage level the
 * statistics cover (`limits.statistics_kv`) and the bad-input messages.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { pvOutputKw } from '../../agents/solar.js';
import { parsePvProfile } from '../../src/io/pv-profile.js';
import { LemsimError, ScenarioError } from '../../src/errors.js';
import type { AnyEvent } from '../../src/kernel/events.js';
import { loadScenario } from '../../src/scenario.js';
import { projectDir } from '../../src/shared-data.js';
import { Simulation } from '../../src/sim/simulation.js';
import { tempDir } from '../helpers/temp.js';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

const EXAMPLE = join(projectDir(), 'scenarios/example-small.yaml');

/** example-small with `edit` applied, written to a temp folder (feeder path made absolute). */
function scenarioWith(edit: (s: Record<string, any>) => void, extra: Record<string, string> = {}): string {
  const s = parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, any>;
  s.feeder = join(projectDir(), 'scenarios', s.feeder);
  s.reinforcement = { enabled: false, max_iterations: 1 };
  edit(s);
  const dir = tempDir('lemsim-004-');
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  const file = join(dir, 'scenario.yaml');
  writeFileSync(file, stringify(s));
  return file;
}

async function run(file: string): Promise<{ sim: Simulation; events: AnyEvent[] }> {
  const sim = await Simulation.create(loadScenario(file));
  const events: AnyEvent[] = [];
  sim.onBus((bus) => bus.events$.subscribe((e) => events.push(e)));
  sim.run();
  return { sim, events };
}

const cleared = (events: AnyEvent[]) => events.flatMap((e) => (e.type === 'market-cleared' ? [e.payload] : []));

describe('market.grid', () => {
  it('counterparty imports the evening deficit; residual clears the peers among themselves', async () => {
    const cp = await run(scenarioWith(() => {}));
    const imports = cleared(cp.events).map((c) => c.importKw);
    expect(Math.max(...imports)).toBeGreaterThan(1); // the evening peak is bought from the grid
    const res = await run(scenarioWith((s) => (s.market.grid = 'residual')));
    const r = cleared(res.events);
    expect(r).toHaveLength(imports.length);
    for (const c of r) expect(c.importKw).toBe(0);
    // peers' accepted demand never exceeds their accepted supply (seed 004, Eq. 2)
    const e = res.sim.summaries[0].energyBalanceKwh;
    expect(e.consumption).toBeLessThanOrEqual(e.production + 1e-9);
    expect(e.import).toBe(0);
  });

  it('max_import_kw bounds the import of every period, under either role', async () => {
    const res = await run(scenarioWith((s) => (s.market.max_import_kw = 2)));
    const r = cleared(res.events);
    expect(Math.max(...r.map((c) => c.importKw))).toBeLessThanOrEqual(2 + 1e-9);
    expect(Math.max(...r.map((c) => c.importKw))).toBeGreaterThan(1.5);
    const res2 = await run(scenarioWith((s) => Object.assign(s.market, { grid: 'residual', max_import_kw: 1 })));
    expect(Math.max(...cleared(res2.events).map((c) => c.importKw))).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('is refused by the community market, naming the field', async () => {
    const file = scenarioWith((s) => Object.assign(s.market, { mechanism: 'community', grid: 'residual' }));
    await expect(Simulation.create(loadScenario(file))).rejects.toThrow(/market\.grid: 'residual' needs market\.mechanism: auction/);
  });
});

describe('energy balance in seed 004 Table 2 units', () => {
  it('is the kWh balance divided by the period length (kW summed over periods)', async () => {
    const { sim } = await run(scenarioWith(() => {}));
    const s = sim.summaries[0];
    const h = sim.world.periodHours;
    expect(h).toBe(0.25);
    for (const k of Object.keys(s.energyBalanceKwh) as (keyof typeof s.energyBalanceKwh)[]) {
      expect(s.energyBalanceKwPeriods[k]).toBeCloseTo(s.energyBalanceKwh[k] / h, 5);
    }
    expect(s.energyBalanceKwPeriods.consumption).toBeGreaterThan(0);
  });
});

describe('prosumers.load_scale', () => {
  it('scales every prosumer nominal demand', async () => {
    const nominal = async (scale: number) => {
      const sim = await Simulation.create(loadScenario(scenarioWith((s) => (s.prosumers.load_scale = scale))));
      while (true) {
        const e = sim.step();
        if (!e || e.type === 'gate-closed') break;
      }
      return sim.agents.filter((a) => a.kind.kind === 'prosumer').map((a) => (a.state as { nominalDemandKw: number }).nominalDemandKw);
    };
    const one = await nominal(1);
    const two = await nominal(1.93);
    expect(one.some((x) => x > 0)).toBe(true);
    one.forEach((x, i) => expect(two[i]).toBeCloseTo(1.93 * x, 12));
  });
});

describe('solar.source: file', () => {
  const morning = (s: Record<string, any>) => {
    s.horizon = { from: '08:00', to: '10:00' };
  };
  /** the clear-sky profile of the example's site, sampled every minute from 07:00 to 11:00 */
  function clearSkyCsv(): string {
    const site = { latitudeDeg: 45.07, longitudeDeg: 14.6, dayOfYear: 152, utcOffsetH: 2 };
    const lines = ['# generated by the test from the clear-sky model', 'time,pv_kw_per_kwp'];
    for (let m = 7 * 60; m <= 11 * 60; m++) lines.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')},${pvOutputKw(site, 1, m / 60, 0.85).toFixed(9)}`);
    return `${lines.join('\n')}\n`;
  }

  it('a measured profile equal to the clear sky gives the clear-sky production', async () => {
    const sky = await run(scenarioWith(morning));
    const file = await run(scenarioWith((s) => (morning(s), Object.assign(s.solar, { source: 'file', file: 'pv.csv' })), { 'pv.csv': clearSkyCsv() }));
    const a = sky.sim.summaries[0].energyBalanceKwh.production;
    const b = file.sim.summaries[0].energyBalanceKwh.production;
    expect(a).toBeGreaterThan(5);
    // linear interpolation between one-minute samples: within 0.1 % of the analytic curve
    expect(Math.abs(b - a) / a).toBeLessThan(1e-3);
  });

  it('reads irradiance with the derate, and rejects bad files naming file and line', () => {
    const p = parsePvProfile('hour,ghi_w_per_m2\n8,500\n9,800\n', 'g.csv', 0.9);
    expect(p.kwPerKwp).toEqual([0.45, 0.72]);
    expect(() => parsePvProfile('time,kw\n08:00,1\n', 'a.csv', 1)).toThrow(/^a\.csv:1: header has no 'pv_kw_per_kwp'/);
    expect(() => parsePvProfile('time,pv_kw_per_kwp\n08:00,0.1\n07:59,0.2\n', 'b.csv', 1)).toThrow(/^b\.csv:3: time 07:59 does not follow/);
    expect(() => parsePvProfile('time,pv_kw_per_kwp\n08:00,0.1\n08:05,-1\n', 'c.csv', 1)).toThrow(/^c\.csv:3: pv_kw_per_kwp '-1'/);
    expect(() => parsePvProfile('time,pv_kw_per_kwp\n8h,0.1\n', 'd.csv', 1)).toThrow(/^d\.csv:2: time '8h'/);
    expect(() => parsePvProfile('time,pv_kw_per_kwp\n08:00,0.1,3\n', 'e.csv', 1)).toThrow(/^e\.csv:2: expected 2 fields/);
    expect(() => parsePvProfile('', 'f.csv', 1)).toThrow(LemsimError);
  });

  it('a bad PV file stops lemsim run with file:line, a non-zero exit, no stack and no output', async () => {
    const file = scenarioWith((s) => (morning(s), Object.assign(s.solar, { source: 'file', file: 'pv.csv' })), { 'pv.csv': 'time,pv_kw_per_kwp\n07:00,0.1\n08:00,abc\n' });
    const c = { out: '', err: '' };
    const io = { out: (t: string) => void (c.out += t), err: (t: string) => void (c.err += t), input: undefined as Readable | undefined };
    const out = join(tempDir('lemsim-004-out-'), 'run');
    expect(await main(['run', file, '--out', out, '--log-level', 'silent'], io)).not.toBe(0);
    expect(c.err).toMatch(/pv\.csv:3: pv_kw_per_kwp 'abc' is not a number/);
    expect(c.err).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it('must cover the horizon, and needs its file', async () => {
    const short = scenarioWith((s) => (morning(s), Object.assign(s.solar, { source: 'file', file: 'pv.csv' })), { 'pv.csv': 'time,pv_kw_per_kwp\n08:30,0.1\n12:00,0.5\n' });
    await expect(Simulation.create(loadScenario(short))).rejects.toThrow(/solar\.file: samples span 08:30–12:00, not the horizon 08:00–10:00/);
    const none = scenarioWith((s) => (s.solar.source = 'file'));
    await expect(Simulation.create(loadScenario(none))).rejects.toThrow(ScenarioError);
    await expect(Simulation.create(loadScenario(none))).rejects.toThrow(/solar\.file: is required/);
  });
});

describe('limits.statistics_kv and power_flow.regulated_bus', () => {
  it('statistics cover only the named level; the regulated bus sits at its setpoint', async () => {
    const all = await run(scenarioWith(() => {}));
    const lv = await run(scenarioWith((s) => Object.assign(s.limits, { nominal_v_pu: 1, statistics_kv: [0.416] })));
    expect(lv.sim.world.inStatistics).toBeDefined();
    const counted = [...lv.sim.world.inStatistics!].filter((x) => x === 1).length;
    const withBase = lv.sim.world.busKvBaseLn.filter((kv) => kv !== undefined).length;
    expect(counted).toBe(withBase - 1); // every bus but the 11 kV source bus
    expect(lv.sim.summaries[0].voltage.mae_all_pct).not.toBe(all.sim.summaries[0].voltage.mae_all_pct);
    const reg = await run(scenarioWith((s) => (s.power_flow.regulated_bus = { bus: 'lv', v_pu: 1.03 })));
    const w = reg.sim.world;
    const solved = reg.events.filter((e) => e.type === 'grid-solved');
    expect(solved.length).toBeGreaterThan(0);
    const lvIndex = w.voltageBuses.findIndex((b) => b.name === 'lv');
    for (const e of solved) if (e.type === 'grid-solved') expect(e.payload.busVPu[lvIndex]).toBeCloseTo(1.03, 6);
    const bad = scenarioWith((s) => (s.power_flow.regulated_bus = { bus: 'nowhere', v_pu: 1.05 }));
    await expect(Simulation.create(loadScenario(bad))).rejects.toThrow(/power_flow\.regulated_bus\.bus: bus 'nowhere' is not on the feeder/);
  });
});

describe('power_flow.passive_demand', () => {
  // two passive households on one 416 V cable, a 1-minute profile repeating every 10 minutes
  const feeder = `clear
Set DefaultBaseFrequency=50
New Circuit.pd basekv=11 pu=1.0 ISC3=3000 ISC1=2000
New Transformer.tr phases=3 windings=2 buses=[sourcebus lv] conns=[delta wye] kVs=[11 0.416] kVAs=[250 250] XHL=4 %Rs=[0.5 0.5] sub=y
New LineCode.al nphases=3 r1=0.320 x1=0.075 r0=1.280 x0=0.300 c1=0 c0=0 units=km normamps=200
New Line.t1 bus1=lv bus2=n1 linecode=al length=200 units=m
New LoadShape.m npts=10 minterval=1 mult=[0.2 0.9 1.6 0.4 0.3 1.2 2.0 0.5 0.1 0.8]
New Load.a bus1=n1.1 phases=1 kV=0.24 kW=3 pf=0.95 daily=m
New Load.b bus1=n1.2 phases=1 kV=0.24 kW=2 pf=0.95 daily=m
Set voltagebases=[11 0.416]
Calcvoltagebases
`;
  const passive = (mode: string) =>
    scenarioWith(
      (s) => {
        s.feeder = 'pd.dss';
        s.horizon = { from: '08:00', to: '08:10' };
        s.market = { mechanism: 'auction', period_min: 5 };
        s.power_flow = { step_s: 60, passive_demand: mode };
        s.prosumers = { loads: 'all', load_scale: 1.5, pv: { every: 1, kw: 0 }, strategy: { supply: { name: 'passive' }, demand: { name: 'passive' } } };
        s.limits = { v_min_pu: 0.5, v_max_pu: 1.5, check_lines: false };
      },
      { 'pd.dss': feeder },
    );
  const loadKw = (events: AnyEvent[]) => events.flatMap((e) => (e.type === 'grid-solved' ? [e.payload.sourceKw - e.payload.lossesKw] : []));

  it('flat draws the cleared mean all period; load-shape draws the profile around it, same energy', async () => {
    const flat = await run(passive('flat'));
    const shaped = await run(passive('load-shape'));
    const f = loadKw(flat.events);
    const s = loadKw(shaped.events);
    expect(f).toHaveLength(10);
    expect(s).toHaveLength(10);
    // flat: every sub-step of a period alike
    for (const p of [0, 5]) for (let k = 1; k < 5; k++) expect(f[p + k]).toBeCloseTo(f[p], 9);
    // load-shape: follows the multipliers (×1.5 × 5 kW), minute by minute
    expect(Math.max(...s) - Math.min(...s)).toBeGreaterThan(5);
    // and the period's mean load is the cleared consumption (Table 2's energy is unchanged)
    for (const p of [0, 5]) {
      const mean = (xs: number[]) => xs.slice(p, p + 5).reduce((a, b) => a + b, 0) / 5;
      expect(mean(s)).toBeCloseTo(mean(f), 2); // losses differ slightly between the two
    }
    expect(shaped.sim.summaries[0].energyBalanceKwh.consumption).toBe(flat.sim.summaries[0].energyBalanceKwh.consumption);
  });
});
