/**
 * Controls at the command line: `lemsim powerflow` solves a feeder's regulators in OpenDSS's static
 * mode, replays the script's own `Solve`, and reports control iterations and final taps in
 * summary.json; `--controlmode off` and `--maxcontroliter` override the script; `describe` lists them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { tempScripts } from '../../helpers/dss.js';
import { compareNodes, describeWithOpenDss } from '../../helpers/oracle.js';
import { runOpenDssControlled } from '../../helpers/opendss-oracle.js';
import { loadFeeder } from '../../../grid/feeder.js';
import { solveFeeder } from '../../../grid/controls/static-control.js';
import { newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';

function capture() {
  const c = { out: '', err: '' };
  return { c, io: { out: (t: string) => void (c.out += t), err: (t: string) => void (c.err += t) } };
}

// the hand case of regcontrol.test.ts with a small load: the script solves once itself
const FEEDER = (tail = 'Solve\n') => `
Clear
New Circuit.hand basekv=7.2 phases=1 pu=1 bus1=src MVAsc1=1e6 MVAsc3=1e6
New Transformer.reg phases=1 windings=2 buses=[src.1 rg.1] conns=[wye wye] kvs=[7.2 7.2] kvas=[5000 5000] XHL=0.0001 %loadloss=0.00001 %imag=0 ppm=0
New RegControl.reg transformer=reg winding=2 ptratio=60 band=2 vreg=126
New Load.l bus1=rg.1 phases=1 kv=7.2 kw=100 kvar=20
${tail}`;

describe('lemsim powerflow with controls', () => {
  it('reports control iterations, taps and the replayed script solve', async () => {
    const dir = tempScripts({ 'f.dss': FEEDER() });
    const out = join(dir, 'pf');
    expect(await main(['powerflow', join(dir, 'f.dss'), '--out', out], capture().io)).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.control_mode).toBe('static');
    expect(s.script_solves).toBe(1);
    // the script's Solve already moved the tap (3 control iterations); the final solve finds it in band
    expect(s.control_iterations).toBe(1);
    expect(s.controls_settled).toBe(true);
    expect(s.taps).toEqual([{ regcontrol: 'reg', transformer: 'reg', winding: 2, tap: 1.04375, tap_number: 7 }]);
    expect(s.capacitors).toEqual([]);
  });

  it('--controlmode off leaves the tap; --maxcontroliter 2 warns and reports controls_settled=false', async () => {
    const dir = tempScripts({ 'f.dss': FEEDER('') });
    const off = join(dir, 'off');
    expect(await main(['powerflow', join(dir, 'f.dss'), '--controlmode', 'off', '--out', off], capture().io)).toBe(0);
    expect(JSON.parse(readFileSync(join(off, 'summary.json'), 'utf8')).taps[0].tap).toBe(1);
    const lim = join(dir, 'lim');
    const { c, io } = capture();
    expect(await main(['powerflow', join(dir, 'f.dss'), '--maxcontroliter', '2', '--out', lim], io)).toBe(0);
    const s = JSON.parse(readFileSync(join(lim, 'summary.json'), 'utf8'));
    expect(s.control_iterations).toBe(2);
    expect(s.controls_settled).toBe(false);
    expect(c.err).toMatch(/controls still acting after 2 control iterations/);
  });

  it('rejects a bad --controlmode and an unknown transformer with file:line', async () => {
    const dir = tempScripts({ 'f.dss': FEEDER(''), 'bad.dss': FEEDER('').replace('transformer=reg ', 'transformer=nosuch ') });
    const a = capture();
    expect(await main(['powerflow', join(dir, 'f.dss'), '--controlmode', 'multirate', '--out', join(dir, 'x')], a.io)).toBe(2);
    expect(a.c.err).toMatch(/--controlmode must be static, time, event or off/);
    const b = capture();
    expect(await main(['powerflow', join(dir, 'bad.dss'), '--out', join(dir, 'y')], b.io)).toBe(1);
    expect(b.c.err).toMatch(/bad\.dss:5: transformer: Transformer\.nosuch is not defined/);
    expect(b.c.err).not.toMatch(/\n\s+at /);
  });

  it('timeseries moves the taps with the load and meters each step with the model in force', async () => {
    // a load that ramps from 10 % to 300 % over the hour: the regulator must step up as it grows
    const ramp = Array.from({ length: 60 }, (_v, k) => (0.1 + (2.9 * k) / 59).toFixed(4)).join(' ');
    const text = FEEDER('').replace('kw=100 kvar=20', `kw=1500 kvar=500 daily=ramp`).replace('New Load.l', `New LoadShape.ramp npts=60 minterval=1 mult=[${ramp}]\nNew Line.far bus1=rg.1 bus2=far.1 phases=1 r1=0.6 x1=1.2 c1=0 c0=0 length=5 units=km\nNew Load.l`).replace('bus1=rg.1 phases=1 kv=7.2 kw=1500', 'bus1=far.1 phases=1 kv=7.2 kw=1500');
    const dir = tempScripts({ 'f.dss': text });
    const out = join(dir, 'ts');
    expect(await main(['timeseries', join(dir, 'f.dss'), '--from', '1', '--to', '60', '--out', out, '--all-buses'], capture().io)).toBe(0);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.converged_steps).toBe(60);
    expect(s.controls_unsettled_steps).toBe(0);
    // more than one solve on the steps where a tap moved, one on the others
    expect(s.control_iterations_per_step).toBeGreaterThan(1);
    expect(s.control_iterations_per_step).toBeLessThan(2);
    // the regulated bus stays in band (125–127 V on the 120 V scale) once the regulator has acted
    const rows = readFileSync(join(out, 'bus_voltages.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const rg = rows.filter((r) => r[1] === 'rg').map((r) => Number(r[3]) / 60);
    expect(Math.min(...rg.slice(1))).toBeGreaterThan(124.9);
    expect(Math.max(...rg)).toBeLessThan(127.1);
  });

  it('describe lists the controls', async () => {
    const dir = tempScripts({ 'f.dss': FEEDER('') });
    const { c, io } = capture();
    expect(await main(['describe', join(dir, 'f.dss'), '--json'], io)).toBe(0);
    const d = JSON.parse(c.out);
    expect(d.controls.regcontrols).toHaveLength(1);
    expect(d.controls.regcontrols[0]).toMatchObject({ name: 'reg', transformer: 'reg', winding: 2, vreg: 126, band: 2, ptratio: 60, tap: 1, tap_range: [0.9, 1.1] });
  });
});

describeWithOpenDss('script solves replayed as OpenDSS compiles them', () => {
  it('a script with its own Solve, then OpenDSS snapshot solve: same tap, control iterations, nodes', () => {
    // maxtapchange=1: the script's solve takes 8 control iterations (7 steps); the final one finds the band
    const text = FEEDER('Solve\n').replace('vreg=126', 'vreg=126 maxtapchange=1');
    const dir = tempScripts({ 'master.dss': text });
    const feeder = loadFeeder(join(dir, 'master.dss'));
    const powers = newLoadPowers(feeder.model);
    setLoadPowersAt(feeder.model, 0, 'snapshot', powers);
    const sol = solveFeeder(feeder, powers, { hour: 0, sec: 0 }, { tolerance: 1e-12, maxIterations: 1000 });
    expect(sol.controls!.scriptSolves).toHaveLength(1);
    expect(sol.controls!.scriptSolves[0].controlIterations).toBe(8);
    const ref = runOpenDssControlled(dir, 'master.dss', { transformers: ['reg'] });
    expect(sol.controls!.taps[0].tap).toBeCloseTo(ref.taps.get('reg')![1], 12);
    expect(sol.status.controlIterations).toBe(ref.info.control_iterations);
    const cmp = compareNodes(sol.feeder, sol.vRe, sol.vIm, ref.nodes, sol.status.converged);
    expect(cmp.maxDvPu).toBeLessThan(1e-8);
  });
});
