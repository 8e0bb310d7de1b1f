/**
 * Generator against OpenDSS (oracle at tolerance 1e-12), every node of small circuits:
 *
 *   Vsource ── line (3-ph, R1/X1/R0/X0) ── b ── line ── c
 *                                          │           │
 *                                        load       generator(s) under test
 *
 * covering model 1 inside its voltage band, above Vmaxpu and below Vminpu (constant-impedance
 * fallback), wye and delta, 1- and 3-phase, kW+PF and kW+kvar, a daily shape, and model 3 holding
 * its voltage (free, and at its kvar limit); models 2 (constant Z), 4 and 5 (fixed base kvar as Q
 * or reactance) in and outside the band, and 7 (current limited below Vminpu, none above Vmaxpu).
 */
import { expect, it } from 'vitest';
import { compareWithOpenDss, describeWithOpenDss } from '../../helpers/oracle.js';

/** Each branch voltage of the first generator in per unit of its branch base. */
function terminalPu(r: ReturnType<typeof compareWithOpenDss>): number[] {
  const m = r.feeder.model;
  const out: number[] = [];
  for (let k = m.pceBrStart[0]; k < m.pceBrStart[1]; k++) {
    const at = (n: number, v: Float64Array) => (n >= 0 ? v[n] : 0);
    out.push(Math.hypot(at(m.brA[k], r.vRe) - at(m.brB[k], r.vRe), at(m.brA[k], r.vIm) - at(m.brB[k], r.vIm)) / m.brVBase[k]);
  }
  return out;
}

const feeder = (elements: string, opts: { z?: string; src?: string } = {}) => `Clear
New Circuit.gen basekv=12.47 pu=${opts.src ?? '1.0'} phases=3 bus1=src MVAsc3=200 MVAsc1=180
New Line.l1 bus1=src bus2=b phases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=3 c0=1.5 length=2 units=km
New Line.l2 bus1=b bus2=c phases=3 ${opts.z ?? 'r1=0.4 x1=0.5 r0=0.9 x0=1.5'} c1=2.5 c0=1.2 length=3 units=km
New Load.ld bus1=b phases=3 kV=12.47 kW=900 kvar=300 model=1
New Load.one bus1=c.3 phases=1 kV=7.2 kW=150 pf=0.95
${elements}
Set voltagebases=[12.47]
Calcvoltagebases
`;

// OpenDSS and lemsim solve the same equations; the residual differences are rounding
const TOL_PU = 1e-9;

describeWithOpenDss('Generator against OpenDSS, every node', () => {
  const cases: [string, string, { z?: string; src?: string }?][] = [
    ['model 1, 3-phase wye, kW + PF', 'New Generator.g bus1=c phases=3 kV=12.47 kW=1200 pf=0.92'],
    ['model 1, kW + kvar (absorbing)', 'New Generator.g bus1=c phases=3 kV=12.47 kW=800 kvar=-250'],
    ['model 1, 1-phase wye on node 2', 'New Generator.g bus1=c.2 phases=1 kV=7.2 kW=300 pf=0.9'],
    ['model 1, 3-phase delta', 'New Generator.g bus1=c phases=3 conn=delta kV=12.47 kW=1000 pf=-0.95'],
    ['model 1, 1-phase delta (Yeq/3 fallback scale)', 'New Generator.g bus1=c.1.2 phases=1 conn=delta kV=12.47 kW=200 pf=1 Vmaxpu=1.0'],
    ['model 1 above Vmaxpu (constant Z)', 'New Generator.g bus1=c phases=3 kV=12.47 kW=4000 pf=1 Vmaxpu=1.01', { z: 'r1=2 x1=3 r0=4 x0=8' }],
    ['model 1 below Vminpu (constant Z)', 'New Generator.g bus1=c phases=3 kV=12.47 kW=100 pf=0.9 Vminpu=1.02', { src: '0.98' }],
    ['two generators, status=fixed', 'New Generator.g bus1=c phases=3 kV=12.47 kW=500 pf=0.9 status=fixed\nNew Generator.h bus1=b.1 phases=1 kV=7.2 kW=100 kvar=40'],
    ['model 3 holds 1.02 pu', 'New Generator.g bus1=c phases=3 kV=12.47 kW=600 model=3 Vpu=1.02 maxkvar=3000 minkvar=-3000'],
    ['model 3 at its kvar limit', 'New Generator.g bus1=c phases=3 kV=12.47 kW=600 model=3 Vpu=1.06 maxkvar=300 minkvar=-300'],
    // model 2: constant admittance at the present power, at any voltage
    ['model 2, 3-phase wye', 'New Generator.g bus1=c phases=3 kV=12.47 kW=1200 pf=0.9 model=2', { z: 'r1=2 x1=3 r0=4 x0=8' }],
    ['model 2, 3-phase delta', 'New Generator.g bus1=c phases=3 conn=delta kV=12.47 kW=1000 pf=-0.95 model=2', { z: 'r1=2 x1=3 r0=4 x0=8' }],
    ['model 2, 1-phase delta', 'New Generator.g bus1=c.2.3 phases=1 conn=delta kV=12.47 kW=300 pf=0.9 model=2'],
    // model 4: constant P, the base kvar as a constant Q; constant Z outside the band
    ['model 4, in band', 'New Generator.g bus1=c phases=3 kV=12.47 kW=1200 kvar=500 model=4', { z: 'r1=2 x1=3 r0=4 x0=8' }],
    ['model 4, 3-phase delta in band', 'New Generator.g bus1=c phases=3 conn=delta kV=12.47 kW=900 kvar=-300 model=4'],
    ['model 4, below Vminpu', 'New Generator.g bus1=c phases=3 kV=12.47 kW=300 kvar=200 model=4 Vminpu=1.02', { src: '0.98' }],
    ['model 4, above Vmaxpu', 'New Generator.g bus1=c phases=3 kV=12.47 kW=4000 kvar=800 model=4 Vmaxpu=1.01', { z: 'r1=2 x1=3 r0=4 x0=8' }],
    ['model 4, 1-phase delta below Vminpu', 'New Generator.g bus1=c.1.2 phases=1 conn=delta kV=12.47 kW=200 kvar=100 model=4 Vminpu=1.02', { src: '0.98' }],
    // model 5: constant P, the base kvar as a constant reactance
    ['model 5, in band', 'New Generator.g bus1=c phases=3 kV=12.47 kW=1200 kvar=500 model=5', { z: 'r1=2 x1=3 r0=4 x0=8' }],
    ['model 5, 3-phase delta in band', 'New Generator.g bus1=c phases=3 conn=delta kV=12.47 kW=900 kvar=-300 model=5', { z: 'r1=2 x1=3 r0=4 x0=8' }],
    ['model 5, 1-phase wye below Vminpu', 'New Generator.g bus1=c.2 phases=1 kV=7.2 kW=200 kvar=150 model=5 Vminpu=1.02', { src: '0.98' }],
    // model 7: constant PQ, current capped below Vminpu, no constant Z above Vmaxpu
    ['model 7, in band', 'New Generator.g bus1=c phases=3 kV=12.47 kW=1200 pf=0.9 model=7'],
    ['model 7, current-limited below Vminpu (with Q)', 'New Generator.g bus1=c phases=3 kV=12.47 kW=300 pf=0.85 model=7 Vminpu=1.02', { src: '0.98' }],
    ['model 7, no constant Z above Vmaxpu', 'New Generator.g bus1=c phases=3 kV=12.47 kW=2500 pf=0.95 model=7 Vmaxpu=1.01', { z: 'r1=2 x1=3 r0=4 x0=8' }],
    ['model 7, 3-phase delta below Vminpu', 'New Generator.g bus1=c phases=3 conn=delta kV=12.47 kW=300 pf=-0.9 model=7 Vminpu=1.03', { src: '0.98' }],
    ['model 7, 1-phase delta below Vminpu', 'New Generator.g bus1=c.1.3 phases=1 conn=delta kV=12.47 kW=200 pf=0.9 model=7 Vminpu=1.03', { src: '0.98' }],
    ['model 7, 1-phase wye below Vminpu', 'New Generator.g bus1=c.3 phases=1 kV=7.2 kW=150 kvar=60 model=7 Vminpu=1.03', { src: '0.98' }],
  ];
  for (const [name, el, opts] of cases) {
    it(name, () => {
      const r = compareWithOpenDss(feeder(el, opts));
      expect(r.converged).toBe(true);
      expect(r.nodes).toBeGreaterThanOrEqual(9);
      expect(r.maxDvPu, `worst node ${r.worst}`).toBeLessThan(TOL_PU);
      expect(r.maxDdeg).toBeLessThan(1e-6);
      // a case named for a side of the band really is there (else it would test the band's inside)
      const side = /below Vminpu/.test(name) ? 'below' : /above Vmaxpu/.test(name) ? 'above' : undefined;
      if (side) for (const pu of terminalPu(r)) expect(side === 'below' ? pu < r.feeder.model.brVminPu[r.feeder.model.pceBrStart[0]] : pu > r.feeder.model.brVmaxPu[r.feeder.model.pceBrStart[0]]).toBe(true);
    });
  }

  it('follows its daily shape in daily mode (minute 600 = point 10 of an hourly shape)', () => {
    const shape = 'New Loadshape.gs npts=24 interval=1 mult=(0 0 0 0 0 0.1 0.3 0.5 0.7 0.8 0.9 1 1 0.9 0.8 0.7 0.5 0.3 0.1 0 0 0 0 0)';
    const r = compareWithOpenDss(feeder(`${shape}\nNew Generator.g bus1=c phases=3 kV=12.47 kW=1500 pf=0.95 daily=gs`), { minute: 600, mode: 'daily' });
    expect(r.maxDvPu, `worst node ${r.worst}`).toBeLessThan(TOL_PU);
  });

  for (const model of [2, 4, 5, 7]) {
    it(`model ${model} follows its daily shape (P scales; models 4 and 5 keep the base kvar)`, () => {
      const shape = 'New Loadshape.gs npts=24 interval=1 mult=(0 0 0 0 0 0.1 0.3 0.5 0.7 0.8 0.9 1 1 0.9 0.8 0.7 0.5 0.3 0.1 0 0 0 0 0)';
      const r = compareWithOpenDss(feeder(`${shape}\nNew Generator.g bus1=c phases=3 kV=12.47 kW=1500 kvar=600 model=${model} daily=gs`), { minute: 480, mode: 'daily' });
      expect(r.maxDvPu, `worst node ${r.worst}`).toBeLessThan(TOL_PU);
    });
  }

  it('a generator changes the voltages (the comparison is not vacuous)', () => {
    const magAt = (r: ReturnType<typeof compareWithOpenDss>) => {
      const f = r.feeder;
      const k = f.model.busNodes[f.network.busIndex.get('c')!][0];
      return Math.hypot(r.vRe[k], r.vIm[k]);
    };
    const without = compareWithOpenDss(feeder(''));
    const withGen = compareWithOpenDss(feeder('New Generator.g bus1=c phases=3 kV=12.47 kW=1200 pf=0.92'));
    expect(Math.abs(magAt(withGen) - magAt(without)) / 7200).toBeGreaterThan(1e-3);
  });
});
