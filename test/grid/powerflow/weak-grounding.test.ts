/**
 * A part of a feeder grounded only through its loads (grid/powerflow/weak-grounding.ts): behind a
 * delta–delta transformer, or an ungrounded wye winding, with wye-grounded constant-power loads.
 * lemsim diverged at the first iteration (the part's common mode held only by the 1 ppm anti-float
 * admittance); OpenDSS, whose matrix holds every load's nominal admittance, solves it. Now every
 * node agrees with OpenDSS, in OpenDSS's iteration count, and a grounded feeder's loads stay out
 * of the matrix (no change to its iteration).
 */
import { expect, it } from 'vitest';
import { feederFromText } from '../../helpers/dss.js';
import { compareWithOpenDss, describeWithOpenDss } from '../../helpers/oracle.js';

const CIRCUIT = (transformer: string, extra = '') => `
Clear
New Circuit.ug basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200000 MVAsc1=210000
${transformer}
New Linecode.lc nphases=3 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=0 c0=0
New Line.l1 bus1=lv bus2=b linecode=lc length=2
New Load.a bus1=b.1 phases=1 kv=2.4 kw=400 kvar=150
New Load.b bus1=b.2 phases=1 kv=2.4 kw=300 kvar=100
New Load.c bus1=b.3 phases=1 kv=2.4 kw=500 kvar=200 model=5
${extra}
Set voltagebases=[12.47 4.16]
Calcvoltagebases
`;
const DELTA_DELTA = 'New Transformer.t phases=3 windings=2 buses=[src lv] conns=[delta delta] kvs=[12.47 4.16] kvas=[3000 3000] XHL=6 %loadloss=0.5';
const UNGROUNDED_WYE = 'New Transformer.t phases=3 windings=2 buses=[src lv.1.2.3.4] conns=[delta wye] kvs=[12.47 4.16] kvas=[3000 3000] XHL=6 %loadloss=0.5';
const GROUNDED_WYE = 'New Transformer.t phases=3 windings=2 buses=[src lv] conns=[delta wye] kvs=[12.47 4.16] kvas=[3000 3000] XHL=6 %loadloss=0.5';

describeWithOpenDss('parts grounded only through loads vs OpenDSS', () => {
  for (const [name, xf, extra] of [
    ['behind a delta–delta transformer', DELTA_DELTA, ''],
    ['behind an ungrounded wye winding (neutral node floating)', UNGROUNDED_WYE, ''],
    ['delta–delta with line capacitance and a delta load as well', DELTA_DELTA.replace('XHL=6', 'XHL=5'), 'New Line.l2 bus1=b bus2=c r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=12 c0=5 length=3 units=km\nNew Load.d bus1=c.1.2 phases=1 conn=delta kv=4.16 kw=200 kvar=90'],
  ] as const) {
    it(`${name}: every node (1e-9 pu)`, () => {
      const r = compareWithOpenDss(CIRCUIT(xf, extra));
      expect(r.converged).toBe(true);
      expect(r.maxDvPu, `worst ${r.worst}`).toBeLessThan(1e-9);
    });
  }
});

it('only the loads that hold a floating part get their admittance in the matrix', () => {
  const floating = feederFromText(CIRCUIT(DELTA_DELTA)).model;
  expect([...floating.brYlinRe].every((g) => g > 0)).toBe(true);
  // model 5 too (constant |I|): its nominal admittance, P/V² and −Q/V² per phase
  expect(floating.brYlinRe[2]).toBeCloseTo(500e3 / 2400 ** 2, 12);
  expect(floating.brYlinIm[2]).toBeCloseTo(-200e3 / 2400 ** 2, 12);
  const grounded = feederFromText(CIRCUIT(GROUNDED_WYE)).model;
  expect([...grounded.brYlinRe].every((g) => g === 0)).toBe(true);
});
