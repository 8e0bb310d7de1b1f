/**
 * The ideal LV regulator (grid/powerflow/regulate.ts, seed 004's bus 1 at 1.05 pu): the regulated
 * bus lands on its setpoint, the power balance holds with the scaled EMF, and the solution is the
 * one OpenDSS gives for the same circuit with its Vsource `pu` multiplied by the scale found.
 *
 *   Vsource 11 kV ──TR1 800 kVA Dyn── lv ──300 m── a ──200 m── b
 *                                      ▲ held at 1.05 pu     ld1 a.1 20 kW   ld2 b.2 15 kW   pv b −9 kW
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { solveRegulated, meanNodePu } from '../../../grid/powerflow/regulate.js';
import { GridMeter } from '../../../grid/powerflow/result.js';
import { PowerFlowState, newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { loadFeeder } from '../../../grid/feeder.js';
import { sharedPath } from '../../../src/shared-data.js';
import { tempScripts } from '../../helpers/dss.js';
import { describeWithShared } from '../../helpers/shared.js';

function circuit(pu: number): string {
  return `clear
Set DefaultBaseFrequency=50
New circuit.reg
Edit Vsource.Source BasekV=11 pu=${pu} ISC3=3000 ISC1=5
New Linecode.c nphases=3 r1=0.211 x1=0.075 r0=0.65 x0=0.25 c1=0 c0=0 units=km
New Transformer.TR1 Buses=[SourceBus lv] Conns=[Delta Wye] kVs=[11 0.416] kVAs=[800 800] XHL=4 sub=y
New Line.l1 bus1=lv bus2=a linecode=c length=0.3 units=km
New Line.l2 bus1=a bus2=b linecode=c length=0.2 units=km
New Load.ld1 phases=1 bus1=a.1 kV=0.23 kW=20 kvar=5 model=1 vminpu=0.8
New Load.ld2 phases=1 bus1=b.2 kV=0.23 kW=15 kvar=3 model=1 vminpu=0.8
New Load.pv phases=3 bus1=b kV=0.416 kW=-9 kvar=0 model=1 vminpu=0.8
Set voltagebases=[11 0.416]
Calcvoltagebases
`;
}

function setup(pu = 1) {
  const dir = tempScripts({ 'master.dss': circuit(pu) });
  const f = loadFeeder(join(dir, 'master.dss'));
  const powers = newLoadPowers(f.model);
  setLoadPowersAt(f.model, 0, 'snapshot', powers);
  const lv = f.network.busIndex.get('lv')!;
  const nodes = [...f.model.busNodes[lv]].filter((k) => f.model.nodeNumber[k] >= 1 && f.model.nodeNumber[k] <= 3);
  const reg = { nodes, baseV: 416 / Math.sqrt(3), setpointPu: 1.05 };
  return { f, powers, reg };
}

describe('regulated LV bus', () => {
  it('holds the bus at its setpoint, with the power balance closed by the scaled EMF', () => {
    const { f, powers, reg } = setup();
    const pf = new PowerFlowState(f.model);
    const plain = pf.solve(powers, { tolerance: 1e-12 });
    expect(plain.converged).toBe(true);
    const before = meanNodePu(pf, reg);
    expect(Math.abs(before - 1.05)).toBeGreaterThan(0.01); // unregulated, the LV bus sits near 1.0
    const st = solveRegulated(pf, powers, reg, { tolerance: 1e-12 });
    expect(st.converged).toBe(true);
    expect(Math.abs(st.regulatedPu - 1.05)).toBeLessThan(1e-10);
    expect(st.sourceScale).toBeGreaterThan(1.04);
    expect(st.solves).toBeLessThan(8);
    const meter = new GridMeter(f.model);
    expect(meter.measure(pf.vRe, pf.vIm, powers, pf.sourceScale).relativeMismatch).toBeLessThan(1e-9);
    // the meter must be told the scale: with the compiled EMF the balance is off by ~5 %
    expect(meter.measure(pf.vRe, pf.vIm, powers).relativeMismatch).toBeGreaterThan(1e-3);
  });

  it('scales the no-load solution exactly', () => {
    const { f, powers, reg } = setup();
    powers.pW.fill(0);
    powers.qVar.fill(0);
    const pf = new PowerFlowState(f.model);
    pf.setSourceScale(1.07);
    expect(pf.solve(powers, { tolerance: 1e-13 }).converged).toBe(true);
    for (const k of reg.nodes) {
      expect(pf.vRe[k]).toBeCloseTo(1.07 * f.model.v0Re[k], 8);
      expect(pf.vIm[k]).toBeCloseTo(1.07 * f.model.v0Im[k], 8);
    }
    expect(() => pf.setSourceScale(0)).toThrow(RangeError);
  });
});

describeWithShared('regulated LV bus against OpenDSS', ['tools/opendss/dssrun.py'], () => {
  it('equals OpenDSS with the Vsource pu scaled by the regulator, every node to 1e-7 pu', () => {
    const { f, powers, reg } = setup();
    const pf = new PowerFlowState(f.model);
    const st = solveRegulated(pf, powers, reg, { tolerance: 1e-13 });
    expect(st.converged).toBe(true);
    const dir = tempScripts({ 'master.dss': circuit(st.sourceScale) });
    const out = join(dir, 'v.csv');
    execFileSync('python3', [sharedPath('tools/opendss/dssrun.py'), 'snapshot', join(dir, 'master.dss'), '--out', out, '--tolerance', '1e-12'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1);
    let compared = 0;
    for (const row of rows) {
      const [bus, node, volts] = row.split(',');
      const b = f.network.busIndex.get(bus.toLowerCase());
      if (b === undefined) continue;
      const k = [...f.model.busNodes[b]].find((n) => f.model.nodeNumber[n] === Number(node));
      if (k === undefined) continue;
      const base = bus.toLowerCase() === 'sourcebus' ? 11000 / Math.sqrt(3) : 416 / Math.sqrt(3);
      expect(Math.abs(Math.hypot(pf.vRe[k], pf.vIm[k]) - Number(volts)) / base).toBeLessThan(1e-7);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(12);
  });
});
