/**
 * Issue 12 bug 1: a one-phase line given by sequence values takes Z1 and C1 (OpenDSS sets
 * R0 := R1, X0 := X1, C0 := C1 when nphases = 1); lemsim used (2·Z1 + Z0)/3 and was off by
 * 4e-3 pu on J1. Checked by hand on the per-length matrices and against OpenDSS on a circuit with
 * each way of writing such a line.
 */
import { expect, it } from 'vitest';
import { defaultImpedance, perLengthMatrices } from '../../../grid/model/elements/linecode.js';
import { compareWithOpenDss, describeWithOpenDss } from '../../helpers/oracle.js';
import { feederFromText } from '../../helpers/dss.js';

it('a one-phase sequence line is Z1 and C1 per unit length, whatever Z0 and C0 are', () => {
  const d = { ...defaultImpedance(), nphases: 1, r1: 0.3, x1: 0.6, r0: 0.9, x0: 1.8, c1: 10, c0: 4 };
  const { z, cNf } = perLengthMatrices(d, 1);
  expect([z.re[0], z.im[0], cNf[0]]).toEqual([0.3, 0.6, 10]);
  // three phases keep the sequence-to-phase transform: Zs = (2·Z1 + Z0)/3
  const three = perLengthMatrices({ ...d, nphases: 3 }, 3);
  expect(three.z.re[0]).toBeCloseTo((2 * 0.3 + 0.9) / 3, 15);
  expect(three.cNf[1]).toBeCloseTo((4 - 10) / 3, 15);
});

describeWithOpenDss('one-phase sequence lines vs OpenDSS', () => {
  it('direct values, a one-phase LineCode and a three-phase code used on one phase agree at every node', () => {
    const r = compareWithOpenDss(`
      Clear
      New Circuit.t basekv=12.47 pu=1.0 phases=3 bus1=src
      New LineCode.seq1 nphases=1 r1=0.4 x1=0.7 r0=1.1 x0=2.2 c1=11 c0=3 units=km
      New LineCode.seq3 nphases=3 r1=0.2 x1=0.5 r0=0.7 x0=1.6 c1=12 c0=5 units=km
      New Line.direct bus1=src.1 bus2=a.1 phases=1 r1=0.3 x1=0.6 r0=0.9 x0=1.8 c1=10 c0=4 length=2 units=km
      New Line.code1 bus1=src.2 bus2=b.2 linecode=seq1 length=3 units=km
      New Line.code3 bus1=src.3 bus2=c.3 linecode=seq3 phases=1 length=1.5 units=km
      New Load.la bus1=a.1 phases=1 kV=7.2 kW=300 kvar=100
      New Load.lb bus1=b.2 phases=1 kV=7.2 kW=200 kvar=120
      New Load.lc bus1=c.3 phases=1 kV=7.2 kW=250 kvar=60
      Set voltagebases=[12.47]
      Calcvoltagebases
    `);
    expect(r.converged).toBe(true);
    expect(r.nodes).toBe(6);
    expect(r.maxDvPu).toBeLessThan(1e-9);
  });
});

/*
 * OpenDSS's default capacitance (C1 = 3.4, C0 = 1.6 nF) is per 1000 ft (Line.pas TLineObj.Create):
 * when a line's own sequence impedance is written and its capacitance is not, CalcYPrim converts
 * the defaults to the `units` written after the impedance (an impedance property resets the
 * line's length unit, so `units=` before r1 converts nothing). With units=km: C1 = 3.4/0.3048 =
 * 11.155 nF/km, so Cs = (2·11.155 + 5.249)/3 = 9.186 nF/km (OpenDSS's own cmatrix for this line).
 * LineCodes keep 3.4/1.6 per their units. lemsim took 3.4/1.6 per km: 7.2e-6 pu off (2.4e-5 for
 * a one-phase line).
 */
it('default C1/C0 of a line with its own sequence impedance: per 1000 ft, converted to the units written after it', () => {
  const feeder = feederFromText(`
    Clear
    New Circuit.t basekv=12.47 pu=1.0 phases=3 bus1=src
    New Line.after bus1=src bus2=a r1=0.3 x1=0.6 r0=0.6 x0=1.8 length=5 units=km
    New Line.before bus1=src bus2=b units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8 length=5
    New Line.given bus1=src bus2=c r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=3 length=5 units=km
  `);
  const end = (name: string) => feeder.network.branches.find((b) => b.name === `line.${name}`)!.shuntEnd!;
  // half of ω·C·length at each end: ω·(Cs nF/km)·5 km/2
  const w = 2 * Math.PI * 60;
  expect(end('after').im[0]).toBeCloseTo((w * ((2 * 3.4 + 1.6) / 3 / 0.3048) * 5e-9) / 2, 12);
  expect(end('before').im[0]).toBeCloseTo((w * ((2 * 3.4 + 1.6) / 3) * 5e-9) / 2, 12);
  expect(end('given').im[0]).toBeCloseTo((w * ((2 * 3 + 1.6) / 3) * 5e-9) / 2, 12);
});

describeWithOpenDss('default line capacitance vs OpenDSS', () => {
  it('units after or before the impedance, km, mi, m, ft, one phase, B1 given, a LineCode: every node (1e-9 pu)', () => {
    const r = compareWithOpenDss(`
      Clear
      New Circuit.t basekv=12.47 pu=1.0 phases=3 bus1=src
      New LineCode.k nphases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 units=km
      New Line.a bus1=src bus2=a r1=0.3 x1=0.6 r0=0.6 x0=1.8 length=5 units=km
      New Line.b bus1=src bus2=b units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8 length=5
      New Line.c bus1=src bus2=c r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=3 length=5 units=km
      New Line.d bus1=src bus2=d r1=0.3 x1=0.6 r0=0.6 x0=1.8 length=3 units=mi
      New Line.e bus1=src bus2=e r1=0.0003 x1=0.0006 r0=0.0006 x0=0.0018 length=4000 units=m
      New Line.f bus1=src bus2=f r1=0.0001 x1=0.0002 r0=0.0002 x0=0.0006 length=9000 units=ft
      New Line.g bus1=src.1 bus2=g.1 phases=1 r1=0.3 x1=0.6 r0=0.6 x0=1.8 length=8 units=km
      New Line.h bus1=src bus2=h r1=0.3 x1=0.6 r0=0.6 x0=1.8 b1=3 length=5 units=km
      New Line.i bus1=src bus2=i linecode=k length=5 units=km
      New Load.la bus1=a phases=3 kV=12.47 kW=900 kvar=300
      New Load.lg bus1=g.1 phases=1 kV=7.2 kW=200 kvar=80
      New Load.ld bus1=d phases=3 kV=12.47 kW=600 kvar=200
      Set voltagebases=[12.47]
      Calcvoltagebases
    `);
    expect(r.converged).toBe(true);
    expect(r.nodes).toBe(28);
    expect(r.maxDvPu, `worst ${r.worst}`).toBeLessThan(1e-9);
  });
});
