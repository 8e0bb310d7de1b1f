/**
 * Issue 12 bug 1: a one-phase line given by sequence values takes Z1 and C1 (OpenDSS sets
 * R0 := R1, X0 := X1, C0 := C1 when nphases = 1); lemsim used (2·Z1 + Z0)/3 and was off by
 * 4e-3 pu on J1. Checked by hand on the per-length matrices and against OpenDSS on a circuit with
 * each way of writing such a line.
 */
import { expect, it } from 'vitest';
import { defaultImpedance, perLengthMatrices } from '../../../grid/model/elements/linecode.js';
import { compareWithOpenDss, describeWithOpenDss } from '../../helpers/oracle.js';

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
