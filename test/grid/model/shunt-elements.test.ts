/**
 * Capacitor, Reactor and XfmrCode (issue 12), each on a small circuit solved by lemsim and by
 * OpenDSS and compared at every node. The circuits exercise every way of specifying the element
 * that the standard test circuits use, and the corners of OpenDSS's semantics (steps, states,
 * series R/XL, delta connection, series reactors, `Parallel=yes`, a code's windings).
 */
import { expect, it } from 'vitest';
import { capacitorBranch } from '../../../grid/model/elements/capacitor.js';
import { feederFromText } from '../../helpers/dss.js';
import { compareWithOpenDss, describeWithOpenDss } from '../../helpers/oracle.js';

const BASE = `
  Clear
  New Circuit.e basekv=12.47 pu=1.01 phases=3 bus1=src MVAsc3=200 MVAsc1=180
  New Line.l1 bus1=src bus2=a r1=0.3 x1=0.6 r0=0.9 x0=1.8 c1=10 c0=4 length=4 units=km
  New Line.l2 bus1=a bus2=b r1=0.4 x1=0.7 r0=1.0 x0=2.0 c1=9 c0=4 length=3 units=km
  New Load.a bus1=a kV=12.47 kW=1500 kvar=700
  New Load.b1 bus1=b.1 phases=1 kV=7.2 kW=500 kvar=250
  New Load.b bus1=b kV=12.47 kW=900 kvar=400 model=2
`;
const END = `
  Set voltagebases=[12.47 0.48 0.208]
  Calcvoltagebases
`;

it('a bank of steps: only the connected steps count, and one step split into several shares the rating', () => {
  const f = feederFromText(`${BASE}\nNew Capacitor.c bus1=b kvar=900 kv=12.47 numsteps=3 states=[1 0 1]\n${END}`);
  const cap = f.network.branches.find((b) => b.name === 'capacitor.c')!;
  // three 300 kvar steps, two of them in: 600 kvar at 12.47 kV → B = 600e3 / 12470² per phase (wye)
  expect(cap.y.im[0]).toBeCloseTo(600e3 / 12470 ** 2, 12);
});

it('capacitorBranch follows the states it is given (the input a CapControl changes)', () => {
  const s = { name: 'x', enabled: true, bus1: { bus: 'b', nodes: undefined }, bus2: undefined, phases: 3, kvar: [300, 300], kV: 12.47, conn: 'wye' as const, cuf: [0, 0], cmatrix: undefined, r: [0, 0], xl: [0, 0], numSteps: 2, states: [1, 1], spec: 'kvar' as const };
  expect(capacitorBranch(s, 60, [0, 0]).y.im[0]).toBe(0);
  expect(capacitorBranch(s, 60, [1, 0]).y.im[0]).toBeCloseTo(300e3 / 12470 ** 2, 12);
  expect(capacitorBranch(s, 60, [1, 1]).y.im[0]).toBeCloseTo(600e3 / 12470 ** 2, 12);
});

describeWithOpenDss('Capacitor, Reactor and XfmrCode vs OpenDSS', () => {
  const cases: [string, string][] = [
    ['wye capacitor, kvar, written as bus=', 'New Capacitor.c1 bus=b kv=12.47 kvar=600'],
    ['delta capacitor and a one-phase wye capacitor', 'New Capacitor.cd bus1=a kv=12.47 kvar=450 conn=delta\nNew Capacitor.c1 bus1=b.2 phases=1 kv=7.2 kvar=100'],
    ['three steps, states, series R and XL', 'New Capacitor.st bus1=b kv=12.47 kvar=[200 300 400] numsteps=3 states=[1 0 1] R=[0.5 0.5 1] XL=[2 2 3]'],
    ['one rating split into steps, one step off', 'New Capacitor.sp bus1=b kv=12.47 kvar=900\n~ numsteps=3 states=[1 1 0]'],
    ['cuf per phase and an ungrounded wye (bus2 = a floating neutral)', 'New Capacitor.cu bus1=a cuf=5 kv=12.47\nNew Capacitor.ug bus1=b bus2=b.4.4.4 kv=12.47 kvar=300\nNew Reactor.ng bus1=b.4 phases=1 R=5 X=1'],
    ['shunt reactor from kvar, neutral resistors, parallel R and X', 'New Reactor.r1 bus1=a kv=12.47 kvar=300\nNew Reactor.nr phases=1 bus1=b.3 R=40 X=10\nNew Reactor.px phases=1 bus1=b.1 bus2=b.0 R=300 X=200 Parallel=yes'],
    ['series reactor between two buses', 'New Reactor.sr bus1=b bus2=c R=0.2 X=1.5\nNew Load.c bus1=c kV=12.47 kW=300 kvar=100'],
    ['reactor from sequence impedances, from LmH, with Rp', 'New Reactor.zs bus1=b bus2=d Z1=[0.1 0.8] Z0=[0.3 2.4]\nNew Load.d bus1=d kV=12.47 kW=200 kvar=50\nNew Reactor.lm bus1=a kv=12.47 LmH=500 Rp=2000'],
    ['XfmrCode: three-phase and a centre-tapped one-phase code, with overrides after the code', `New XfmrCode.t3 phases=3 windings=2 conns=[delta wye] kvs=[12.47 0.48] kvas=[500 500] xhl=5 %loadloss=1.2 %noloadloss=0.2 %imag=0.5
New XfmrCode.ct phases=1 windings=3 kvs=[7.2 0.12 0.12] kvas=[50 50 50] xhl=2.04 xht=2.04 xlt=1.36 %imag=0.5
~ wdg=1 %r=0.6
~ wdg=2 %r=1.2
~ wdg=3 %r=1.2
New Transformer.t1 buses=[b, lv] xfmrcode=t3 tap=1.025
New Load.lv bus1=lv kV=0.48 kW=200 kvar=60
New Transformer.t2 xfmrcode=ct buses=[a.2, s.1.0, s.0.2]
New Load.s bus1=s.1.2 phases=1 kV=0.208 kW=20 kvar=5`],
    ['a tap written after an array property lands on the last winding (OpenDSS steps through them)', 'New Transformer.t buses=[b, lv] conns=[delta wye] kvs=[12.47 0.48] kvas=[500 500] xhl=5 tap=1.05\nNew Load.lv bus1=lv kV=0.48 kW=200 kvar=60'],
    ['reactor matrices in parallel', 'New Reactor.pm bus1=b phases=3 Rmatrix=[300 | 0 300 | 0 0 300] Xmatrix=[200 | 10 200 | 10 10 200] Parallel=yes'],
  ];
  for (const [label, text] of cases) {
    it(`${label}: every node agrees`, () => {
      const r = compareWithOpenDss(`${BASE}\n${text}\n${END}`);
      expect(r.converged).toBe(true);
      expect(r.maxDvPu, `worst node ${r.worst}`).toBeLessThan(1e-8);
      expect(r.maxDdeg).toBeLessThan(1e-6);
    });
  }
});
