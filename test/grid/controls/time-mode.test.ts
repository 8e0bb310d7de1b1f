/**
 * OpenDSS's time-driven control mode (Set ControlMode=TIME): a control's delay counts simulated time
 * across the steps of a time series — an action queued at t + delay runs at the first step whose
 * solution time reaches it (ControlQueue.DoActions), and a regulator then moves one tap, the next
 * after TapDelay (RegControl.DoPendingAction, TIMEDRIVEN). Checked against OpenDSS itself, step by
 * step: a regulator with Delay=30 on 15-second and on 1-minute load shapes, and a voltage-controlled
 * two-step capacitor with Delay, DelayOFF and DeadTime — the taps and capacitor states after every
 * step, and the voltage at the load bus (from an OpenDSS monitor, 6 significant digits).
 *
 * Hand check of the first steps (15 s, Delay=30, TapDelay=2): t=15 s the voltage is out of band →
 * queued for 45 s; t=30 s nothing is due; t=45 s one tap up and the next queued for 47 s; t=60 s
 * (47 ≤ 60) one more tap, and so on: one tap per step while the band is not reached.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlledPowerFlow, controlSettings, startControls } from '../../../grid/controls/static-control.js';
import { loadFeeder, runTimeSeries } from '../../../grid/feeder.js';
import { newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { DssError } from '../../../src/errors.js';
import { tempScripts } from '../../helpers/dss.js';
import { compareNodes, describeWithOpenDss } from '../../helpers/oracle.js';
import { openDssCommands, runOpenDssControlled } from '../../helpers/opendss-oracle.js';

const STEPS = 40;

/** A load that ramps up and down over the series; `intervalS` the load shape's interval. */
const circuit = (intervalS: number, controls: string) => {
  const mult = Array.from({ length: STEPS }, (_v, k) => (0.2 + 1.6 * Math.sin((Math.PI * k) / (STEPS - 1))).toFixed(4)).join(' ');
  return `
Clear
New Circuit.tm basekv=7.2 phases=1 pu=1.0 bus1=src MVAsc1=1e5 MVAsc3=1e5
New Transformer.reg phases=1 windings=2 buses=[src.1 rg.1] conns=[wye wye] kvs=[7.2 7.2] kvas=[5000 5000] XHL=0.01 %loadloss=0.001
New Line.l bus1=rg.1 bus2=b.1 phases=1 r1=0.5 x1=1.0 c1=0 c0=0 length=4 units=km
New LoadShape.day npts=${STEPS} sinterval=${intervalS} mult=[${mult}]
New Load.ld bus1=b.1 phases=1 kv=7.2 kw=1500 kvar=600 daily=day
${controls}
Set controlmode=time
`;
};

const REGULATOR = 'New RegControl.reg transformer=reg winding=2 ptratio=60 band=2 vreg=124 ctprim=300 R=2 X=4 delay=30 tapdelay=2';
const CAPACITOR = `New Capacitor.c bus1=b.1 phases=1 kv=7.2 numsteps=2 kvar=[600 600]
New CapControl.cc element=line.l terminal=2 capacitor=c type=voltage ptratio=60 ONsetting=112 OFFsetting=118 delay=60 delayoff=30 deadtime=90`;

interface Step {
  readonly tap: number;
  readonly states: readonly number[];
  readonly vB: number;
  readonly controlIterations: number;
}

/** lemsim over the series: the solve at step k is at t = k·stepS (OpenDSS increments, then solves). */
function lemsim(text: string, stepS: number): Step[] {
  const feeder = loadFeeder(join(tempScripts({ 'master.dss': text }), 'master.dss'));
  const pf = startControls(feeder, { tolerance: 1e-12 });
  expect(pf.mode).toBe('time');
  const powers = newLoadPowers(feeder.model);
  const out: Step[] = [];
  const b = feeder.model.busNodes[feeder.model.network.busIndex.get('b')!][0];
  for (let k = 1; k <= STEPS; k++) {
    const t = k * stepS;
    setLoadPowersAt(feeder.model, t / 3600, 'daily', powers);
    const s = pf.solve(powers, { hour: Math.floor(t / 3600), sec: t - 3600 * Math.floor(t / 3600) }, { tolerance: 1e-12 });
    expect(s.converged).toBe(true);
    out.push({ tap: pf.taps()[0]?.tap ?? 1, states: pf.capacitors()[0]?.states ?? [], vB: Math.hypot(pf.vRe[b], pf.vIm[b]), controlIterations: s.controlIterations });
  }
  return out;
}

/** OpenDSS over the same series: taps and capacitor states after each solve, and bus b's voltage (monitor). */
function openDss(text: string, stepS: number, hasCap: boolean): { tap: number; states: number[]; vB: number }[] {
  const dir = tempScripts({ 'master.dss': text });
  const cmds = ['New Monitor.mb element=line.l terminal=2 mode=0', `set mode=daily stepsize=${stepS}s number=1 hour=0 sec=0 tolerance=1e-12 maxiterations=1000`];
  for (let k = 1; k <= STEPS; k++) cmds.push('solve', '? transformer.reg.taps', hasCap ? '? capacitor.c.states' : '? transformer.reg.taps');
  cmds.push('export monitors mb');
  const answers = openDssCommands(dir, 'master.dss', cmds);
  const numbers = (s: string): number[] => s.replace(/[[\]]/g, ' ').split(/[\s,]+/).filter((x) => x !== '').map(Number);
  const monitor = readFileSync(answers[answers.length - 1].trim().split('\n').pop()!.trim(), 'utf8').trim().split('\n').slice(1);
  return Array.from({ length: STEPS }, (_v, k) => ({
    tap: numbers(answers[2 + 3 * k + 1])[1],
    states: hasCap ? numbers(answers[2 + 3 * k + 2]) : [],
    vB: Number(monitor[k].split(',')[2]),
  }));
}

function compare(text: string, stepS: number, hasCap: boolean): Step[] {
  const mine = lemsim(text, stepS);
  const ref = openDss(text, stepS, hasCap);
  for (let k = 0; k < STEPS; k++) {
    const at = `t = ${(k + 1) * stepS} s`;
    expect(mine[k].tap, `${at}: tap`).toBeCloseTo(ref[k].tap, 9);
    if (hasCap) expect(mine[k].states, `${at}: capacitor steps`).toEqual(ref[k].states);
    // the monitor prints 6 significant digits (7045.39 V)
    expect(Math.abs(mine[k].vB - ref[k].vB), `${at}: |V| at b`).toBeLessThan(0.006);
  }
  return mine;
}

describeWithOpenDss('ControlMode=TIME against OpenDSS (taps, capacitor states and voltage at every step)', () => {
  it('a regulator with Delay=30, TapDelay=2 on a 15-second series: one tap per step once 30 s have passed', () => {
    const steps = compare(circuit(15, REGULATOR), 15, false);
    // the hand check of the header: nothing at 15 and 30 s, the first tap at 45 s, the next at 60 s
    expect(steps.slice(0, 4).map((s) => Math.round((s.tap - 1) / 0.00625))).toEqual([0, 0, 1, 2]);
    expect(new Set(steps.map((s) => s.tap)).size).toBeGreaterThan(5);
  });

  it('the same regulator on a 1-minute series (the delay is shorter than a step)', () => {
    const steps = compare(circuit(60, REGULATOR), 60, false);
    expect(new Set(steps.map((s) => s.tap)).size).toBeGreaterThan(3);
  });

  it('a two-step voltage-controlled capacitor with Delay=60, DelayOFF=30, DeadTime=90 on a 15-second series', () => {
    const steps = compare(circuit(15, CAPACITOR), 15, true);
    const changes = steps.filter((s, k) => k > 0 && s.states.join() !== steps[k - 1].states.join()).length;
    expect(changes, 'the bank switches several times').toBeGreaterThan(2);
    expect(new Set(steps.map((s) => s.states.join())).size, 'all, one and no step in service at some time').toBe(3);
  });

  it('differs from the static mode (where delays only order the actions within one step)', () => {
    const time = lemsim(circuit(15, REGULATOR), 15);
    const staticText = circuit(15, REGULATOR).replace('Set controlmode=time', '');
    const feeder = loadFeeder(join(tempScripts({ 'master.dss': staticText }), 'master.dss'));
    const pf = startControls(feeder, { tolerance: 1e-12 });
    const powers = newLoadPowers(feeder.model);
    setLoadPowersAt(feeder.model, 15 / 3600, 'daily', powers);
    pf.solve(powers, { hour: 0, sec: 15 }, { tolerance: 1e-12 });
    // static: the first step already moves the taps; time: the 30 s delay has not passed
    expect(pf.taps()[0].tap).not.toBe(1);
    expect(time[0].tap).toBe(1);
  });
});

/*
 * ControlMode=EVENT in a snapshot (DoNearestActions moves the clock to the action's time): the
 * regulator's first tap waits Delay=30 s, each further one TapDelay=2 s, all within one solve; the
 * capacitor switches after its own delays. Same final taps, capacitor steps, control iterations
 * and nodes as OpenDSS, and the clock ends past the delays.
 */
describeWithOpenDss('ControlMode=EVENT against OpenDSS (snapshot)', () => {
  it('a regulator and a two-step capacitor: taps, steps, control iterations and every node (1e-8 pu)', () => {
    const text = circuit(15, `${REGULATOR}\n${CAPACITOR}\nSet maxcontroliter=100`).replace('controlmode=time', 'controlmode=event').replace('kw=1500 kvar=600 daily=day', 'kw=2500 kvar=1000 daily=day');
    const dir = tempScripts({ 'master.dss': text });
    const feeder = loadFeeder(join(dir, 'master.dss'));
    const pf = startControls(feeder, { tolerance: 1e-12, maxIterations: 1000 });
    expect(pf.mode).toBe('event');
    const powers = newLoadPowers(feeder.model);
    setLoadPowersAt(feeder.model, 0, 'snapshot', powers);
    const status = pf.solve(powers, { hour: 0, sec: 0 }, { tolerance: 1e-12, maxIterations: 1000 });
    const ref = runOpenDssControlled(dir, 'master.dss', { transformers: ['reg'], capacitors: ['c'] });
    expect(pf.taps()[0].tap).toBeCloseTo(ref.taps.get('reg')![1], 9);
    expect(pf.taps()[0].tapNumber, 'several taps, one per action').toBeGreaterThan(2);
    expect(pf.capacitors()[0].states).toEqual(ref.capacitors.get('c'));
    expect(status.controlIterations).toBe(ref.info.control_iterations);
    expect(status.timeS!, 'the clock moved past the first delay').toBeGreaterThanOrEqual(30);
    const cmp = compareNodes(pf.feeder, pf.vRe, pf.vIm, ref.nodes, status.converged);
    expect(cmp.maxDvPu, `worst ${cmp.worst}`).toBeLessThan(1e-8);
  });
});

describe('control modes a script may set', () => {
  const parsed = (mode: string) => controlSettings(loadFeeder(join(tempScripts({ 'master.dss': circuit(15, REGULATOR).replace('controlmode=time', `controlmode=${mode}`) }), 'master.dss')).network.circuit);
  it('static, time, event and off are read; multirate is refused with the file', () => {
    expect(parsed('static').mode).toBe('static');
    expect(parsed('Time').mode).toBe('time');
    expect(parsed('event').mode).toBe('event');
    expect(parsed('off').mode).toBe('off');
    expect(() => parsed('multirate')).toThrow(DssError);
    expect(() => parsed('multirate')).toThrow(/static, time, event and off/);
  });
  it('a time series refuses the event mode (its clock follows the actions)', () => {
    const feeder = loadFeeder(join(tempScripts({ 'master.dss': circuit(15, REGULATOR).replace('controlmode=time', 'controlmode=event') }), 'master.dss'));
    expect(() => runTimeSeries(feeder, { from: 1, to: 3, stepMin: 1 }, () => undefined)).toThrow(/controlmode=event moves the solution clock/);
  });
  it('an InvControl in time mode is refused where it is defined', () => {
    const text = `${circuit(15, '')}
New XYCurve.vv npts=4 Yarray=[1 1 -1 -1] Xarray=[0.5 0.95 1.05 1.5]
New PVSystem.pv phases=1 bus1=b.1 kv=7.2 kVA=500 Pmpp=500 irradiance=1
New InvControl.ic mode=voltvar vvc_curve1=vv`;
    const feeder = loadFeeder(join(tempScripts({ 'master.dss': text }), 'master.dss'));
    expect(() => new ControlledPowerFlow(feeder)).toThrow(/InvControl\.ic: Set controlmode=time with InvControl is not supported/);
  });
});
