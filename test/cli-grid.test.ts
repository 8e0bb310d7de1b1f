/** The powerflow and timeseries commands end to end: files, columns, errors. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { sharedPath } from '../src/shared-data.js';
import { tempScripts } from './helpers/dss.js';
import { describeWithShared } from './helpers/shared.js';
import { tempDir } from './helpers/temp.js';

function capture() {
  const c = { out: '', err: '' };
  return { c, io: { out: (t: string) => void (c.out += t), err: (t: string) => void (c.err += t) } };
}

const SMALL = `
clear
Set DefaultBaseFrequency=50
New Circuit.small basekv=11 pu=1.02 ISC3=3000 ISC1=2000
New Transformer.tr buses=[sourcebus lv] conns=[delta wye] kVs=[11 0.416] kVAs=[250 250] XHL=4 sub=y
New LineCode.cable nphases=3 r1=0.3 x1=0.08 r0=1.2 x0=0.3 c1=0 c0=0 units=km
New Line.l1 bus1=lv bus2=a linecode=cable length=120 units=m
New Line.l2 bus1=a bus2=b linecode=cable length=80 units=m
New LoadShape.s npts=4 minterval=15 mult=[0.5 1 1.5 -0.5]
New Load.h1 bus1=a.1 phases=1 kV=0.24 kW=4 pf=0.95 daily=s
New Load.h2 bus1=b.2 phases=1 kV=0.24 kW=6 pf=0.95 daily=s
New Load.pv bus1=b.3 phases=1 kV=0.24 kW=-3 kvar=0
Set voltagebases=[11 0.416]
Calcvoltagebases
`;

describe('lemsim powerflow / timeseries', () => {
  it('writes voltages.csv and summary.json for one solve', async () => {
    const dir = tempScripts({ 'small.dss': SMALL });
    const out = join(dir, 'pf');
    const { c, io } = capture();
    expect(await main(['powerflow', join(dir, 'small.dss'), '--minute', '30', '--out', out], io)).toBe(0);
    const csv = readFileSync(join(out, 'voltages.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('bus,node,v_volts,angle_deg,v_pu');
    expect(csv).toHaveLength(1 + 3 * 4);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.converged).toBe(true);
    // minute 30 → point 2 of the 15-minute shape (multiplier 1): 4 + 6 − 3 kW
    expect(summary.load_kw).toBeCloseTo(7, 6);
    expect(summary.min_v_pu).toBeLessThan(summary.max_v_pu);
    expect(summary.losses_kw).toBeGreaterThan(0);
    expect(c.err).toBe('');
  });

  it('runs a time series with every output file, byte-identical on a second run', async () => {
    const dir = tempScripts({ 'small.dss': SMALL });
    const run = async (name: string) => {
      const out = join(dir, name);
      expect(await main(['timeseries', join(dir, 'small.dss'), '--from', '15', '--to', '60', '--step-min', '15', '--all-buses', '--out', out], capture().io)).toBe(0);
      return out;
    };
    const a = await run('a');
    const b = await run('b');
    for (const f of ['load_voltages.csv', 'source_pq.csv', 'bus_voltages.csv', 'summary.json']) {
      expect(readFileSync(join(a, f), 'utf8')).toBe(readFileSync(join(b, f), 'utf8'));
    }
    const loads = readFileSync(join(a, 'load_voltages.csv'), 'utf8').trim().split('\n');
    expect(loads[0]).toBe('minute,load,bus,node,v_volts,v_pu');
    expect(loads).toHaveLength(1 + 4 * 3);
    expect(loads[1]).toMatch(/^15,h1,a,1,\d+\.\d{6},\d\.\d{8}$/);
    const pq = readFileSync(join(a, 'source_pq.csv'), 'utf8').trim().split('\n');
    expect(pq[0]).toBe('minute,p_kw,q_kvar');
    // minute 60: multiplier −0.5 on h1 and h2 → net export through the transformer
    expect(Number(pq[4].split(',')[1])).toBeLessThan(0);
    const buses = readFileSync(join(a, 'bus_voltages.csv'), 'utf8').trim().split('\n');
    expect(buses[0]).toBe('minute,bus,node,v_volts,angle_deg');
    expect(buses).toHaveLength(1 + 4 * 12);
  });

  it('bad input: a located message, non-zero exit, no stack trace, nothing written', async () => {
    const dir = tempScripts({ 'bad.dss': 'New Circuit.x\nNew Line.l1 bus1=a bus2=b lengthh=3\n' });
    const out = join(dir, 'never');
    const { c, io } = capture();
    const code = await main(['powerflow', join(dir, 'bad.dss'), '--out', out], io);
    expect(code).not.toBe(0);
    expect(c.err).toMatch(/bad\.dss:2: unknown property 'lengthh' of class line/);
    expect(c.err).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
    const missing = capture();
    expect(await main(['powerflow', join(dir, 'nothere.dss'), '--out', out], missing.io)).not.toBe(0);
    expect(missing.c.err).toMatch(/cannot open OpenDSS script/);
    const usage = capture();
    expect(await main(['timeseries', join(dir, 'bad.dss'), '--from', 'x', '--to', '3', '--out', out], usage.io)).toBe(2);
    expect(usage.c.err).toMatch(/--from expects a number/);
  });
});

describeWithShared('lemsim timeseries on the IEEE feeder', ['reference/ieee-eulv/constant-pq.dss'], () => {
  it('writes the contract files for a stretch of the day', async () => {
    const out = tempDir('lemsim-ts-');
    expect(await main(['timeseries', sharedPath('reference/ieee-eulv/constant-pq.dss'), '--from', '1', '--to', '30', '--out', out], capture().io)).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['.lemsim-output', 'load_voltages.csv', 'source_pq.csv', 'summary.json']);
    const rows = readFileSync(join(out, 'load_voltages.csv'), 'utf8').trim().split('\n');
    expect(rows).toHaveLength(1 + 30 * 55);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.converged_steps).toBe(30);
  });
});

describe('lemsim describe', () => {
  it('reports classes, levels, phases, load and ignored input with file:line', async () => {
    const dir = tempScripts({ 'small.dss': `${SMALL}\nNew Monitor.m1 element=line.l1\nsolve\nshow voltages\n` });
    const { c, io } = capture();
    expect(await main(['describe', join(dir, 'small.dss'), '--json'], io)).toBe(0);
    const d = JSON.parse(c.out);
    expect(d.objects).toMatchObject({ vsource: 1, transformer: 1, linecode: 1, line: 2, loadshape: 1, load: 3 });
    expect(d.buses).toBe(4);
    expect(d.voltage_levels.map((l: { kv_ll: number }) => l.kv_ll)).toEqual([11, 0.416]);
    expect(d.buses_by_phase_nodes).toEqual({ '3': 4 });
    expect(d.total_load_kw).toBeCloseTo(7, 9);
    expect(d.ignored.map((i: { what: string }) => i.what)).toEqual(['New monitor (observes only)', 'command show']);
    expect(d.ignored[1].at).toMatch(/small\.dss:\d+$/);
    const t = capture();
    expect(await main(['describe', join(dir, 'small.dss')], t.io)).toBe(0);
    expect(t.c.out).toContain('voltage levels:');
  });
});

describeWithShared('the Costa Rica circuit through the CLI', ['feeders/costa-rica-mar/Master.dss'], () => {
  it('runs the 96-step day with --all-buses and describes the feeder', async () => {
    const out = tempDir('lemsim-cr-');
    const master = sharedPath('feeders/costa-rica-mar/Master.dss');
    expect(await main(['timeseries', master, '--from', '15', '--to', '1440', '--step-min', '15', '--all-buses', '--out', out], capture().io)).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.steps).toBe(96);
    expect(summary.converged_steps).toBe(96);
    expect(readFileSync(join(out, 'bus_voltages.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 96 * 661);
    expect(readFileSync(join(out, 'load_voltages.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 96 * 184);
    const d = capture();
    expect(await main(['describe', master, '--json'], d.io)).toBe(0);
    const desc = JSON.parse(d.c.out);
    expect(desc.objects).toMatchObject({ line: 312, load: 92, transformer: 4, linegeometry: 186 });
    expect(desc.jumpers_merged).toBe(1);
  });
});

describe('issue 12 through the CLI', () => {
  const WITH_CONTROL = `${SMALL}\nNew SwtControl.r1 SwitchedObj=Line.l1 SwitchedTerm=1 Action=close\nNew LoadShape.y npts=4 minterval=15 mult=[2 2 2 2]\nNew Load.yr bus1=a.2 phases=1 kV=0.24 kW=1 pf=1 yearly=y\n`;
  it('describe lists what changes the physics but is not applied, with file:line; powerflow warns and records it', async () => {
    const dir = tempScripts({ 'c.dss': WITH_CONTROL });
    const { c, io } = capture();
    expect(await main(['describe', join(dir, 'c.dss'), '--json'], io)).toBe(0);
    const d = JSON.parse(c.out);
    expect(d.not_applied).toHaveLength(1);
    expect(d.not_applied[0].what).toMatch(/^swtcontrol\.r1: switch control not applied/);
    expect(d.not_applied[0].at).toMatch(/c\.dss:\d+$/);
    const t = capture();
    expect(await main(['describe', join(dir, 'c.dss')], t.io)).toBe(0);
    expect(t.c.out).toContain('NOT APPLIED');
    const p = capture();
    const out = join(dir, 'pf');
    expect(await main(['powerflow', join(dir, 'c.dss'), '--out', out], p.io)).toBe(0);
    expect(p.c.err).toMatch(/warning: 1 object\(s\) that change the power flow are NOT applied/);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).not_applied).toHaveLength(1);
  });
  it("OpenDSS's own tolerance 1e-4 passes the power-balance check and writes the results (bug 4)", async () => {
    const dir = tempScripts({ 'small.dss': SMALL });
    const out = join(dir, 'loose');
    expect(await main(['timeseries', join(dir, 'small.dss'), '--from', '15', '--to', '60', '--step-min', '15', '--tolerance', '1e-4', '--out', out], capture().io)).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).converged_steps).toBe(4);
  });
  it('--mode daily leaves a Yearly-only load at base kW, --mode yearly and --yearly-shapes-in-daily drive it (bug 6)', async () => {
    const dir = tempScripts({ 'c.dss': WITH_CONTROL });
    const loadKw = async (...flags: string[]) => {
      const out = join(dir, `m${flags.join('')}`);
      expect(await main(['powerflow', join(dir, 'c.dss'), '--minute', '30', ...flags, '--out', out], capture().io)).toBe(0);
      return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).load_kw as number;
    };
    const daily = await loadKw();
    // yearly mode: the Daily-only loads also run by their shape (daily= set their yearly shape)
    const yearly = await loadKw('--mode', 'yearly');
    const driven = await loadKw('--yearly-shapes-in-daily');
    expect(daily).toBeCloseTo(7 + 1, 6);
    expect(yearly).toBeCloseTo(7 + 2, 6);
    expect(driven).toBeCloseTo(7 + 2, 6);
    expect(await main(['powerflow', join(dir, 'c.dss'), '--minute', '30', '--mode', 'weekly', '--out', join(dir, 'bad')], capture().io)).toBe(2);
  });
});
