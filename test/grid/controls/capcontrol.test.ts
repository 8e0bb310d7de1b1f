/**
 * CapControl in OpenDSS's static control mode: a hand-solvable voltage control, and circuits solved by
 * OpenDSS itself for every control type the standard feeders use (current, voltage with PTphase,
 * kvar with voltage override, power factor, time), multi-step banks and a regulator acting beside
 * the capacitors: same capacitor states, taps, control iterations and node voltages.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlledPowerFlow, solveFeeder, timeOfMinute } from '../../../grid/controls/static-control.js';
import { loadFeeder } from '../../../grid/feeder.js';
import { newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { tempScripts } from '../../helpers/dss.js';
import { compareNodes, describeWithOpenDss } from '../../helpers/oracle.js';
import { runOpenDssControlled } from '../../helpers/opendss-oracle.js';

function solve(dir: string, minute?: number) {
  const feeder = loadFeeder(join(dir, 'master.dss'));
  const powers = newLoadPowers(feeder.model);
  setLoadPowersAt(feeder.model, 0, 'snapshot', powers);
  return solveFeeder(feeder, powers, timeOfMinute(minute ?? 0), { tolerance: 1e-12, maxIterations: 1000 });
}

const BASE = `
Clear
New Circuit.cc basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200000 MVAsc1=210000
New Linecode.lc nphases=3 units=km r1=0.25 x1=0.5 r0=0.6 x0=1.6 c1=0 c0=0
New Line.feed bus1=src bus2=a linecode=lc length=3
New Line.far bus1=a bus2=b linecode=lc length=4
New Load.la bus1=a phases=3 kv=12.47 kw=2000 kvar=1500
New Load.lb bus1=b phases=3 kv=12.47 kw=1500 kvar=1200
Set voltagebases=[12.47]
Calcvoltagebases
`;

/*
 * Hand case: a 900 kvar bank at the far bus b, voltage control on PT 60 measured at line.far's
 * terminal 2 (bus b, phase 1). The power flow alone gives, on the 120 V scale,
 *     bank in: 113.67 V          bank out: 111.50 V
 * ON = 100 V, OFF = 110 V: the bank starts closed, 113.67 > OFF → open; solve 2: 111.50 is neither
 *   above OFF for a closed bank nor below ON for an open one → nothing queued: 2 control iterations,
 *   states [0].
 * ON = 116 V, OFF = 110 V: open at 113.67 (> OFF), then 111.50 < ON → close, 113.67 > OFF → open …
 *   the controls hunt until maxcontroliter (15) and the result says so.
 */
describe('CapControl, hand-solvable', () => {
  const hand = (on: number, off: number) =>
    `${BASE}New Capacitor.c bus1=b phases=3 kvar=900 kv=12.47\nNew CapControl.c capacitor=c element=line.far terminal=2 type=voltage ptratio=60 on=${on} off=${off}\n`;
  it('opens a bank whose voltage is above OFF, and leaves it open', () => {
    const s = solve(tempScripts({ 'master.dss': hand(100, 110) }));
    expect(s.status.controlIterations).toBe(2);
    expect(s.status.controlsSettled).toBe(true);
    expect(s.controls!.capacitors).toEqual([{ capacitor: 'c', capcontrol: 'c', states: [0] }]);
  });
  it('hunts between ON and OFF until maxcontroliter, and says so', () => {
    const s = solve(tempScripts({ 'master.dss': hand(116, 110) }));
    expect(s.status.controlIterations).toBe(15);
    expect(s.status.controlsSettled).toBe(false);
  });
});

const CASES: [string, string, number?][] = [
  ['current control (OpenDSS defaults: ON 300 A, OFF 200 A on CT 60)', `${BASE}New Capacitor.c1 bus1=b phases=3 kvar=600 kv=12.47\nNew CapControl.c1 capacitor=c1 element=line.far terminal=1\n`],
  ['current control that closes an open bank (CTphase=max, states=[0])', `${BASE}New Capacitor.c1 bus1=b phases=3 kvar=600 kv=12.47 states=[0]\nNew CapControl.c1 capacitor=c1 element=line.feed terminal=1 type=current ctratio=1 on=150 off=50 ctphase=max\n`],
  ['voltage control with PTphase on single-phase banks, two delays', `${BASE}New Capacitor.ca bus1=b.1 phases=1 kvar=300 kv=7.2\nNew Capacitor.cb bus1=b.2 phases=1 kvar=300 kv=7.2 states=[0]\nNew CapControl.ca capacitor=ca element=line.far terminal=2 type=volt ptphase=1 ptratio=60 on=110 off=113 delayoff=20\nNew CapControl.cb capacitor=cb element=line.far terminal=2 type=volt ptphase=2 ptratio=60 on=116 off=125 delay=45\n`],
  ['kvar control with voltage override (IEEE 8500 settings)', `${BASE}New Capacitor.k bus1=b.1 phases=1 kvar=400 kv=7.2 states=[0]\nNew CapControl.k capacitor=k element=line.far terminal=1 type=kvar ptratio=1 ctratio=1 ONsetting=200 OFFsetting=-300 VoltOverride=Y Vmin=6500 Vmax=7740 Delay=100 Delayoff=80\n`],
  ['multi-step bank switched step by step (kvar)', `${BASE}New Capacitor.m bus1=b phases=3 kvar=[300 300 300 300] kv=12.47 states=[0 0 0 0]\nNew CapControl.m capacitor=m element=line.far terminal=1 type=kvar on=250 off=-200\n`],
  ['voltage control of a delta bank (line-to-line), PTphase 2', `${BASE}New Capacitor.d bus1=b phases=3 kvar=900 kv=12.47 conn=delta\nNew CapControl.d capacitor=d element=line.far terminal=2 type=voltage ptphase=2 ptratio=100 on=100 off=117\n`],
  ['current control with a voltage override read at another bus (VBus=a, avg; bus b would not trip it)', `${BASE}New Capacitor.v bus1=b phases=3 kvar=900 kv=12.47\nNew CapControl.v capacitor=v element=line.far terminal=2 type=current ctratio=1 on=5000 off=1 VoltOverride=yes VBus=a ptphase=avg ptratio=60 vmin=100 vmax=114.5\n`],
  ['power-factor control', `${BASE}New Capacitor.p bus1=b phases=3 kvar=[400 400] kv=12.47 states=[0 0]\nNew CapControl.p capacitor=p element=line.feed terminal=1 type=pf on=0.97 off=-0.98\n`],
  ['time control at 14:00 (ON 8 h, OFF 20 h)', `${BASE}New Capacitor.t bus1=b phases=3 kvar=600 kv=12.47 states=[0]\nNew CapControl.t capacitor=t element=line.far terminal=1 type=time on=8 off=20\n`, 840],
  [
    'a regulator and two capacitor controls acting together',
    BASE.replace('New Line.feed bus1=src bus2=a', 'New Transformer.reg phases=3 windings=2 buses=[src srcr] conns=[wye wye] kvs=[12.47 12.47] kvas=[20000 20000] XHL=0.01 %loadloss=0.001\nNew RegControl.reg transformer=reg winding=2 vreg=122 band=2 ptratio=60 ctprim=300 R=2 X=4 delay=30\nNew Line.feed bus1=srcr bus2=a') +
      'New Capacitor.c1 bus1=b phases=3 kvar=900 kv=12.47 states=[0]\nNew CapControl.c1 capacitor=c1 element=line.far terminal=1 type=kvar on=400 off=-300 delay=20\nNew Capacitor.c2 bus1=a phases=3 kvar=600 kv=12.47\nNew CapControl.c2 capacitor=c2 element=line.feed terminal=2 type=voltage ptratio=60 on=118 off=124 delayoff=40\n',
  ],
];

describeWithOpenDss('CapControl against OpenDSS (static mode)', () => {
  for (const [name, text, minute] of CASES) {
    it(`${name}: same capacitor states, taps, control iterations, nodes (1e-8 pu)`, () => {
      const dir = tempScripts({ 'master.dss': text });
      const sol = solve(dir, minute);
      const caps = sol.controls!.capacitors;
      const taps = sol.controls!.taps;
      const ref = runOpenDssControlled(dir, 'master.dss', { capacitors: caps.map((c) => c.capacitor), transformers: taps.map((t) => t.transformer) }, { minute });
      for (const c of caps) expect(c.states, `Capacitor.${c.capacitor}`).toEqual(ref.capacitors.get(c.capacitor));
      for (const t of taps) expect(t.tap, `Transformer.${t.transformer}`).toBeCloseTo(ref.taps.get(t.transformer)![t.winding - 1], 10);
      expect(sol.status.controlIterations, 'control iterations').toBe(ref.info.control_iterations);
      const cmp = compareNodes(sol.feeder, sol.vRe, sol.vIm, ref.nodes, sol.status.converged);
      expect(cmp.maxDvPu, `worst ${cmp.worst}`).toBeLessThan(1e-8);
    });
  }
  it('the cases switch something (they test the controls, not their absence)', () => {
    const idle = CASES.filter(([, text, minute]) => solve(tempScripts({ 'master.dss': text }), minute).status.controlIterations === 1).map(([name]) => name);
    expect(idle).toEqual([]);
  });
});

describe('rebuilding after a control acts', () => {
  it('recompiling only the changed elements gives the model a full rebuild from the circuit gives', () => {
    const [, text] = CASES[CASES.length - 1];
    const dir = tempScripts({ 'master.dss': text });
    const feeder = loadFeeder(join(dir, 'master.dss'));
    const pf = new ControlledPowerFlow(feeder);
    const powers = newLoadPowers(feeder.model);
    setLoadPowersAt(feeder.model, 0, 'snapshot', powers);
    const s = pf.solve(powers, { hour: 0, sec: 0 }, { tolerance: 1e-12 });
    expect(s.actions).toBeGreaterThan(1);
    const fast = pf.model;
    const v = Float64Array.from(pf.vRe);
    pf.rebuild([], true);
    expect(pf.model).not.toBe(fast);
    fast.network.branches.forEach((b, k) => {
      const other = pf.model.network.branches[k];
      expect(other.name).toBe(b.name);
      for (let i = 0; i < b.y.re.length; i++) {
        expect(other.y.re[i], `${b.name} G[${i}]`).toBe(b.y.re[i]);
        expect(other.y.im[i], `${b.name} B[${i}]`).toBe(b.y.im[i]);
      }
    });
    const again = pf.solve(powers, { hour: 0, sec: 0 }, { tolerance: 1e-12 });
    expect(again.controlIterations).toBe(1);
    for (let k = 0; k < v.length; k++) expect(Math.abs(pf.vRe[k] - v[k])).toBeLessThan(1e-6);
  });
});
