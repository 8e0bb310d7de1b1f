/**
 * Controls in a time series: taps carry over from step to step (OpenDSS daily mode in its static
 * control mode), checked against OpenDSS's own day of one-minute solves, every node at every step.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { startControls, timeOfMinute } from '../../../grid/controls/static-control.js';
import { loadFeeder, runTimeSeries } from '../../../grid/feeder.js';
import { newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { sharedPath } from '../../../src/shared-data.js';
import { tempScripts } from '../../helpers/dss.js';
import { describeWithOpenDss } from '../../helpers/oracle.js';

// a regulator with LDC feeding a load that ramps up and down over 40 minutes (the line without
// capacitance: this test is about the controls)
const mult = Array.from({ length: 40 }, (_v, k) => (0.2 + 1.6 * Math.sin((Math.PI * k) / 39)).toFixed(4)).join(' ');
const TEXT = `
Clear
New Circuit.ts basekv=7.2 phases=1 pu=1.0 bus1=src MVAsc1=1e5 MVAsc3=1e5
New Transformer.reg phases=1 windings=2 buses=[src.1 rg.1] conns=[wye wye] kvs=[7.2 7.2] kvas=[5000 5000] XHL=0.01 %loadloss=0.001
New RegControl.reg transformer=reg winding=2 ptratio=60 band=2 vreg=124 ctprim=300 R=2 X=4 maxtapchange=2
New Line.l bus1=rg.1 bus2=b.1 phases=1 r1=0.5 x1=1.0 c1=0 c0=0 length=4 units=km
New LoadShape.day npts=40 minterval=1 mult=[${mult}]
New Load.ld bus1=b.1 phases=1 kv=7.2 kw=1500 kvar=600 daily=day
`;

it('a time series with controls reports the control loops of its steps and carries taps over', () => {
  const dir = tempScripts({ 'master.dss': TEXT });
  const feeder = loadFeeder(join(dir, 'master.dss'));
  const loops: number[] = [];
  const models = new Set();
  const run = runTimeSeries(feeder, { from: 1, to: 40, stepMin: 1 }, (s) => {
    loops.push(s.controlIterations);
    models.add(s.model);
  }, { tolerance: 1e-12 });
  expect(run.diverged).toBe(0);
  expect(run.controlsUnsettled).toBe(0);
  expect(run.controlIterations).toBe(loops.reduce((a, b) => a + b, 0));
  // the taps move with the load (several models), and most steps find the band at once (taps carried over)
  expect(models.size).toBeGreaterThan(2);
  expect(loops.filter((n) => n === 1).length).toBeGreaterThan(20);
});

describeWithOpenDss('controls in a time series against OpenDSS (daily mode, static control)', () => {
  it('every node at every minute equals OpenDSS (1e-7 pu)', () => {
    const dir = tempScripts({ 'master.dss': TEXT });
    const collect = join(dir, 'all.csv');
    // dssrun runs the day once (timed), then again collecting every step: the taps of the first pass carry into the second
    const r = spawnSync('python3', [sharedPath('tools', 'opendss', 'dssrun.py'), 'daily', join(dir, 'master.dss'), '--from', '1', '--to', '40', '--mode', 'daily', '--tolerance', '1e-12', '--collect', collect], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const ref = new Map<string, number>();
    for (const line of readFileSync(collect, 'utf8').trim().split('\n').slice(1)) {
      const [m, bus, node, v] = line.split(',');
      ref.set(`${m}|${bus.toLowerCase()}.${node}`, Number(v));
    }
    const feeder = loadFeeder(join(dir, 'master.dss'));
    const pf = startControls(feeder, { tolerance: 1e-12 });
    const powers = newLoadPowers(feeder.model);
    let worst = 0;
    for (const pass of [1, 2]) {
      if (pass === 2) pf.resetControls();
      for (let m = 1; m <= 40; m++) {
        setLoadPowersAt(feeder.model, m / 60, 'daily', powers);
        const s = pf.solve(powers, timeOfMinute(m), { tolerance: 1e-12 });
        expect(s.converged).toBe(true);
        if (pass === 1) continue;
        const model = pf.model;
        for (let k = 0; k < model.nNodes; k++) {
          const key = `${m}|${model.network.buses[model.nodeBus[k]].name}.${model.nodeNumber[k]}`;
          const want = ref.get(key);
          expect(want, key).toBeDefined();
          const dd = Math.abs(Math.hypot(pf.vRe[k], pf.vIm[k]) - want!) / 7200;
          worst = Math.max(worst, dd);
        }
      }
    }
    expect(worst).toBeLessThan(1e-7);
  });
});
