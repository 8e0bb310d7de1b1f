/**
 * A Line given only its positive-sequence r1/x1 (no linecode, no r0/x0, no capacitance), 10 units
 * long, in each length unit and with the properties in either order (OpenDSS resets a line's
 * length unit when an impedance is written, and converts its default C1 = 3.4 nF / C0 = 1.6 nF per
 * 1000 ft to the unit written after the impedance): every node must agree with OpenDSS. Before the
 * line's default capacitance followed OpenDSS, the 10 m case differed by 7.4e-5 pu.
 *
 *   src (12.47 kV, stiff) ── l1 (r1/x1 only, 10 units) ── b ── 3-ph load 300 kW + 1-ph load 50 kW
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadFeeder } from '../../../grid/feeder.js';
import { solveSnapshot, tempScripts } from '../../helpers/dss.js';
import { compareNodes, compareWithOpenDss, describeWithOpenDss, runOpenDss } from '../../helpers/oracle.js';

const circuit = (line: string) => `Clear
New Circuit.r1x1 basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=2000 MVAsc1=2100
New Line.l1 bus1=src bus2=b ${line}
New Load.a bus1=b phases=3 kv=12.47 kw=300 kvar=90 model=1
New Load.c bus1=b.2 phases=1 kv=7.2 kw=50 kvar=10 model=1
Set voltagebases=[12.47]
Calcvoltagebases
`;

const CASES: [string, string][] = [];
for (const units of ['m', 'ft', 'km', 'none']) {
  const u = units === 'none' ? '' : ` units=${units}`;
  CASES.push([`${units}: r1 x1 then length and units`, `r1=0.3 x1=0.6 length=10${u}`]);
  CASES.push([`${units}: length and units then r1 x1`, `length=10${u} r1=0.3 x1=0.6`]);
}

describeWithOpenDss('a Line given only r1/x1, 10 units long, against OpenDSS', () => {
  for (const [name, line] of CASES) {
    it(name, () => {
      const c = compareWithOpenDss(circuit(line));
      console.log(`r1/x1 line (${line}): max |ΔV| ${c.maxDvPu.toExponential(2)} pu at ${c.worst}, max Δθ ${c.maxDdeg.toExponential(2)}°`);
      expect(c.converged).toBe(true);
      expect(c.maxDvPu).toBeLessThan(1e-9);
      expect(c.maxDdeg).toBeLessThan(1e-7);
    });
  }

  it('has teeth: the default capacitance left per 1000 ft (unconverted) or dropped moves the nodes far beyond the tolerance', () => {
    const ref = runOpenDss(tempScripts({ 'master.dss': circuit('r1=0.3 x1=0.6 length=10 units=m') }), 'master.dss');
    for (const wrong of ['r1=0.3 x1=0.6 c1=3.4 c0=1.6 length=10 units=m', 'r1=0.3 x1=0.6 c1=0 c0=0 length=10 units=km']) {
      const feeder = loadFeeder(join(tempScripts({ 'master.dss': circuit(wrong) }), 'master.dss'));
      const { state, status } = solveSnapshot(feeder);
      const c = compareNodes(feeder, state.vRe, state.vIm, wrong.includes('units=km') ? runOpenDss(tempScripts({ 'master.dss': circuit('r1=0.3 x1=0.6 length=10 units=km') }), 'master.dss') : ref, status.converged);
      console.log(`${wrong} against OpenDSS's default capacitance: max |ΔV| ${c.maxDvPu.toExponential(2)} pu`);
      expect(c.maxDvPu).toBeGreaterThan(1e-7);
    }
  });
});
