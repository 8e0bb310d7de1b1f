/**
 * Storage against OpenDSS (oracle at tolerance 1e-12). Snapshots, every node, in each state and
 * var mode:
 *
 *   Vsource ── line ── b (load, Storage under test) ── line ── c
 *
 * and a time series (daily mode, 1-minute steps over an hour, dispmode=follow on a 15-minute
 * shape that discharges, then charges): after every step the stored energy must equal OpenDSS's,
 * which integrates it with the efficiencies and idling losses and stops at %reserve and kWhrated.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadFeeder, runTimeSeries } from '../../../grid/feeder.js';
import { PowerFlowState, newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { requestStorageKw, updateStorage } from '../../../grid/powerflow/pce-power.js';
import { tempScripts } from '../../helpers/dss.js';
import { compareWithOpenDss, describeWithOpenDss, openDssCommands } from '../../helpers/oracle.js';

const feeder = (elements: string) => `Clear
New Circuit.st basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=180
New Line.l1 bus1=src bus2=b phases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=3 c0=1.5 length=2 units=km
New Line.l2 bus1=b bus2=c phases=3 r1=0.8 x1=1.0 r0=1.8 x0=3 c1=2.5 c0=1.2 length=3 units=km
New Load.ld bus1=b phases=3 kV=12.47 kW=900 kvar=300
${elements}
Set voltagebases=[12.47]
Calcvoltagebases
`;

const TOL_PU = 1e-9;

describeWithOpenDss('Storage against OpenDSS', () => {
  const cases: [string, string][] = [
    ['discharging at %Discharge', 'New Storage.b bus1=c phases=3 kV=12.47 kWrated=800 kWhrated=2000 %stored=60 State=discharging %Discharge=75'],
    ['charging via kW=-300', 'New Storage.b bus1=c phases=3 kV=12.47 kWrated=800 kWhrated=2000 %stored=60 kW=-300'],
    ['idling draws its idling losses', 'New Storage.b bus1=c phases=3 kV=12.47 kWrated=800 kWhrated=2000 %IdlingkW=3'],
    ['discharging with pf 0.9 and a kVA limit', 'New Storage.b bus1=c phases=3 kV=12.47 kWrated=800 kVA=700 kWhrated=2000 %stored=90 State=discharging pf=0.9'],
    ['charging with kvar', 'New Storage.b bus1=c phases=3 kV=12.47 kWrated=500 kWhrated=2000 %stored=20 State=charging kvar=150'],
    ['1-phase on node 2, discharging', 'New Storage.b bus1=c.2 phases=1 kV=7.2 kWrated=200 kWhrated=400 %stored=80 kW=150'],
    ['3-phase delta, discharging, %kWrated cap', 'New Storage.b bus1=c phases=3 conn=delta kV=12.47 kWrated=600 %kWrated=50 kWhrated=2000 kW=500'],
    ['model 2 (constant Y), discharging with pf 0.9', 'New Storage.b bus1=c phases=3 kV=12.47 kWrated=2500 kVA=3000 kWhrated=5000 %stored=60 State=discharging pf=0.9 model=2'],
    ['model 2, 1-phase delta, charging', 'New Storage.b bus1=c.1.2 phases=1 conn=delta kV=12.47 kWrated=400 kWhrated=800 %stored=30 kW=-350 model=2'],
    ['LimitCurrent caps the constant-Z current above Vmaxpu', 'New Storage.b bus1=c phases=3 kV=12.47 kWrated=2500 kVA=3000 kWhrated=5000 %stored=60 State=discharging pf=0.9 Vminpu=1.05 Vmaxpu=0.95 LimitCurrent=yes'],
    ['LimitCurrent, 3-phase delta', 'New Storage.b bus1=c phases=3 conn=delta kV=12.47 kWrated=2500 kVA=3000 kWhrated=5000 %stored=60 State=discharging pf=0.9 Vminpu=1.05 Vmaxpu=0.95 LimitCurrent=yes'],
    ['empty (at %reserve): idles although discharging was asked', 'New Storage.b bus1=c phases=3 kV=12.47 kWrated=800 kWhrated=1000 %stored=20 %reserve=20 State=discharging'],
  ];
  for (const [name, el] of cases) {
    it(name, () => {
      const r = compareWithOpenDss(feeder(el));
      expect(r.converged).toBe(true);
      expect(r.maxDvPu, `worst node ${r.worst}`).toBeLessThan(TOL_PU);
    });
  }

  it('time series: follows its shape, integrates its energy and stops at %reserve and full, as OpenDSS (60 one-minute steps)', () => {
    const el = `New Loadshape.disp npts=4 interval=0.25 mult=(1 0.5 -0.8 0)
New Storage.b bus1=c phases=3 kV=12.47 kWrated=500 kWhrated=100 %stored=40 %reserve=20 %EffCharge=92 %EffDischarge=88 %IdlingkW=2 dispmode=follow daily=disp`;
    const dir = tempScripts({ 'master.dss': feeder(el) });
    const steps = 60;
    const cmds = ['set mode=daily stepsize=1m number=1 hour=0 sec=0'];
    for (let k = 0; k < steps; k++) cmds.push('solve', '? storage.b.kwhstored');
    const res = openDssCommands(dir, 'master.dss', cmds);
    const ref = res.filter((_r, k) => k > 0 && k % 2 === 0).map(Number);
    expect(ref).toHaveLength(steps);
    const f = loadFeeder(join(dir, 'master.dss'));
    const powers = newLoadPowers(f.model);
    powers.pce!.stepH = 1 / 60;
    const state = new PowerFlowState(f.model);
    const ours: number[] = [];
    for (let minute = 1; minute <= steps; minute++) {
      setLoadPowersAt(f.model, minute / 60, 'daily', powers);
      expect(state.solve(powers, { tolerance: 1e-12 }).converged).toBe(true);
      updateStorage(f.model, state.vRe, state.vIm, powers, 1 / 60);
      ours.push(powers.pce!.kwh[0]);
    }
    for (let k = 0; k < steps; k++) expect(Math.abs(ours[k] - ref[k]), `minute ${k + 1}: lemsim ${ours[k]} kWh, OpenDSS ${ref[k]} kWh`).toBeLessThan(1e-6);
    // the same day through the time-series driver: each step sees the energy left by the previous one
    const g = loadFeeder(join(dir, 'master.dss'));
    const before: number[] = [];
    let last: typeof powers | undefined;
    runTimeSeries(g, { from: 1, to: steps, stepMin: 1 }, (s) => {
      before.push(s.powers.pce!.kwh[0]);
      last = s.powers;
    }, { mode: 'daily', tolerance: 1e-12 });
    expect(before[0]).toBe(40);
    for (let k = 1; k < steps; k++) expect(Math.abs(before[k] - ref[k - 1]), `runTimeSeries, minute ${k + 1}`).toBeLessThan(1e-6);
    expect(Math.abs(last!.pce!.kwh[0] - ref[steps - 1])).toBeLessThan(1e-6);
    // the trajectory is not flat: it empties to the reserve and later fills up
    expect(Math.min(...ref)).toBeCloseTo(20, 9);
    expect(Math.max(...ref)).toBeCloseTo(100, 9);
  });

  for (const [what, curve] of [
    ['rising', 'Xarray=[0.05 0.2 0.5 1] Yarray=[0.8 0.9 0.95 0.97]'],
    ['rising, then flat', 'Xarray=[0.05 0.2 0.5 1] Yarray=[0.8 0.9 0.96 0.96]'],
  ]) {
    it(`time series with an inverter efficiency curve (${what}): the DC power integrated, as OpenDSS (60 one-minute steps)`, () => {
      const el = `New XYCurve.eff npts=4 ${curve}
New Loadshape.disp npts=6 interval=${1 / 6} mult=(0.9 0.3 -0.6 -0.15 0.6 0)
New Storage.b bus1=c phases=3 kV=12.47 kWrated=500 kVA=550 kWhrated=200 %stored=50 %reserve=10 %EffCharge=92 %EffDischarge=88 %IdlingkW=2 dispmode=follow daily=disp EffCurve=eff`;
      const dir = tempScripts({ 'master.dss': feeder(el) });
      const steps = 60;
      const cmds = ['set mode=daily stepsize=1m number=1 hour=0 sec=0'];
      for (let k = 0; k < steps; k++) cmds.push('solve', '? storage.b.kwhstored');
      const ref = openDssCommands(dir, 'master.dss', cmds).filter((_r, k) => k > 0 && k % 2 === 0).map(Number);
      expect(ref).toHaveLength(steps);
      const ours: number[] = [];
      runTimeSeries(loadFeeder(join(dir, 'master.dss')), { from: 1, to: steps, stepMin: 1 }, (st) => ours.push(st.powers.pce!.kwh[0]), { mode: 'daily', tolerance: 1e-12 });
      // runTimeSeries reports the energy each step started from: step k+1 holds OpenDSS's after step k
      for (let k = 1; k < steps; k++) expect(Math.abs(ours[k] - ref[k - 1]), `minute ${k}: lemsim ${ours[k]} kWh, OpenDSS ${ref[k - 1]} kWh`).toBeLessThan(1e-6);
      // the curve matters: an ideal inverter would end elsewhere
      const ideal = openDssCommands(tempScripts({ 'master.dss': feeder(el.replace(' EffCurve=eff', '')) }), 'master.dss', cmds).filter((_r, k) => k > 0 && k % 2 === 0).map(Number);
      expect(Math.abs(ideal[steps - 1] - ref[steps - 1])).toBeGreaterThan(0.5);
    });
  }

  it('the simulation dispatches a Storage through requestStorageKw (as OpenDSS kW=)', () => {
    const base = 'New Storage.b bus1=c phases=3 kV=12.47 kWrated=800 kWhrated=2000 %stored=60';
    const ref = compareWithOpenDss(feeder(`${base} kW=-350`));
    const f = ref.feeder;
    const dir = tempScripts({ 'master.dss': feeder(base) });
    const g = loadFeeder(join(dir, 'master.dss'));
    const powers = newLoadPowers(g.model);
    requestStorageKw(powers.pce!, 0, -350);
    setLoadPowersAt(g.model, 0, 'snapshot', powers);
    const state = new PowerFlowState(g.model);
    state.solve(powers, { tolerance: 1e-12 });
    let worst = 0;
    for (let k = 0; k < g.model.nNodes; k++) worst = Math.max(worst, Math.hypot(state.vRe[k] - ref.vRe[k], state.vIm[k] - ref.vIm[k]) / 7200);
    expect(f.model.nNodes).toBe(g.model.nNodes);
    expect(worst).toBeLessThan(1e-12);
  });
});
