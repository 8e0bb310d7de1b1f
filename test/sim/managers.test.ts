/**
 * Managers that bid (issue 16) inside the simulation: the event order of a period (members' bids →
 * the manager's bid → the market operator's gate closure), truthful managers reproducing the central
 * clearing period by period, and the balance invariants checked on every cleared period's rows.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseCsv } from '../../src/io/csv.js';
import { tempDir } from '../helpers/temp.js';
import { writeSyntheticFeeder } from '../../bench/synthetic-feeder.js';
import { parseScenario } from '../../src/scenario.js';
import { Simulation } from '../../src/sim/simulation.js';
import type { AnyEvent, CommunityTrade } from '../../src/kernel/events.js';

async function simOf(clearing: 'central' | 'managers', managers: Record<string, unknown> = {}, hours = 3, dayMode: 'hourly' | 'day-ahead' = 'hourly'): Promise<Simulation> {
  const feeder = writeSyntheticFeeder({ loads: 30 });
  const scenario = parseScenario(
    {
      name: `managers-${clearing}`,
      seed: 3,
      feeder,
      horizon: { from: '10:00', to: `${10 + hours}:00` },
      market: { mechanism: 'community', period_min: 60, community_clearing: clearing, managers, inter_community_fee: 0.005, day_mode: dayMode },
      power_flow: { step_s: 3600 },
      prosumers: { pv: { every: 2, kw: 4 }, communities: { count: 3 }, strategy: { supply: { name: 'quadratic' }, demand: { name: 'quadratic' } } },
      batteries: { initial: [{ bus: 'c5', units: 3 }, { bus: 'c12', units: 1 }, { bus: 'c13', units: 1 }], terminal_soc: 'initial' },
      reinforcement: { enabled: false, max_iterations: 1 },
    },
    'managers.test',
  );
  return Simulation.create({ file: 'managers.test', scenario, feederPath: feeder });
}

function eventsOf(sim: Simulation): AnyEvent[] {
  const out: AnyEvent[] = [];
  sim.onBus((bus) => bus.listen((e) => out.push(e)));
  sim.run();
  return out;
}

describe('managers bid on the bus', () => {
  it('in every period: each member’s bid reaches its manager before the manager’s bid reaches the market operator, before the gate closes', async () => {
    const sim = await simOf('managers');
    const events = eventsOf(sim);
    const managers = sim.agents.filter((a) => a.kind.kind === 'community-manager');
    expect(managers.length).toBe(3);
    let checked = 0;
    for (let period = 0; period < sim.world.periods.length; period++) {
      const here = events.filter((e) => 'period' in e.payload && e.payload.period === period);
      const order = (pred: (e: AnyEvent) => boolean) => here.findIndex(pred);
      const gate = order((e) => e.type === 'gate-closed');
      for (const m of managers) {
        const community = (m.state as { community: string }).community;
        const members = (m.state as { members: string[] }).members;
        const own = order((e) => e.type === 'bid-submitted' && e.payload.agent === m.id);
        expect(own).toBeGreaterThan(-1);
        const offer = here[own];
        expect(offer.type === 'bid-submitted' && offer.payload.bid.market).toBe('community-offer');
        for (const id of members) {
          const b = order((e) => e.type === 'bid-submitted' && e.payload.agent === id);
          expect(b).toBeGreaterThan(-1);
          expect(b).toBeLessThan(own);
        }
        expect(own).toBeLessThan(gate);
        expect(community).toMatch(/^c\d$/);
        checked++;
      }
    }
    expect(checked).toBe(3 * sim.world.periods.length);
  });

  it('is deterministic: the same scenario gives the same events, byte for byte', async () => {
    const a = JSON.stringify(eventsOf(await simOf('managers', { communities: { c1: { name: 'export-margin' } } })));
    const b = JSON.stringify(eventsOf(await simOf('managers', { communities: { c1: { name: 'export-margin' } } })));
    expect(a).toBe(b);
    expect(a).toContain('"exportMarginEurPerKwh":0.02');
  });

  it('in central clearing the managers do not bid', async () => {
    const events = eventsOf(await simOf('central'));
    expect(events.some((e) => e.type === 'bid-submitted' && e.payload.bid.market === 'community-offer')).toBe(false);
  });
});

function cleared(events: AnyEvent[]) {
  return events.filter((e) => e.type === 'market-cleared').map((e) => (e.type === 'market-cleared' ? e.payload : (undefined as never)));
}

describe('truthful managers reproduce the central clearing', () => {
  it('same welfare per period (1e-6 relative), same prices and trades; balances hold on every row', async () => {
    const central = cleared(eventsOf(await simOf('central')));
    const managers = cleared(eventsOf(await simOf('managers')));
    expect(managers.length).toBe(central.length);
    let traded = 0;
    central.forEach((c, k) => {
      const m = managers[k];
      expect(m.status).toBe('optimal');
      expect(Math.abs(m.welfareEur - c.welfareEur) / (1 + Math.abs(c.welfareEur))).toBeLessThanOrEqual(1e-6);
      for (const [id, p] of Object.entries(c.prices)) expect(m.prices[id]).toBeCloseTo(p, 9);
      const rows = m.communities as readonly CommunityTrade[];
      let bought = 0;
      let sold = 0;
      for (const r of rows) {
        expect(r.clearing).toBe('managers');
        expect(r.marginEur).toBeCloseTo(0, 12);
        const inter = Object.values(r.importFromKw).reduce((a, b) => a + b, 0) - Object.values(r.exportToKw).reduce((a, b) => a + b, 0);
        // Eqs. (4)–(7): grid + other communities = the members' net demand
        expect(r.gridImportKw - r.gridExportKw + inter).toBeCloseTo(r.netImportKw, 9);
        for (const [j, kw] of Object.entries(r.importFromKw)) expect(rows.find((x) => x.community === j)!.exportToKw[r.community]).toBeCloseTo(kw, 9); // Eq. (8)
        bought += Object.values(r.importFromKw).reduce((a, b) => a + b, 0);
        sold += Object.values(r.exportToKw).reduce((a, b) => a + b, 0);
      }
      expect(bought).toBeCloseTo(sold, 9);
      traded += bought;
    });
    // the scenario has trade between communities to reproduce (PV in every community, one battery)
    expect(traded).toBeGreaterThan(0);
  });
});

describe('truthful managers reproduce the central day-ahead clearing (seed 000, Eqs. 9–13)', () => {
  it('a day of 8 hours: the same welfare (1e-6 relative) and prices, batteries moving energy between hours, the KKT certificate', async () => {
    const hours = 8;
    const cSim = await simOf('central', {}, hours, 'day-ahead');
    const central = cleared(eventsOf(cSim));
    const mSim = await simOf('managers', {}, hours, 'day-ahead');
    const mEvents = eventsOf(mSim);
    const managers = cleared(mEvents);
    expect(managers.length).toBe(hours);
    let dayC = 0;
    let dayM = 0;
    central.forEach((c, k) => {
      const m = managers[k];
      expect(m.status).toBe('optimal');
      dayC += c.welfareEur;
      dayM += m.welfareEur;
      for (const [id, p] of Object.entries(c.prices)) expect(m.prices[id]).toBeCloseTo(p, 7);
      for (const r of m.communities as readonly CommunityTrade[]) {
        expect(r.clearing).toBe('managers');
        expect(Math.abs(r.marginEur)).toBeLessThan(1e-9);
      }
    });
    expect(Math.abs(dayM - dayC) / (1 + Math.abs(dayC))).toBeLessThanOrEqual(1e-6);
    // the managers' offers carry their storage, and some battery charges and discharges over the day
    const offers = mEvents.filter((e) => e.type === 'bid-submitted' && e.payload.bid.market === 'community-offer');
    expect(offers.length).toBe(3 * hours);
    expect(offers.some((e) => e.type === 'bid-submitted' && e.payload.bid.market === 'community-offer' && (e.payload.bid.offer.storage?.length ?? 0) > 0)).toBe(true);
    const bat = managers.flatMap((m) => m.dispatch.filter((d) => d.agent.startsWith('bat-')).map((d) => d.pKw));
    expect(bat.some((p) => p > 1e-6)).toBe(true);
    expect(bat.some((p) => p < -1e-6)).toBe(true);
    // the day's certificate (summary market_kkt): truthful managers reach the welfare optimum
    const kkt = (mSim.agents.find((a) => a.id === 'mo')!.state as { dayKkt: { primalKw: number; dualEurPerKwh: number; complementarityEurPerH: number } }).dayKkt;
    expect(Math.max(kkt.primalKw, kkt.dualEurPerKwh, kkt.complementarityEurPerH)).toBeLessThan(1e-6);
    // event order: at the first gate, every member's bid for period k reaches its manager before the manager's bid for k
    const first = mEvents.filter((e) => e.type === 'bid-submitted');
    for (const m of mSim.agents.filter((a) => a.kind.kind === 'community-manager')) {
      const members = (m.state as { members: string[] }).members;
      for (let k = 0; k < hours; k++) {
        const own = first.findIndex((e) => e.type === 'bid-submitted' && e.payload.agent === m.id && e.payload.period === k);
        expect(own).toBeGreaterThan(-1);
        for (const id of members) expect(first.findIndex((e) => e.type === 'bid-submitted' && e.payload.agent === id && e.payload.period === k)).toBeLessThan(own);
      }
    }
  });
});

describe('outputs of a managers run', () => {
  it('communities.csv has one row per community and period; market.csv one row per manager with its margin', async () => {
    const dir = tempDir('lemsim-managers-out-');
    const feeder = writeSyntheticFeeder({ loads: 30 });
    const file = join(dir, 'scenario.json');
    // a JSON document is YAML too
    writeFileSync(
      file,
      JSON.stringify({
        name: 'managers-out',
        seed: 3,
        feeder,
        horizon: { from: '10:00', to: '13:00' },
        market: { mechanism: 'community', period_min: 60, inter_community_fee: 0.005, community_clearing: 'managers', managers: { communities: { c3: { name: 'export-margin', params: { margin_eur_per_kwh: 0.01 } } } } },
        power_flow: { step_s: 3600 },
        prosumers: { pv: { every: 2, kw: 4 }, communities: { count: 3 }, strategy: { supply: { name: 'quadratic' }, demand: { name: 'quadratic' } } },
        batteries: { initial: [{ bus: 'c5', units: 3 }] },
        reinforcement: { enabled: false, max_iterations: 1 },
      }),
    );
    // the debugger's book shows each manager's curve
    let dbg = '';
    const script = ['break market-cleared', 'continue', 'book', 'quit'].join('\n');
    expect(await main(['debug', file], { out: (t: string) => void (dbg += t), err: (t: string) => void (dbg += t), input: Readable.from([`${script}\n`]) })).toBe(0);
    expect(dbg).toMatch(/c3 cm-c3 manager offer: margin 0\.01 EUR\/kWh, import cap none kW, net import by price \d/);
    let err = '';
    const code = await main(['run', file, '--out', join(dir, 'out'), '--log-level', 'silent', '--no-progress'], { out: () => undefined, err: (t: string) => void (err += t), input: undefined });
    expect(code, err).toBe(0);
    const [head, ...rows] = [...parseCsv(readFileSync(join(dir, 'out', 'communities.csv'), 'utf8'))].filter((r) => r.length > 1);
    expect(head).toEqual([
      'iteration', 'period', 'time', 'community', 'clearing', 'price_eur_per_kwh', 'internal_volume_kw', 'net_import_kw', 'grid_import_kw', 'grid_export_kw', 'inter_import_kw', 'inter_export_kw',
      'net_from_c1_kw', 'net_from_c2_kw', 'net_from_c3_kw', 'members_welfare_eur', 'manager_margin_eur',
    ]);
    expect(rows.length).toBe(3 * 3);
    const [mHead, ...market] = [...parseCsv(readFileSync(join(dir, 'out', 'market.csv'), 'utf8'))].filter((r) => r.length > 1);
    const managerRows = market.filter((r) => r[mHead.indexOf('agent')].startsWith('cm-'));
    expect(managerRows.length).toBe(3 * 3);
    const col = (name: string) => head.indexOf(name);
    for (const r of rows) {
      expect(r[col('clearing')]).toBe('managers');
      const m = managerRows.find((x) => x[mHead.indexOf('agent')] === `cm-${r[col('community')]}` && x[mHead.indexOf('period')] === r[col('period')])!;
      expect(Number(m[mHead.indexOf('welfare_eur')])).toBeCloseTo(Number(r[col('manager_margin_eur')]), 6);
      expect(Number(m[mHead.indexOf('dispatch_kw')])).toBeCloseTo(Number(r[col('net_import_kw')]), 4);
      if (r[col('community')] !== 'c3') expect(Number(r[col('manager_margin_eur')])).toBe(0);
      // the own-community column is empty; the others net to the inter-community trade
      const own = col(`net_from_${r[col('community')]}_kw`);
      expect(r[own]).toBe('');
      const net = ['c1', 'c2', 'c3'].filter((c) => c !== r[col('community')]).reduce((a, c) => a + Number(r[col(`net_from_${c}_kw`)]), 0);
      expect(net).toBeCloseTo(Number(r[col('inter_import_kw')]) - Number(r[col('inter_export_kw')]), 5);
    }
  });
});

describe('outputs of a day-ahead managers run', () => {
  it('communities.csv and market.csv manager rows in the day-ahead market: one per community and period, margins and trades agree', async () => {
    const dir = tempDir('lemsim-managers-day-');
    const feeder = writeSyntheticFeeder({ loads: 30 });
    const file = join(dir, 'scenario.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'managers-day-out',
        seed: 3,
        feeder,
        horizon: { from: '10:00', to: '16:00' },
        market: { mechanism: 'community', period_min: 60, inter_community_fee: 0.005, community_clearing: 'managers', day_mode: 'day-ahead', managers: { communities: { c3: { name: 'export-margin', params: { margin_eur_per_kwh: 0.01 } } } } },
        power_flow: { step_s: 3600 },
        // c3 (the last ten loads) carries most of the PV, so it sells to the others at midday
        prosumers: { pv: { every: 2, kw: [...Array(10).fill(0.5), ...Array(5).fill(8)] }, communities: { count: 3 }, strategy: { supply: { name: 'quadratic' }, demand: { name: 'quadratic' } } },
        batteries: { initial: [{ bus: 'c5', units: 3 }, { bus: 'c12', units: 1 }], terminal_soc: 'initial' },
        reinforcement: { enabled: false, max_iterations: 1 },
      }),
    );
    // the debugger's book lists each day offer's storage banks: c1 holds the 3-unit battery at c5,
    // c2 the 1-unit one at c12 (the scenario's unit: 10.24 kWh, 2.56 kW), both at soc 0.5
    let dbg = '';
    const script = ['break market-cleared', 'continue', 'book', 'quit'].join('\n');
    expect(await main(['debug', file], { out: (t: string) => void (dbg += t), err: (t: string) => void (dbg += t), input: Readable.from([`${script}\n`]) })).toBe(0);
    const banks = [...dbg.matchAll(/^(c\d) cm-\1 manager offer: .*\n {2}storage (\S+): ([\d.]+) kWh, ([\d.]+) kW, soc ([\d.]+) in /gm)].map((m) => [m[1], m[2], Number(m[3]), Number(m[4]), Number(m[5])]);
    expect(banks.sort((a, b) => (a[0] < b[0] ? -1 : 1)), dbg).toEqual([['c1', 'bat-c5:bat', 30.72, 7.68, 0.5], ['c2', 'bat-c12:bat', 10.24, 2.56, 0.5]]);
    let err = '';
    const code = await main(['run', file, '--out', join(dir, 'out'), '--log-level', 'silent', '--no-progress'], { out: () => undefined, err: (t: string) => void (err += t), input: undefined });
    expect(code, err).toBe(0);
    const [head, ...rows] = [...parseCsv(readFileSync(join(dir, 'out', 'communities.csv'), 'utf8'))].filter((r) => r.length > 1);
    expect(rows.length).toBe(3 * 6);
    const [mHead, ...market] = [...parseCsv(readFileSync(join(dir, 'out', 'market.csv'), 'utf8'))].filter((r) => r.length > 1);
    const mc = (name: string) => mHead.indexOf(name);
    const managerRows = market.filter((r) => r[mc('agent')].startsWith('cm-'));
    expect(managerRows.length).toBe(3 * 6);
    const col = (name: string) => head.indexOf(name);
    let c3Margin = 0;
    for (const r of rows) {
      expect(r[col('clearing')]).toBe('managers');
      const m = managerRows.find((x) => x[mc('agent')] === `cm-${r[col('community')]}` && x[mc('period')] === r[col('period')])!;
      expect(Number(m[mc('welfare_eur')])).toBeCloseTo(Number(r[col('manager_margin_eur')]), 6);
      expect(Number(m[mc('dispatch_kw')])).toBeCloseTo(Number(r[col('net_import_kw')]), 4);
      // the manager's offer of that period: what its community could buy and sell (not 0: it bid)
      expect(Number(m[mc('bid_demand_kw')]) + Number(m[mc('bid_supply_kw')])).toBeGreaterThan(0);
      if (r[col('community')] === 'c3') c3Margin += Number(r[col('manager_margin_eur')]);
      else expect(Math.abs(Number(r[col('manager_margin_eur')]))).toBeLessThan(1e-6);
      const net = ['c1', 'c2', 'c3'].filter((c) => c !== r[col('community')]).reduce((a, c) => a + Number(r[col(`net_from_${c}_kw`)]), 0);
      expect(net).toBeCloseTo(Number(r[col('inter_import_kw')]) - Number(r[col('inter_export_kw')]), 5);
      expect(Number(r[col('grid_import_kw')]) - Number(r[col('grid_export_kw')]) + net).toBeCloseTo(Number(r[col('net_import_kw')]), 5);
    }
    // c3's manager keeps its markup on what c3 sells to the others over the day
    expect(c3Margin).toBeGreaterThan(0);
  });
});
