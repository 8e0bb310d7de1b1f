/**
 * InvControl (volt-var, volt-watt, VV_VW, watt-pf, watt-var; the voltage of the terminal or of
 * monitored buses, averaged or the largest, smallest or one phase) against OpenDSS, every node. A
 * PVSystem large enough to raise its own voltage sits at the end of a weak line:
 *
 *   Vsource ── line ── b (load) ── weak line ── c (PVSystem, or Storage, under the control)
 *
 * Both engines iterate their static control loop to the same fixed point (the curve value at the
 * resulting voltage); the scripts set tight VarChangeTolerance/VoltageChangeTolerance so that
 * OpenDSS's own stopping point is that fixed point. Every node agrees to 1e-9 pu (measured: about
 * 3e-11); with OpenDSS's default tolerances (0.025 pu of var headroom) both engines stop earlier,
 * at points that differ by up to those tolerances.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath } from '../../../src/shared-data.js';
import { expect, it } from 'vitest';
import { ControlledPowerFlow } from '../../../grid/controls/static-control.js';
import { loadFeeder, runTimeSeries } from '../../../grid/feeder.js';
import { newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { tempScripts } from '../../helpers/dss.js';
import { compareNodes, describeWithOpenDss, runOpenDss } from '../../helpers/oracle.js';

const feeder = (elements: string) => `Clear
New Circuit.iv basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=180
New Line.l1 bus1=src bus2=b phases=3 r1=0.3 x1=0.6 r0=0.6 x0=1.8 c1=3 c0=1.5 length=2 units=km
New Line.l2 bus1=b bus2=c phases=3 r1=1.6 x1=2.0 r0=3.6 x0=6 c1=2.5 c0=1.2 length=3 units=km
New Load.ld bus1=b phases=3 kV=12.47 kW=300 kvar=100
New XYCurve.vv npts=4 Xarray=[0.95 0.98 1.02 1.05] Yarray=[1 0 0 -1]
New XYCurve.vw npts=3 Xarray=[1.0 1.02 1.08] Yarray=[1 1 0.2]
New XYCurve.vv2 npts=4 Xarray=[0.95 0.98 1.0 1.04] Yarray=[1 0 0 -1]
${elements}
Set voltagebases=[12.47]
Calcvoltagebases
Set maxcontroliter=1000
`;

const TIGHT = 'VarChangeTolerance=1e-9 VoltageChangeTolerance=1e-10 ActivePChangeTolerance=1e-9';

function solveBoth(text: string) {
  const dir = tempScripts({ 'master.dss': text });
  const ref = runOpenDss(dir, 'master.dss');
  const f = loadFeeder(join(dir, 'master.dss'));
  const pf = new ControlledPowerFlow(f);
  const powers = newLoadPowers(f.model);
  setLoadPowersAt(f.model, 0, 'snapshot', powers);
  const st = pf.solve(powers, { hour: 0, sec: 0 }, { tolerance: 1e-12, maxIterations: 1000 });
  const cmp = compareNodes(pf.feeder, pf.vRe, pf.vIm, ref, st.converged);
  const k0 = f.model.pceBrStart[0];
  const ph = f.model.network.pces[0].phases;
  return { cmp, st, kW: (-powers.pW[k0] * ph) / 1000, kvar: (-powers.qVar[k0] * ph) / 1000 };
}

const WP = 'New XYCurve.wp npts=3 Xarray=[0 0.5 1] Yarray=[-1 -1 -0.9]';
const WV = 'New XYCurve.wvc npts=4 Xarray=[0 0.5 0.9 1] Yarray=[0 0 -0.3 -0.44]';
// a 1-phase load on phase 1 at bus c makes the PVSystem's phase voltages differ
const UNBAL = 'New Load.u bus1=c.1 phases=1 kV=7.2 kW=600 kvar=200';

describeWithOpenDss('InvControl against OpenDSS, every node', () => {
  const pv = 'New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=2200 Pmpp=2000 irradiance=1';
  const pv08 = 'New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=2200 Pmpp=2000 irradiance=0.8';
  const cases: [string, string, (r: ReturnType<typeof solveBoth>) => void][] = [
    ['volt-var, VARAVAL (share of √(kVA²−P²))', `${pv}\nNew InvControl.ic Mode=VOLTVAR vvc_curve1=vv deltaQ_factor=0.3 ${TIGHT}`, (r) => expect(r.kvar).toBeLessThan(-100)],
    ['volt-var, VARMAX (share of kvarMax)', `${pv} kvarMax=300\nNew InvControl.ic Mode=VOLTVAR vvc_curve1=vv RefReactivePower=VARMAX deltaQ_factor=0.3 ${TIGHT}`, (r) => expect(r.kvar).toBeGreaterThanOrEqual(-300 - 1e-9)],
    ['volt-watt, PMPPPU', `${pv}\nNew InvControl.ic Mode=VOLTWATT voltwatt_curve=vw deltaP_factor=0.3 ${TIGHT}`, (r) => expect(r.kW).toBeLessThan(1990)],
    ['volt-watt, PAVAILABLEPU at irradiance 0.9', `New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=2200 Pmpp=2000 irradiance=0.9\nNew InvControl.ic Mode=VOLTWATT voltwatt_curve=vw VoltwattYAxis=PAVAILABLEPU deltaP_factor=0.3 ${TIGHT}`, (r) => expect(r.kW).toBeLessThan(1790)],
    ['volt-watt, KVARATINGPU with %Pmpp 90', `${pv} %Pmpp=90\nNew InvControl.ic Mode=VOLTWATT voltwatt_curve=vw VoltwattYAxis=KVARATINGPU deltaP_factor=0.3 ${TIGHT}`, (r) => expect(r.kW).toBeLessThan(1790)],
    ['VV_VW combined', `${pv}\nNew InvControl.ic CombiMode=VV_VW vvc_curve1=vv voltwatt_curve=vw deltaQ_factor=0.3 deltaP_factor=0.3 ${TIGHT}`, (r) => expect(r.kvar).toBeLessThan(-100)],
    ['volt-var on a 1-phase PVSystem', `New PVSystem.pv bus1=c.1 phases=1 kV=7.2 kVA=900 Pmpp=800 irradiance=1\nNew InvControl.ic Mode=VOLTVAR vvc_curve1=vv deltaQ_factor=0.3 ${TIGHT}`, (r) => expect(r.kvar).not.toBe(0)],
    ['volt-var on a discharging Storage', `New Storage.s bus1=c phases=3 kV=12.47 kWrated=2000 kVA=2200 kWhrated=8000 %stored=80 kW=1800\nNew InvControl.ic DERList=[Storage.s] Mode=VOLTVAR vvc_curve1=vv deltaQ_factor=0.3 ${TIGHT}`, (r) => expect(r.kvar).toBeLessThan(-50)],
    // watt-pf: pf -0.94 at 80 % of Pmpp → q = −P·√(1/pf² − 1)
    ['watt-pf at irradiance 0.8', `${pv08}\n${WP}\nNew InvControl.ic Mode=WATTPF wattpf_curve=wp ${TIGHT}`, (r) => expect(r.kvar).toBeCloseTo(-1600 * Math.sqrt(1 / 0.94 ** 2 - 1), 6)],
    ['watt-pf at full power, limited by the headroom √(kVA² − P²)', `${pv}\n${WP}\nNew InvControl.ic Mode=WATTPF wattpf_curve=wp ${TIGHT}`, (r) => expect(Math.hypot(r.kW, r.kvar)).toBeCloseTo(2200, 6)],
    ['watt-pf, VARMAX, kvarMax 300', `${pv} kvarMax=300 kvarMaxAbs=300\n${WP}\nNew InvControl.ic Mode=WATTPF wattpf_curve=wp RefReactivePower=VARMAX ${TIGHT}`, (r) => expect(r.kvar).toBeCloseTo(-300, 6)],
    // watt-var: −0.225 of the headroom at 80 % of min(kVA, Pmpp)
    ['watt-var at irradiance 0.8', `${pv08}\n${WV}\nNew InvControl.ic Mode=WATTVAR wattvar_curve=wvc ${TIGHT}`, (r) => expect(r.kvar).toBeLessThan(-300)],
    ['watt-var, VARMAX: P and Q meet the kVA circle on the curve', `${pv}\n${WV}\nNew InvControl.ic Mode=WATTVAR wattvar_curve=wvc RefReactivePower=VARMAX ${TIGHT}`, (r) => expect(Math.hypot(r.kW, r.kvar)).toBeCloseTo(2200, 4)],
    ['watt-var, kvarMax limit (VARAVAL headroom)', `${pv08} kvarMax=200 kvarMaxAbs=200\n${WV}\nNew InvControl.ic Mode=WATTVAR wattvar_curve=wvc ${TIGHT}`, (r) => expect(r.kvar).toBeCloseTo(-200, 6)],
    ['watt-var with %Pmpp 90 (available power × %Pmpp)', `${pv} %Pmpp=90\n${WV}\nNew InvControl.ic Mode=WATTVAR wattvar_curve=wvc ${TIGHT}`, (r) => expect(r.kvar).toBeLessThan(-200)],
    ['watt-var with %Pmpp 90 and an efficiency curve', `New XYCurve.eff npts=3 Xarray=[0.1 0.5 1] Yarray=[0.9 0.95 0.97]\n${pv} %Pmpp=90 EffCurve=eff\n${WV}\nNew InvControl.ic Mode=WATTVAR wattvar_curve=wvc ${TIGHT}`, (r) => expect(r.kvar).toBeLessThan(-200)],
    ['watt-pf with an efficiency curve', `New XYCurve.eff npts=3 Xarray=[0.1 0.5 1] Yarray=[0.9 0.95 0.97]\n${pv} EffCurve=eff\n${WP}\nNew InvControl.ic Mode=WATTPF wattpf_curve=wp ${TIGHT}`, (r) => expect(r.kvar).toBeLessThan(-200)],
    ['watt-pf with %Pmpp 90 and an efficiency curve', `New XYCurve.eff npts=3 Xarray=[0.1 0.5 1] Yarray=[0.9 0.95 0.97]\n${pv} %Pmpp=90 EffCurve=eff\n${WP}\nNew InvControl.ic Mode=WATTPF wattpf_curve=wp ${TIGHT}`, (r) => expect(r.kvar).toBeLessThan(-200)],
    // rate-of-change filters in a snapshot (against a first step whose prior target is 0)
    ['volt-var LPF in a snapshot', `${pv}\nNew InvControl.ic Mode=VOLTVAR vvc_curve1=vv RateofChangeMode=LPF LPFTau=90 deltaQ_factor=0.3 ${TIGHT}`, () => undefined],
    ['volt-var RISEFALL in a snapshot', `${pv}\nNew InvControl.ic Mode=VOLTVAR vvc_curve1=vv RateofChangeMode=RISEFALL RiseFallLimit=0.0005 deltaQ_factor=0.3 ${TIGHT}`, () => undefined],
    // monitored voltage: another bus, the largest phase, one phase
    ['volt-var on monitored bus b (monBus, MonBusesVbase in volts)', `${pv}\nNew InvControl.ic Mode=VOLTVAR vvc_curve1=vv2 monBus=[b.1 b.2 b.3] MonBusesVbase=[7199.558 7199.558 7199.558] deltaQ_factor=0.3 ${TIGHT}`, (r) => expect(r.kvar).toBeLessThan(-50)],
    ['volt-var on a line-to-line monitored voltage', `${pv}\nNew InvControl.ic Mode=VOLTVAR vvc_curve1=vv2 monBus=[b.1.2] MonBusesVbase=[12470] deltaQ_factor=0.3 ${TIGHT}`, (r) => expect(r.kvar).toBeLessThan(-50)],
    ['volt-var on the largest phase (monVoltageCalc=MAX), unbalanced', `${pv}\n${UNBAL}\nNew InvControl.ic Mode=VOLTVAR vvc_curve1=vv monVoltageCalc=MAX deltaQ_factor=0.3 ${TIGHT}`, (r) => expect(r.kvar).toBeLessThan(-50)],
    // the loaded phase is low: the smallest phase asks for injection where the largest asks for absorption
    ['volt-var on the smallest phase (MIN), unbalanced', `${pv}\n${UNBAL}\nNew InvControl.ic Mode=VOLTVAR vvc_curve1=vv monVoltageCalc=MIN deltaQ_factor=0.3 ${TIGHT}`, (r) => expect(r.kvar).toBeGreaterThan(50)],
    ['volt-var on phase 3 (monVoltageCalc=3), unbalanced', `${pv}\n${UNBAL}\nNew InvControl.ic Mode=VOLTVAR vvc_curve1=vv monVoltageCalc=3 deltaQ_factor=0.3 ${TIGHT}`, (r) => expect(r.kvar).toBeLessThan(-50)],
  ];
  for (const [name, el, check] of cases) {
    it(name, () => {
      const r = solveBoth(feeder(el));
      expect(r.st.converged).toBe(true);
      expect(r.st.controlsSettled).toBe(true);
      expect(r.cmp.maxDvPu, `worst node ${r.cmp.worst}`).toBeLessThan(1e-9);
      check(r);
    });
  }

  it('an InvControl without Mode or CombiMode does nothing, as in OpenDSS', () => {
    const r = solveBoth(feeder(`${pv}\nNew InvControl.ic vvc_curve1=vv ${TIGHT}`));
    expect(r.cmp.maxDvPu, `worst node ${r.cmp.worst}`).toBeLessThan(1e-9);
    expect(r.kvar).toBe(0);
  });

  it('without the control the voltage is different (the control acts)', () => {
    const a = solveBoth(feeder(`${pv}\nNew InvControl.ic Mode=VOLTVAR vvc_curve1=vv deltaQ_factor=0.3 ${TIGHT}`));
    const b = solveBoth(feeder(pv));
    const k = a.cmp.feeder.model.busNodes[a.cmp.feeder.network.busIndex.get('c')!][0];
    expect(Math.abs(Math.hypot(a.cmp.vRe[k], a.cmp.vIm[k]) - Math.hypot(b.cmp.vRe[k], b.cmp.vIm[k])) / 7200).toBeGreaterThan(5e-3);
  });
});

describeWithOpenDss('InvControl in a daily time series (runTimeSeries) against OpenDSS', () => {
  const cases: [string, string][] = [
    ['volt-var/volt-watt', 'CombiMode=VV_VW vvc_curve1=vv voltwatt_curve=vw deltaQ_factor=0.3 deltaP_factor=0.3'],
    ['watt-pf', 'Mode=WATTPF wattpf_curve=wp'],
    ['watt-var (kvarMax 300: limited at noon)', 'Mode=WATTVAR wattvar_curve=wvc'],
  ];
  for (const [what, control] of cases) it(`each step reaches the ${what} point of its irradiance, every node`, () => {
    const text = feeder(`New Loadshape.sun npts=24 interval=1 mult=(0 0 0 0 0 0 0.1 0.3 0.5 0.7 0.85 0.95 1 0.95 0.85 0.7 0.5 0.3 0.1 0 0 0 0 0)
${WP}
${WV}
New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=2200 Pmpp=2000 irradiance=1 daily=sun${what.startsWith('watt-var') ? ' kvarMax=300 kvarMaxAbs=300' : ''}
New InvControl.ic ${control} ${TIGHT}`);
    const dir = tempScripts({ 'master.dss': text });
    const f = loadFeeder(join(dir, 'master.dss'));
    const seen: { minute: number; vRe: Float64Array; vIm: Float64Array; model: typeof f.model; converged: boolean }[] = [];
    runTimeSeries(f, { from: 420, to: 780, stepMin: 90 }, (s) => seen.push({ minute: s.minute, vRe: Float64Array.from(s.state.vRe), vIm: Float64Array.from(s.state.vIm), model: s.model, converged: s.status.converged }), { mode: 'daily', tolerance: 1e-12, maxIterations: 1000 });
    expect(seen).toHaveLength(5);
    for (const s of seen) {
      const ref = runOpenDss(dir, 'master.dss', { minute: s.minute, mode: 'daily' });
      const cmp = compareNodes({ ...f, model: s.model }, s.vRe, s.vIm, ref, s.converged);
      expect(cmp.maxDvPu, `minute ${s.minute}, worst node ${cmp.worst}`).toBeLessThan(1e-9);
    }
  });
});

describeWithOpenDss('InvControl rolling voltage windows across time steps, against a continuous OpenDSS day', () => {
  // irradiance changing every minute, so the rolling average trails the present voltage
  const sun = Array.from({ length: 60 }, (_, k) => (0.55 + 0.4 * Math.sin(k / 4) * Math.cos(k / 11)).toFixed(4)).join(' ');
  const cases: [string, string][] = [
    ['rated (the harness itself)', 'Mode=VOLTVAR vvc_curve1=vv deltaQ_factor=0.3'],
    ['voltage_curvex_ref=ravg (curve read at the 3-minute average)', 'Mode=VOLTVAR vvc_curve1=vv voltage_curvex_ref=ravg avgwindowlen=3m deltaQ_factor=0.3'],
    ['voltage_curvex_ref=ravg, a 5-minute window in seconds, VV_VW', 'CombiMode=VV_VW vvc_curve1=vv voltwatt_curve=vw voltage_curvex_ref=ravg avgwindowlen=300 deltaQ_factor=0.3 deltaP_factor=0.3'],
    ['volt-watt on the 2-minute average', 'Mode=VOLTWATT voltwatt_curve=vw voltage_curvex_ref=ravg avgwindowlen=2m deltaP_factor=0.3'],
    ['volt-var through a low-pass filter (RateofChangeMode=LPF, LPFTau=90 s)', 'Mode=VOLTVAR vvc_curve1=vv RateofChangeMode=LPF LPFTau=90 deltaQ_factor=0.3'],
    ['volt-var with a rise/fall limit (0.0005 pu/s)', 'Mode=VOLTVAR vvc_curve1=vv RateofChangeMode=RISEFALL RiseFallLimit=0.0005 deltaQ_factor=0.3'],
    ['VV_VW through a low-pass filter (LPFTau=45 s)', 'CombiMode=VV_VW vvc_curve1=vv voltwatt_curve=vw RateofChangeMode=LPF LPFTau=45 deltaQ_factor=0.3 deltaP_factor=0.3'],
  ];
  for (const [what, control] of cases) {
    it(`${what}: every node, every minute`, () => {
      const script = (c: string) =>
        feeder(`New Loadshape.sun npts=60 minterval=1 mult=(${sun})
New PVSystem.pv bus1=c phases=3 kV=12.47 kVA=2200 Pmpp=2000 irradiance=1 daily=sun
New InvControl.ic ${c} ${TIGHT}`);
      const from = 1;
      const to = 40;
      /** OpenDSS's continuous day from a fresh compile (dssrun daily --collect, no timed pass first) */
      const oracleDay = (dir: string): Map<string, number> => {
        const out = join(dir, 'steps.csv');
        const r = spawnSync('python3', [sharedPath('tools/opendss/dssrun.py'), 'daily', join(dir, 'master.dss'), '--from', String(from), '--to', String(to), '--collect', out, '--repeat', '0', '--tolerance', '1e-12', '--maxiter', '1000'], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        const ref = new Map<string, number>();
        for (const line of readFileSync(out, 'utf8').trim().split('\n').slice(1)) {
          const [m, bus, node, v] = line.split(',');
          ref.set(`${m}:${bus.toLowerCase()}.${node}`, Number(v));
        }
        return ref;
      };
      const dir = tempScripts({ 'master.dss': script(control) });
      const ref = oracleDay(dir);
      // the option acts: OpenDSS's day without it (rated) differs
      const rated = oracleDay(tempScripts({ 'master.dss': script(control.replace(/voltage_curvex_ref=\w+|RateofChangeMode=\w+/, '')) }));
      let effect = 0;
      for (const [key, v] of ref) effect = Math.max(effect, Math.abs(v - rated.get(key)!) / 7199.558);
      const f = loadFeeder(join(dir, 'master.dss'));
      let worst = 0;
      let steps = 0;
      runTimeSeries(f, { from, to, stepMin: 1 }, (st) => {
        steps++;
        const m = st.model;
        for (let k = 0; k < m.nNodes; k++) {
          const key = `${st.minute}:${f.network.buses[m.nodeBus[k]].name}.${m.nodeNumber[k]}`;
          const v = ref.get(key);
          if (v === undefined) throw new Error(`OpenDSS has no ${key}`);
          worst = Math.max(worst, Math.abs(Math.hypot(st.state.vRe[k], st.state.vIm[k]) - v) / 7199.558);
        }
      }, { mode: 'daily', tolerance: 1e-12, maxIterations: 1000 });
      if (/voltage_curvex_ref|RateofChangeMode/.test(control)) expect(effect).toBeGreaterThan(1e-4);
      expect(steps).toBe(to - from + 1);
      // OpenDSS writes volts with 6 decimals: 1e-6 V is 1.4e-10 pu
      expect(worst).toBeLessThan(1e-9);
    });
  }
});
