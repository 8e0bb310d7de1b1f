/**
 * Switch states and jumpers (issue 12 bugs 3 and 5): `Open`/`Close` of a terminal or one conductor,
 * `Line … switch=yes`, and near-zero-impedance lines merged into one node keeping their
 * capacitance. Each case is solved by lemsim and OpenDSS and compared at every node.
 */
import { expect, it } from 'vitest';
import { checkPowerBalance, powerBalance } from '../../../grid/powerflow/result.js';
import { feederFromText, solveSnapshot } from '../../helpers/dss.js';
import { compareWithOpenDss, describeWithOpenDss } from '../../helpers/oracle.js';

/*
 *            l1                 sw (switch=yes)
 *   src ─────────── a ─────────────────── c
 *     └──────── l2 ───────────────────────┘      loads at a and c; lcap: a long cable
 *     └──────── lcap (open at its far end) ── a
 */
const LOOP = (actions: string) => `
  Clear
  New Circuit.sw basekv=12.47 pu=1.02 phases=3 bus1=src
  New Line.l1 bus1=src bus2=a r1=0.3 x1=0.6 r0=0.9 x0=1.8 c1=10 c0=4 length=3 units=km
  New Line.l2 bus1=src bus2=c r1=0.2 x1=0.5 r0=0.8 x0=1.5 c1=10 c0=4 length=5 units=km
  New Line.sw bus1=a bus2=c switch=yes
  New Line.lcap bus1=src bus2=a r1=0.1 x1=0.2 r0=0.3 x0=0.6 c1=300 c0=200 length=8 units=km
  New Load.a bus1=a kV=12.47 kW=1500 kvar=600
  New Load.c1 bus1=c.1 phases=1 kV=7.2 kW=400 kvar=100
  New Load.c bus1=c kV=12.47 kW=900 kvar=300
  ${actions}
  Set voltagebases=[12.47]
  Calcvoltagebases
`;

describeWithOpenDss('switch states vs OpenDSS', () => {
  for (const [label, actions] of [
    ['all closed', ''],
    ['switch opened at terminal 1', 'open Line.sw 1'],
    ['one conductor of the switch opened', 'open Line.sw 2 2'],
    ['opened, then closed again', 'open Line.sw 1\nclose Line.sw 1'],
    ['a cable open at its far end (charging current only)', 'open Line.lcap 2'],
  ] as const) {
    it(`${label}: every node agrees`, () => {
      const r = compareWithOpenDss(LOOP(actions));
      expect(r.converged).toBe(true);
      expect(r.maxDvPu).toBeLessThan(1e-8);
    });
  }
  /*
   * A jumper (1e-7 Ω, below JUMPER_OHMS) carrying 1 mF of line capacitance: its ends are merged
   * into one node, and its 20 kvar must stay in the circuit and in the power balance.
   */
  it('a merged jumper keeps its line capacitance', () => {
    const text = `
      Clear
      New Circuit.j basekv=12.47 pu=1.0 phases=3 bus1=src
      New Line.l1 bus1=src bus2=a r1=0.3 x1=0.6 r0=0.9 x0=1.8 c1=10 c0=4 length=3 units=km
      New Line.jumper bus1=a bus2=b r1=1e-4 x1=1e-4 r0=1e-4 x0=1e-4 c1=1e6 c0=1e6 length=0.001 units=none
      New Load.b bus1=b kV=12.47 kW=800 kvar=200
      Set voltagebases=[12.47]
      Calcvoltagebases
    `;
    const f = feederFromText(text);
    expect(f.model.jumpers.reduce((a, b) => a + b, 0)).toBe(1);
    const { state, powers } = solveSnapshot(f);
    const bal = powerBalance(f.model, state.vRe, state.vIm, powers);
    checkPowerBalance(bal, 1e-12);
    // the jumper's charging power, ≈ −V²·ωC = −(12.47 kV)²·377·1e-3 ≈ −58.6 kvar of "losses"
    expect(bal.lossesKvar).toBeLessThan(-50);
    const r = compareWithOpenDss(text);
    expect(r.maxDvPu).toBeLessThan(1e-8);
  });
});

it('switch=yes makes a 1 mΩ line, as OpenDSS does', () => {
  const f = feederFromText(LOOP(''));
  const sw = f.network.branches.find((b) => b.name === 'line.sw')!;
  const z = sw.seriesZ!;
  // r1 = x1 = r0 = x0 = 1 Ω per unit length over 0.001: Zs = 0.001 + 0.001j
  expect(z.re[0]).toBeCloseTo(0.001, 15);
  expect(z.im[0]).toBeCloseTo(0.001, 15);
  expect(z.re[1]).toBeCloseTo(0, 15);
});
