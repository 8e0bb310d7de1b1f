/**
 * The agent simulation end to end on scenarios/example-small.yaml (lemsim's own synthetic feeder
 * with a weak branch): the event order of one period, byte-identical results for the same seed, the
 * reinforcement loop, and the debugger driven from stdin.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { AnyEvent } from '../../src/kernel/events.js';
import { loadScenario } from '../../src/scenario.js';
import { projectDir } from '../../src/shared-data.js';
import { Simulation } from '../../src/sim/simulation.js';
import { tempDir } from '../helpers/temp.js';

const EXAMPLE = join(projectDir(), 'scenarios/example-small.yaml');

function capture(input?: string) {
  const c = { out: '', err: '' };
  return { c, io: { out: (t: string) => void (c.out += t), err: (t: string) => void (c.err += t), input: input === undefined ? undefined : Readable.from([input]) } };
}

describe('simulation on example-small', () => {
  it('orders the events of a period as DESIGN.md draws them', async () => {
    const sim = await Simulation.create(loadScenario(EXAMPLE));
    const seen: AnyEvent[] = [];
    while (true) {
      const e = sim.step();
      if (!e) break;
      seen.push(e);
      if (e.type === 'period-closed') break;
    }
    const types = seen.map((e) => e.type);
    const prosumers = sim.agents.filter((a) => a.kind.kind === 'prosumer').length;
    expect(prosumers).toBe(8);
    // iteration-started, period-opened, one bid per prosumer, gate, clearing, one dispatch per bidder
    expect(types.slice(0, 2)).toEqual(['iteration-started', 'period-opened']);
    expect(types.slice(2, 2 + prosumers)).toEqual(new Array(prosumers).fill('bid-submitted'));
    expect(types.slice(2 + prosumers, 4 + prosumers)).toEqual(['gate-closed', 'market-cleared']);
    expect(types.slice(4 + prosumers, 4 + 2 * prosumers)).toEqual(new Array(prosumers).fill('dispatched'));
    // then the power flows of the period's sub-steps (15 min at 5 min: three), violations among them
    const rest = types.slice(4 + 2 * prosumers);
    expect(rest[rest.length - 1]).toBe('period-closed');
    expect(rest.filter((t) => t === 'grid-solved')).toHaveLength(3);
    expect(rest.every((t) => t === 'grid-solved' || t === 'violation-detected' || t === 'period-closed')).toBe(true);
    // time never goes back and sequence numbers increase
    for (let k = 1; k < seen.length; k++) {
      expect(seen[k].time).toBeGreaterThanOrEqual(seen[k - 1].time);
      expect(seen[k].seq).toBeGreaterThan(seen[k - 1].seq);
    }
    // market balance: dispatched net equals import − export of the clearing
    const cleared = seen.find((e) => e.type === 'market-cleared')!;
    const net = seen.filter((e) => e.type === 'dispatched').reduce((s, e) => s + (e.type === 'dispatched' ? e.payload.pKw : 0), 0);
    if (cleared.type === 'market-cleared') expect(net).toBeCloseTo(cleared.payload.importKw - cleared.payload.exportKw, 6);
  });

  it('writes the result files, byte-identical for the same scenario and seed', async () => {
    const dir = tempDir('lemsim-run-');
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    for (const out of [a, b]) expect(await main(['run', EXAMPLE, '--out', out, '--log-level', 'silent'], capture().io)).toBe(0);
    const files = readdirSync(a).sort();
    expect(files).toEqual(['.lemsim-output', 'agents.csv', 'batteries.csv', 'branches.csv', 'energy_balance.csv', 'events.jsonl', 'figures', 'iterations.csv', 'market.csv', 'report.html', 'strategy_states.csv', 'summary.json', 'timing.json', 'violation_episodes.csv', 'violations.csv', 'voltage.csv', 'voltages.csv']);
    // the report's figures/ (issue 14) are part of the set, and byte-identical too
    const figures = readdirSync(join(a, 'figures')).sort();
    expect(figures.length).toBeGreaterThan(10);
    expect(readdirSync(join(b, 'figures')).sort()).toEqual(figures);
    for (const f of [...files.filter((x) => x !== 'timing.json' && x !== 'figures'), ...figures.map((x) => `figures/${x}`)]) expect(readFileSync(join(a, f), 'utf8'), f).toBe(readFileSync(join(b, f), 'utf8'));
    expect(readFileSync(join(a, 'market.csv'), 'utf8').split('\n')[0]).toBe('iteration,period,time,agent,community,bid_supply_kw,bid_demand_kw,bought_kw,sold_kw,dispatch_kw,price_eur_per_kwh,welfare_eur,price_set_by');
    expect(readFileSync(join(a, 'violations.csv'), 'utf8').split('\n')[0]).toBe('iteration,minute,element,bus,kind,value,limit,deviation,element_kind,loading_pct,counted');
    expect(readFileSync(join(a, 'voltages.csv'), 'utf8').split('\n')[0]).toBe('iteration,minute,load,bus,node,v_pu');
    // events.jsonl replays: every line an event with type, time (s), iteration, seq and payload, and
    // the minute every other file counts in (from midnight of the first day: summary.json time_origin)
    const first = JSON.parse(readFileSync(join(a, 'events.jsonl'), 'utf8').split('\n')[0]);
    expect(Object.keys(first).sort()).toEqual(['iteration', 'minute', 'payload', 'seq', 'time', 'type']);
    expect(first.minute).toBe(first.time / 60);
    expect(first.minute).toBe(17 * 60);
    expect(JSON.parse(readFileSync(join(a, 'summary.json'), 'utf8')).time_origin).toBe('2019-06-01T00:00:00');
    const market = readFileSync(join(a, 'market.csv'), 'utf8').split('\n')[1].split(',');
    expect(market[2]).toBe(String(17 * 60));
  });

  it('adds batteries where violations were and violations fall', async () => {
    const dir = tempDir('lemsim-run-');
    expect(await main(['run', EXAMPLE, '--out', dir, '--log-level', 'silent'], capture().io)).toBe(0);
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(s.iterations.length).toBeGreaterThanOrEqual(2);
    const [first, second] = s.iterations;
    expect(first.violations).toBeGreaterThan(0);
    expect(first.batteries).toEqual([]);
    expect(second.batteries.map((b: { bus: string }) => b.bus).sort()).toEqual([...first.violating_buses].sort());
    expect(second.batteries.every((b: { units: number }) => b.units === 1)).toBe(true);
    expect(second.violations).toBeLessThan(first.violations);
    // every iteration records its welfare and decision; the last says why the loop stopped
    for (const it of s.iterations) expect(Number.isFinite(it.welfare_eur)).toBe(true);
    expect(s.final.stopped_because).toMatch(/no violations|iteration limit|stopped falling|already has/);
  });

  it('the debugger runs from stdin: next, break, continue, book, result, agent, voltages', async () => {
    const script = ['next', 'next', 'break violation-detected bus=w2', 'continue', 'book', 'result', 'result json', 'agent p-h7', 'voltages', 'clear', 'step period', 'quit'].join('\n');
    const { c, io } = capture(`${script}\n`);
    expect(await main(['debug', EXAMPLE], io)).toBe(0);
    expect(c.out).toContain('iteration-started');
    expect(c.out).toContain('period-opened');
    expect(c.out).toMatch(/breakpoint 1 before #\d+ it0 \d\d:\d\d violation-detected .*bus=w2/);
    expect(c.out).toContain('supply (merit order, cumulative kW):');
    expect(c.out).toMatch(/period \d+: cleared, price market 0\.\d+ EUR\/kWh, welfare /);
    expect(c.out).toContain('"welfareEur"');
    expect(c.out).toContain('p-h7 (prosumer)');
    expect(c.out).toMatch(/h7 w2\.1 0\.\d{6} pu/);
    expect(c.out).toMatch(/period-closed/);
  });

  it('a scenario error names the field path, exits non-zero and writes nothing', async () => {
    const dir = tempDir('lemsim-bad-');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(EXAMPLE, 'utf8').replace('period_min: 15', 'period_min: -5').replace('feeder: feeders/example-small.dss', `feeder: ${join(projectDir(), 'scenarios/feeders/example-small.dss')}`));
    const out = join(dir, 'out');
    const { c, io } = capture();
    expect(await main(['run', bad, '--out', out, '--log-level', 'silent'], io)).not.toBe(0);
    expect(c.err).toMatch(/bad\.yaml: market\.period_min: /);
    expect(existsSync(out)).toBe(false);
    writeFileSync(bad, 'name: x\nfeeder: nothere.dss\n');
    const c2 = capture();
    expect(await main(['run', bad, '--out', out], c2.io)).not.toBe(0);
    expect(c2.c.err).toMatch(/bad\.yaml: feeder: feeder file .* does not exist/);
    writeFileSync(bad, readFileSync(EXAMPLE, 'utf8').replace("{ name: srmc }", "{ name: nosuch }").replace('feeder: feeders/example-small.dss', `feeder: ${join(projectDir(), 'scenarios/feeders/example-small.dss')}`));
    const c3 = capture();
    expect(await main(['run', bad, '--out', out, '--log-level', 'silent'], c3.io)).not.toBe(0);
    expect(c3.c.err).toMatch(/prosumers\.strategy\.supply\.name: unknown strategy 'nosuch'/);
  });
});

describe('scenario groups', () => {
  it('gives the listed loads their group strategy', async () => {
    const { parseScenario } = await import('../../src/scenario.js');
    const scenario = parseScenario(
      {
        feeder: join(projectDir(), 'scenarios/feeders/example-small.dss'),
        horizon: { from: '17:00', to: '17:30' },
        market: { period_min: 15 },
        power_flow: { step_s: 900 },
        prosumers: { strategy: { supply: { name: 'srmc' } }, groups: [{ loads: ['h1', 'H2'], supply: { name: 'markup', params: { markup: 0.1 } } }] },
        reinforcement: { enabled: false },
      },
      'inline',
    );
    const sim = await Simulation.create({ file: 'inline', scenario, feederPath: join(projectDir(), 'scenarios/feeders/example-small.dss') });
    const supplyOf = (id: string) => (sim.agent(id)!.state as { supply: { name: string } }).supply.name;
    expect([supplyOf('p-h1'), supplyOf('p-h2'), supplyOf('p-h3')]).toEqual(['markup', 'markup', 'srmc']);
    const summaries = sim.run();
    expect(summaries).toHaveLength(1);
  });
});

describe('scenario bus_coords', () => {
  it('completes coordinates the feeder lacks and names a missing file by its field path', async () => {
    const { parseScenario } = await import('../../src/scenario.js');
    const dir = tempDir('lemsim-coords-');
    const coords = join(dir, 'coords.csv');
    writeFileSync(coords, 'w2,999,999\nextra,1,2\n');
    const feeder = join(projectDir(), 'scenarios/feeders/example-small.dss');
    const file = join(dir, 's.yaml');
    const scenario = parseScenario({ feeder, bus_coords: ['coords.csv'], horizon: { from: '17:00', to: '17:15' }, market: { period_min: 15 }, power_flow: { step_s: 900 } }, file);
    const sim = await Simulation.create({ file, scenario, feederPath: feeder });
    expect(sim.busCoords.get('w2')).toEqual({ x: 160, y: -380 }); // the feeder's own coordinates win
    expect(sim.busCoords.get('extra')).toEqual({ x: 1, y: 2 });
    const bad = parseScenario({ feeder, bus_coords: ['nothere.csv'] }, file);
    await expect(Simulation.create({ file, scenario: bad, feederPath: feeder })).rejects.toThrow(/bus_coords\[0\]: file .*nothere\.csv' does not exist/);
  });
});
