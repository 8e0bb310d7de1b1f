/**
 * PVSystem, XYcurve and TShape against OpenDSS (oracle at tolerance 1e-12), every node:
 *
 *   Vsource ── line ── b (load) ── line ── c (PVSystem under test)
 *
 * Snapshot cases exercise irradiance × Pmpp, the P-T curve at the panel temperature, the
 * efficiency curve, %Pmpp, the kVA limit with var and watt priority, pf and kvar, kvarMax, %cutout,
 * delta, 1- and 2-phase connections, the current-limited model (LimitCurrent), model 2 (constant Y); daily cases the irradiance shape and the temperature shape.
 */
import { expect, it } from 'vitest';
import { compareWithOpenDss, describeWithOpenDss } from '../../helpers/oracle.js';
import { yAt } from '../../../grid/model/elements/xycurve.js';

const feeder = (elements: string) => `Clear
New Circuit.pv basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=180
New Line.l1 bus1=src bus2=b phases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=3 c0=1.5 length=2 units=km
New Line.l2 bus1=b bus2=c phases=3 r1=0.8 x1=1.0 r0=1.8 x0=3 c1=2.5 c0=1.2 length=3 units=km
New Load.ld bus1=b phases=3 kV=12.47 kW=900 kvar=300 model=1
New XYCurve.eff npts=4 Xarray=[0.1 0.2 0.4 1.0] Yarray=[0.86 0.9 0.93 0.97]
New XYCurve.pt npts=4 Xarray=[0 25 75 100] Yarray=[1.2 1.0 0.8 0.6]
${elements}
Set voltagebases=[12.47]
Calcvoltagebases
`;

const TOL_PU = 1e-9;

describeWithOpenDss('PVSystem against OpenDSS, every node', () => {
  const cases: [string, string][] = [
    ['irradiance × Pmpp, unity pf', 'New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=1000 Pmpp=900 irradiance=0.8'],
    ['P-T curve at 45 °C and efficiency curve', 'New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=1000 Pmpp=900 irradiance=0.9 Temperature=45 P-TCurve=pt EffCurve=eff'],
    ['%Pmpp cap, pf 0.9 absorbing', 'New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=1000 Pmpp=1000 irradiance=1 %Pmpp=60 pf=-0.9'],
    ['kVA limit, var priority (kW backs off)', 'New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=1000 Pmpp=1000 irradiance=1 kvar=400'],
    ['kVA limit, watt priority (kvar backs off)', 'New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=1000 Pmpp=1000 irradiance=1 kvar=-400 WattPriority=yes'],
    ['kvarMax limits kvar', 'New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=1000 Pmpp=800 irradiance=1 kvar=500 kvarMax=250'],
    ['below %cutout the inverter is off', 'New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=1000 Pmpp=1000 irradiance=0.15 %cutin=20 %cutout=20'],
    ['1-phase wye', 'New PVSystem.pv bus1=c.3 phases=1 kV=7.2 kVA=300 Pmpp=280 irradiance=0.95 pf=0.95'],
    ['3-phase delta', 'New PVSystem.pv bus1=c phases=3 conn=delta kV=12.47 kVA=600 Pmpp=500 irradiance=1'],
    ['LimitCurrent below Vminpu (current capped, no constant Z)', 'New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=1000 Pmpp=900 irradiance=1 pf=0.95 Vminpu=1.05 LimitCurrent=yes'],
    ['LimitCurrent, 3-phase delta below Vminpu', 'New PVSystem.pv bus1=c phases=3 conn=delta kV=12.47 kVA=1000 Pmpp=900 irradiance=1 Vminpu=1.05 LimitCurrent=yes'],
    ['2-phase wye on nodes 2.1, abbreviated irrad (as ckt5 writes it)', 'New PVSystem.pv bus1=c.2.1 phases=2 conn=w kva=300 kv=12.47 pmpp=300 irrad=0.8 pf=1.0000 vminpu=0.9000 LimitCurrent=yes'],
    ['above Vmaxpu (constant Z)', 'New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=5000 Pmpp=5000 irradiance=1 Vmaxpu=1.01'],
    ['model 2 (constant Y at the present output), pf 0.9', 'New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=3000 Pmpp=2800 irradiance=0.9 pf=0.9 model=2 EffCurve=eff'],
    ['model 2, 3-phase delta, kvar', 'New PVSystem.pv bus1=c phases=3 conn=delta kV=12.47 kVA=3000 Pmpp=2500 irradiance=1 kvar=-500 model=2'],
    ['model 2, 1-phase delta', 'New PVSystem.pv bus1=c.2.3 phases=1 conn=delta kV=12.47 kVA=500 Pmpp=450 irradiance=1 model=2'],
  ];
  for (const [name, el] of cases) {
    it(name, () => {
      const r = compareWithOpenDss(feeder(el));
      expect(r.converged).toBe(true);
      expect(r.maxDvPu, `worst node ${r.worst}`).toBeLessThan(TOL_PU);
      expect(r.maxDdeg).toBeLessThan(1e-6);
    });
  }

  it('daily: irradiance shape and temperature shape (TShape) at minute 780', () => {
    const shapes = `New Loadshape.sun npts=24 interval=1 mult=(0 0 0 0 0 0 0.1 0.2 0.4 0.6 0.8 0.9 1 0.95 0.85 0.7 0.5 0.3 0.1 0 0 0 0 0)
New TShape.temp npts=24 interval=1 temp=(10 10 10 10 10 12 15 20 25 30 35 40 45 50 50 45 40 35 30 25 20 15 10 10)`;
    const r = compareWithOpenDss(feeder(`${shapes}\nNew PVSystem.pv bus1=c phases=3 kV=12.47 kVA=1000 Pmpp=900 irradiance=1 daily=sun Tdaily=temp P-TCurve=pt EffCurve=eff`), { minute: 780, mode: 'daily' });
    expect(r.maxDvPu, `worst node ${r.worst}`).toBeLessThan(TOL_PU);
  });
});

it('XYcurve interpolates and extrapolates from the end points as OpenDSS GetYValue', () => {
  const c = { name: 'c', npts: 3, x: [0, 1, 2], y: [0, 10, 30] };
  expect(yAt(c, 0.5)).toBeCloseTo(5, 12);
  expect(yAt(c, 1.5)).toBeCloseTo(20, 12);
  expect(yAt(c, 3)).toBeCloseTo(50, 12); // last two points extended
  expect(yAt(c, -1)).toBeCloseTo(-10, 12); // first two points extended
  expect(yAt(c, 1.000001)).toBe(10); // within 1e-5 of a point: that point's y
});
