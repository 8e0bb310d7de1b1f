/**
 * RegControl in OpenDSS's static control mode: a hand-solvable regulator, its tap limits, and
 * differential tests against OpenDSS itself (taps, control iterations and every node voltage).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlledPowerFlow } from '../../../grid/controls/static-control.js';
import { loadFeeder } from '../../../grid/feeder.js';
import { newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { tempScripts } from '../../helpers/dss.js';
import { OPEN_DELTA } from '../../helpers/control-circuits.js';
import { compareNodes, describeWithOpenDss } from '../../helpers/oracle.js';
import { runOpenDssControlled } from '../../helpers/opendss-oracle.js';

function solveControlled(dir: string, entry = 'master.dss') {
  const feeder = loadFeeder(join(dir, entry));
  const pf = new ControlledPowerFlow(feeder);
  const powers = newLoadPowers(feeder.model);
  setLoadPowersAt(feeder.model, 0, 'snapshot', powers);
  const status = pf.solve(powers, { hour: 0, sec: 0 }, { tolerance: 1e-12, maxIterations: 1000 });
  return { pf, status };
}

/*
 * Hand case: a stiff 7.2 kV single-phase source, an ideal-ish 1:1 regulator, no load.
 *
 *   source 7200 V ──[reg: winding 1 | winding 2, tap t]── rg  (nothing beyond)
 *
 * The regulator sees V2 = 7200·t V, over PT ratio 60: 120·t V. Settings vreg = 126 V, band = 2 V
 * (in band: 125 … 127 V). Step = (1.1 − 0.9)/32 = 0.00625 pu = 0.375 V on the 120 V scale.
 *   solve 1: t = 1, 120 V: boost 6 V = 0.05 pu = 8 steps; static mode moves trunc(0.7·8) = 5 → t = 1.03125
 *   solve 2: 123.75 V: boost 2.25 V = 3 steps; moves trunc(0.7·3) = 2 → t = 1.04375
 *   solve 3: 125.25 V: inside the band, nothing queued: 3 control iterations, tap +7.
 * With maxtapchange = 1 the tap climbs one step per solve: 7 moves, then one solve in band = 8.
 * With vreg = 100 V the boost is −20 V = −26.7 → −27 steps, capped at 16: t = 0.9 = mintap; the next
 * sample still wants to go down but the tap is at its limit, so nothing is queued: 2 iterations.
 */
const HAND = (reg: string) => `
Clear
New Circuit.hand basekv=7.2 phases=1 pu=1 bus1=src MVAsc1=1e6 MVAsc3=1e6
New Transformer.reg phases=1 windings=2 buses=[src.1 rg.1] conns=[wye wye] kvs=[7.2 7.2] kvas=[5000 5000] XHL=0.0001 %loadloss=0.00001 %imag=0 ppm=0
New RegControl.reg transformer=reg winding=2 ptratio=60 band=2 ${reg}
`;

/*
 * Hand case 2: a regulator on a line feeding a load, with line-drop compensation set to the line.
 *
 *   7200 V ──[reg, tap t]── rg ──[line: 1 Ω resistive]── ld ──[1000 kW at 7200 V, constant Z: 51.84 Ω]
 *
 * The line current I flows through both, so V_ld = 7200·t · 51.84/52.84 = 7063.74·t V. LDC R = 5 V at
 * CTprim 300 A on PT 60 is the line's 1 Ω seen through the PT and CT (1 Ω · 300/60), so the relay's
 * compensated voltage is (V_rg − 1 Ω·I)/60 = V_ld/60 = 117.729·t V: it regulates the load bus.
 * vreg = 124 V, band 2 V (123 … 125 V: t from 1.04477 to 1.06176, i.e. +8 or +9 steps):
 *   t = 1:       117.73 V, boost 6.27 V = 0.0523 pu = 8.36 → 8 steps, moves trunc(0.7·8) = 5
 *   t = 1.03125: 121.41 V, boost 2.59 V = 3.46 → 3 steps, moves 2
 *   t = 1.04375: 122.88 V, boost 1.12 V = 1.50 → 2 steps (round), moves trunc(1.4) = 1
 *   t = 1.05:    123.61 V, in band: 4 control iterations, +8 steps, the load bus at 7416.9 V.
 */
const LINE_LOAD = `
Clear
New Circuit.hand2 basekv=7.2 phases=1 pu=1 bus1=src MVAsc1=1e6 MVAsc3=1e6
New Transformer.reg phases=1 windings=2 buses=[src.1 rg.1] conns=[wye wye] kvs=[7.2 7.2] kvas=[5000 5000] XHL=0.0001 %loadloss=0.00001 %imag=0 ppm=0
New RegControl.reg transformer=reg winding=2 ptratio=60 ctprim=300 R=5 X=0 vreg=124 band=2
New Line.l bus1=rg.1 bus2=ld.1 phases=1 r1=1 x1=0 r0=1 x0=0 c1=0 c0=0 length=1 units=km
New Load.ld bus1=ld.1 phases=1 kv=7.2 kw=1000 kvar=0 model=2
`;

describe('RegControl, hand-solvable', () => {
  it('a regulator with line-drop compensation holds the far load bus: +8 steps in four solves', () => {
    const { pf, status } = solveControlled(tempScripts({ 'master.dss': LINE_LOAD }));
    expect(status.controlIterations).toBe(4);
    expect(pf.taps()[0].tapNumber).toBe(8);
    const k = pf.model.busNodes[pf.model.network.busIndex.get('ld')!][0];
    // 7063.74 · 1.05 = 7416.9 V (within 0.5 V: the source and regulator impedances are 1e-4 of the line's)
    expect(Math.hypot(pf.vRe[k], pf.vIm[k])).toBeCloseTo(7200 * 1.05 * (51.84 / 52.84), 0);
  });

  it('reaches the band in three static-mode solves (70 % rule), tap +7', () => {
    const { pf, status } = solveControlled(tempScripts({ 'master.dss': HAND('vreg=126') }));
    expect(status.converged).toBe(true);
    expect(status.controlsSettled).toBe(true);
    expect(status.controlIterations).toBe(3);
    const [tap] = pf.taps();
    expect(tap.tap).toBeCloseTo(1 + 7 * 0.00625, 12);
    expect(tap.tapNumber).toBe(7);
    const k = pf.model.busNodes[pf.model.network.busIndex.get('rg')!][0];
    expect(Math.hypot(pf.vRe[k], pf.vIm[k]) / 60).toBeCloseTo(125.25, 3);
  });

  it('maxtapchange=1 moves one step per solve', () => {
    const { pf, status } = solveControlled(tempScripts({ 'master.dss': HAND('vreg=126 maxtapchange=1') }));
    expect(status.controlIterations).toBe(8);
    expect(pf.taps()[0].tapNumber).toBe(7);
  });

  it('stops at mintap and does not loop', () => {
    const { pf, status } = solveControlled(tempScripts({ 'master.dss': HAND('vreg=100') }));
    expect(status.controlIterations).toBe(2);
    expect(status.controlsSettled).toBe(true);
    expect(pf.taps()[0].tap).toBe(0.9);
  });

  it('maxtapchange=0 freezes the tap; controlmode=off solves once', () => {
    expect(solveControlled(tempScripts({ 'master.dss': HAND('vreg=126 maxtapchange=0') })).pf.taps()[0].tap).toBe(1);
    const off = solveControlled(tempScripts({ 'master.dss': `${HAND('vreg=126')}\nSet controlmode=off\n` }));
    expect(off.status.controlIterations).toBe(1);
    expect(off.pf.taps()[0].tap).toBe(1);
  });

  it('reports maxcontroliter reached with actions still queued', () => {
    const { status } = solveControlled(tempScripts({ 'master.dss': `${HAND('vreg=126 maxtapchange=1')}\nSet maxcontroliter=4\n` }));
    expect(status.controlIterations).toBe(4);
    expect(status.controlsSettled).toBe(false);
  });

  it('never writes to the feeder it was given', () => {
    const dir = tempScripts({ 'master.dss': HAND('vreg=126') });
    const feeder = loadFeeder(join(dir, 'master.dss'));
    const pf = new ControlledPowerFlow(feeder);
    const powers = newLoadPowers(feeder.model);
    pf.solve(powers);
    expect(pf.taps()[0].tapNumber).toBe(7);
    const xf = feeder.network.circuit.objects.get('transformer')!.get('reg') as { windings: { tap: number }[] };
    expect(xf.windings[1].tap).toBe(1);
    expect(pf.model).not.toBe(feeder.model);
  });
});

/** Three single-phase regulators with line-drop compensation feeding an unbalanced load (IEEE 13's pattern). */
const BANK = (extra = '') => `
Clear
New Circuit.bank basekv=4.16 pu=1.0 phases=3 bus1=src MVAsc3=20000 MVAsc1=21000
New Transformer.reg1 phases=1 bank=reg XHL=0.01 kVAs=[1666 1666] Buses=[src.1 rg.1] kVs=[2.4 2.4] %LoadLoss=0.01
New RegControl.reg1 transformer=reg1 winding=2 vreg=122 band=2 ptratio=20 ctprim=700 R=3 X=9 ${extra}
New Transformer.reg2 phases=1 bank=reg XHL=0.01 kVAs=[1666 1666] Buses=[src.2 rg.2] kVs=[2.4 2.4] %LoadLoss=0.01
New RegControl.reg2 transformer=reg2 winding=2 vreg=122 band=2 ptratio=20 ctprim=700 R=3 X=9 ${extra}
New Transformer.reg3 phases=1 bank=reg XHL=0.01 kVAs=[1666 1666] Buses=[src.3 rg.3] kVs=[2.4 2.4] %LoadLoss=0.01
New RegControl.reg3 transformer=reg3 winding=2 vreg=122 band=2 ptratio=20 ctprim=700 R=3 X=9 ${extra}
New Linecode.mtx nphases=3 units=mi rmatrix=(0.3465 | 0.1560 0.3375 | 0.1580 0.1535 0.3414) xmatrix=(1.0179 | 0.5017 1.0478 | 0.4236 0.3849 1.0348)
New Line.l1 phases=3 bus1=rg bus2=b1 linecode=mtx length=2000 units=ft
New Line.l2 phases=3 bus1=b1 bus2=b2 linecode=mtx length=1500 units=ft
New Load.a bus1=b1.1 phases=1 kv=2.4 kw=600 kvar=300 model=1
New Load.b bus1=b2.2 phases=1 kv=2.4 kw=250 kvar=120 model=2
New Load.c bus1=b2.3 phases=1 kv=2.4 kw=900 kvar=500 model=5
New Load.abc bus1=b2 phases=3 kv=4.16 kw=400 kvar=200 model=1
Set voltagebases=[4.16]
Calcvoltagebases
`;


/** A regulator whose load side exports (a negative load larger than the local one), its tap raised. */
const REVERSE = (settings: string) => `
Clear
New Circuit.rev basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200000 MVAsc1=210000
New Transformer.reg phases=3 windings=2 buses=[src rg] conns=[wye wye] kvs=[12.47 12.47] kvas=[20000 20000] XHL=0.01 %loadloss=0.001 taps=[1 1.05]
New RegControl.reg transformer=reg winding=2 vreg=122 band=2 ptratio=60 ctprim=600 R=1 X=2 ${settings}
New Linecode.lc nphases=3 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=0 c0=0
New Line.l1 bus1=rg bus2=b2 linecode=lc length=5
New Load.ld bus1=b2 phases=3 kv=12.47 kw=800 kvar=200
New Load.gen bus1=b2 phases=3 kv=12.47 kw=-3000 kvar=0 model=1 vminpu=0.5 vmaxpu=1.5
Set voltagebases=[12.47]
Calcvoltagebases
`;

describeWithOpenDss('RegControl against OpenDSS (static mode)', () => {
  const cases: [string, string][] = [
    ['three single-phase regulators with LDC', BANK()],
    ['the same with maxtapchange=2 and a 30 s delay on one', BANK('maxtapchange=2').replace('R=3 X=9 maxtapchange=2\nNew Transformer.reg2', 'R=3 X=9 maxtapchange=2 delay=30\nNew Transformer.reg2')],
    ['the same with vlimit and inverse time', BANK('vlimit=124.5 inversetime=yes')],
    ['open-delta line-to-line regulators', OPEN_DELTA()],
    ['a regulator on a remote bus (bus=)', BANK().replace('R=3 X=9 \nNew Transformer.reg2', 'bus=b2.1 R=3 X=9\nNew Transformer.reg2')],
    ['PTphase=max on a three-phase regulator', `
Clear
New Circuit.three basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200000 MVAsc1=210000
New Transformer.reg phases=3 windings=2 buses=[src rg] conns=[wye wye] kvs=[12.47 12.47] kvas=[10000 10000] XHL=0.01 %loadloss=0.001
New RegControl.reg transformer=reg winding=2 vreg=123 band=1.5 ptratio=60 ptphase=max ctprim=600 R=2 X=4
New Linecode.lc nphases=3 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
New Line.l1 bus1=rg bus2=b2 linecode=lc length=6
New Load.ld bus1=b2 phases=3 kv=12.47 kw=3000 kvar=1200
New Load.l1 bus1=b2.1 phases=1 kv=7.2 kw=800 kvar=200
Set voltagebases=[12.47]
Calcvoltagebases
`],
    ['reverse power with revneutral (generation downstream)', REVERSE('reversible=yes revneutral=yes')],
    ['reverse power regulated with the reverse settings', REVERSE('reversible=yes revvreg=121 revband=2 revR=1 revX=2 revthreshold=50 revdelay=30')],
    ['reverse power below the threshold stays forward', REVERSE('reversible=yes revthreshold=50000')],
  ];
  it('each variant differs from the plain bank (the replacements took effect)', () => {
    for (const [name, text] of cases.slice(1, 3)) expect(text, name).not.toBe(BANK());
    expect(cases[1][1]).toContain('delay=30');
    expect(cases[4][1]).toContain('bus=b2.1');
  });
  for (const [name, text] of cases) {
    it(`${name}: same taps, control iterations and node voltages (1e-8 pu)`, () => {
      const dir = tempScripts({ 'master.dss': text });
      const { pf, status } = solveControlled(dir);
      const ref = runOpenDssControlled(dir, 'master.dss', { transformers: pf.taps().map((t) => t.transformer) });
      for (const t of pf.taps()) expect(t.tap, `Transformer.${t.transformer} winding ${t.winding}`).toBeCloseTo(ref.taps.get(t.transformer)![t.winding - 1], 10);
      const written = (t: { transformer: string; winding: number }) => (pf.feeder.network.circuit.objects.get('transformer')!.get(t.transformer) as { windings: { tap: number }[] }).windings[t.winding - 1].tap;
      expect(pf.taps().some((t) => t.tap !== written(t)), 'a case where the regulators act').toBe(true);
      expect(status.controlIterations).toBe(ref.info.control_iterations);
      const cmp = compareNodes(pf.feeder, pf.vRe, pf.vIm, ref.nodes, status.converged);
      expect(cmp.converged).toBe(true);
      expect(cmp.maxDvPu, `worst node ${cmp.worst}`).toBeLessThan(1e-8);
    });
  }
});
