/**
 * Issue 12 bug 2: a bus written with fewer nodes than the element has conductors keeps the
 * unwritten ones on their default nodes (phase k on node k, the rest grounded), as OpenDSS does.
 * lemsim grounded them, which on ckt24 shorted phase 3 to ground.
 */
import { expect, it } from 'vitest';
import { terminalNodes } from '../../../grid/model/elements/common.js';
import { compareWithOpenDss, describeWithOpenDss } from '../../helpers/oracle.js';

it('unwritten conductors stay on their default nodes', () => {
  expect(terminalNodes({ bus: 'x', nodes: [1, 2] }, 3, 3)).toEqual([1, 2, 3]);
  expect(terminalNodes({ bus: 'x', nodes: [2] }, 4, 3)).toEqual([2, 2, 3, 0]);
  expect(terminalNodes({ bus: 'x', nodes: [3, 1, 2] }, 4, 3)).toEqual([3, 1, 2, 0]);
  expect(terminalNodes({ bus: 'x', nodes: undefined }, 4, 3)).toEqual([1, 2, 3, 0]);
  expect(terminalNodes({ bus: 'x', nodes: [1, 2, 3, 4] }, 4, 3)).toEqual([1, 2, 3, 4]);
  expect(terminalNodes({ bus: 'x', nodes: [2] }, 2, 1)).toEqual([2, 0]);
});

describeWithOpenDss('partial node lists vs OpenDSS', () => {
  it('a three-phase line, load and transformer written with two nodes agree at every node', () => {
    const r = compareWithOpenDss(`
      Clear
      New Circuit.t basekv=12.47 pu=1.0 phases=3 bus1=src
      New Line.l1 bus1=src.1.2 bus2=a.1.2 phases=3 r1=0.3 x1=0.6 r0=0.9 x0=1.8 c1=10 c0=4 length=1 units=km
      New Load.la bus1=a.1.2 phases=3 kV=12.47 kW=300 kvar=100
      New Transformer.t1 phases=3 windings=2 buses=[a.2.3, lv.1] conns=[wye wye] kvs=[12.47 0.48] kvas=[500 500] xhl=5 %r=1
      New Load.lv bus1=lv phases=3 kV=0.48 kW=100 kvar=30
      Set voltagebases=[12.47 0.48]
      Calcvoltagebases
    `);
    expect(r.converged).toBe(true);
    expect(r.maxDvPu).toBeLessThan(1e-9);
  });
});
