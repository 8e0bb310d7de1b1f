/**
 * Incremental models (grid/powerflow/incremental.ts): after taps move and capacitors switch, the
 * low-rank correction of the base factorisation gives the model a new compile gives — the same
 * no-load voltages and the same power-flow solution — on a regulated feeder with a switched bank, on
 * an open-delta bank whose load side is held to ground only by line capacitance (where summing the
 * columns Y⁻¹·e would lose ~1e-6 pu), and in the control loops of IEEE 123 and 8500 (same taps,
 * same capacitor states, same control iterations, every node). Cases it cannot take fall back.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ControlledPowerFlow, discontinuousLoadLaw, startControls } from '../../../grid/controls/static-control.js';
import { loadFeeder, type Feeder } from '../../../grid/feeder.js';
import type { CMatrix } from '../../../grid/model/complex.js';
import { capacitorBranch, type CapacitorState } from '../../../grid/model/elements/capacitor.js';
import type { TransformerState } from '../../../grid/model/elements/transformer.js';
import { withBranchAdmittances } from '../../../grid/model/network.js';
import { transformerYprim } from '../../../grid/model/yprim.js';
import { type SolverModel, compile } from '../../../grid/powerflow/compile.js';
import { IncrementalModels } from '../../../grid/powerflow/incremental.js';
import { PowerFlowState, newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { sharedPath } from '../../../src/shared-data.js';
import { tempScripts } from '../../helpers/dss.js';
import { OPEN_DELTA } from '../../helpers/control-circuits.js';
import { describeWithShared } from '../../helpers/shared.js';

const FEEDER = `
Clear
New Circuit.inc basekv=12.47 pu=1.02 phases=3 bus1=src MVAsc3=200000 MVAsc1=210000
New Transformer.reg1 phases=1 windings=2 buses=[src.1 rg.1] conns=[wye wye] kvs=[7.2 7.2] kvas=[5000 5000] XHL=0.1 %loadloss=0.01
New Transformer.reg2 like=reg1 buses=[src.2 rg.2]
New Transformer.reg3 like=reg1 buses=[src.3 rg.3]
New Linecode.lc nphases=3 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
New Line.l1 bus1=rg bus2=a linecode=lc length=2
New Line.l2 bus1=a bus2=b linecode=lc length=3
New Line.l3 bus1=a bus2=c linecode=lc length=1.5
New Capacitor.cap bus1=b phases=3 kvar=[300 300] kv=12.47
New Load.la bus1=a phases=3 kv=12.47 kw=1500 kvar=600 model=1
New Load.lb bus1=b.1 phases=1 kv=7.2 kw=500 kvar=200 model=2
New Load.lc bus1=c phases=3 kv=12.47 kw=900 kvar=400 model=5
New Load.ld bus1=c.2.3 phases=1 kv=12.47 kw=300 kvar=100
Set voltagebases=[12.47]
Calcvoltagebases
`;


function sparseFeeder(text: string): Feeder {
  const f = loadFeeder(join(tempScripts({ 'master.dss': text }), 'master.dss'));
  return { ...f, model: compile(f.network, { method: 'sparse' }) };
}

/** Largest |ΔV| over every node, per unit of the node's scale. */
function maxDiffPu(m: SolverModel, aRe: Float64Array, aIm: Float64Array, bRe: Float64Array, bIm: Float64Array): number {
  let mx = 0;
  for (let k = 0; k < m.nNodes; k++) mx = Math.max(mx, Math.hypot(aRe[k] - bRe[k], aIm[k] - bIm[k]) / m.nodeVScale[k]);
  return mx;
}

/** Moves winding 2 of each named transformer by `steps` tap steps; returns the new admittances. */
function moveTaps(circuit: Feeder['network']['circuit'], steps: Record<string, number>): Map<string, CMatrix> {
  const out = new Map<string, CMatrix>();
  for (const [name, s] of Object.entries(steps)) {
    const xf = circuit.objects.get('transformer')!.get(name) as TransformerState;
    xf.windings[1].tap += s * 0.00625;
    out.set(`transformer.${name}`, transformerYprim(xf));
  }
  return out;
}

function compareWithCompile(feeder: Feeder, changes: Map<string, CMatrix>, inc: IncrementalModels, tolPu: number): SolverModel {
  const network = withBranchAdmittances(feeder.network, changes);
  const updated = inc.update(network, changes.keys());
  expect(updated, 'the update is made incrementally').toBeDefined();
  const compiled = compile(network, { method: 'sparse' });
  expect(maxDiffPu(compiled, updated!.v0Re, updated!.v0Im, compiled.v0Re, compiled.v0Im), 'no-load voltages').toBeLessThan(tolPu);
  const powers = newLoadPowers(compiled);
  setLoadPowersAt(compiled, 0, 'snapshot', powers);
  const a = new PowerFlowState(updated!);
  const b = new PowerFlowState(compiled);
  const sa = a.solve(powers, { tolerance: 1e-12, maxIterations: 500 });
  const sb = b.solve(powers, { tolerance: 1e-12, maxIterations: 500 });
  expect(sa.converged && sb.converged).toBe(true);
  expect(sa.iterations).toBe(sb.iterations);
  expect(maxDiffPu(compiled, a.vRe, a.vIm, b.vRe, b.vIm), 'solution').toBeLessThan(tolPu);
  return updated!;
}

describe('incremental models after control actions (low-rank correction of one factorisation)', () => {
  it('tap changes and a capacitor switching, accumulated over three actions, give the compiled model', () => {
    const feeder = sparseFeeder(FEEDER);
    const circuit = structuredClone(feeder.network.circuit);
    const inc = new IncrementalModels(feeder.model);
    // action 1: one regulator; action 2: the other two and the first again; action 3: a capacitor step out
    const changes = moveTaps(circuit, { reg1: 3 });
    let m = compareWithCompile(feeder, changes, inc, 1e-12);
    expect(m.lowRank!.rank).toBe(2);
    for (const [k, v] of moveTaps(circuit, { reg1: 2, reg2: -4, reg3: 7 })) changes.set(k, v);
    m = compareWithCompile(feeder, changes, inc, 1e-12);
    expect(m.lowRank!.rank).toBe(6); // src.1–3 and rg.1–3
    const cap = circuit.objects.get('capacitor')!.get('cap') as CapacitorState;
    cap.states[1] = 0;
    changes.set('capacitor.cap', capacitorBranch(cap, circuit.baseFrequencyHz, cap.states).y);
    m = compareWithCompile(feeder, changes, inc, 1e-12);
    expect(m.lowRank!.rank).toBe(9); // and b.1–3
    // the tap moves changed the solution (the test is not comparing two unchanged models)
    expect(maxDiffPu(m, m.v0Re, m.v0Im, feeder.model.v0Re, feeder.model.v0Im)).toBeGreaterThan(1e-3);
  });

  it('an open-delta bank feeding an ungrounded part: as accurate as a new factorisation (1e-8 pu)', () => {
    const feeder = sparseFeeder(OPEN_DELTA());
    const circuit = structuredClone(feeder.network.circuit);
    const inc = new IncrementalModels(feeder.model);
    compareWithCompile(feeder, moveTaps(circuit, { rega: 5, regc: 9 }), inc, 1e-8);
  });

  it('falls back (undefined) where it cannot correct: a dense model, a changed line', () => {
    const f = loadFeeder(join(tempScripts({ 'master.dss': FEEDER }), 'master.dss'));
    const dense = { ...f, model: compile(f.network, { method: 'dense' }) };
    const circuit = structuredClone(f.network.circuit);
    const changes = moveTaps(circuit, { reg1: 1 });
    expect(new IncrementalModels(dense.model).update(withBranchAdmittances(dense.network, changes), changes.keys())).toBeUndefined();
    const sparse = sparseFeeder(FEEDER);
    expect(new IncrementalModels(sparse.model).update(sparse.network, ['line.l1'])).toBeUndefined();
  });
});

const FEEDERS = [
  ['IEEE 123', 'feeders/opendss-tests/IEEETestCases/123Bus/IEEE123Master.dss'],
  ['IEEE 8500', 'feeders/opendss-tests/IEEETestCases/8500-Node/Master.dss'],
] as const;

describeWithShared('control loops with incremental models equal those compiling after each action', FEEDERS.map(([, p]) => p), () => {
  for (const [name, entry] of FEEDERS) {
    it(`${name}: same taps, capacitor states, control and power-flow iterations, every node (1e-7 pu)`, () => {
      const feeder = loadFeeder(sharedPath(entry));
      const powers = newLoadPowers(feeder.model);
      setLoadPowersAt(feeder.model, 0, 'snapshot', powers);
      const options = { tolerance: 1e-4, maxIterations: 100 };
      const run = (incremental: boolean): { pf: ControlledPowerFlow; status: ReturnType<ControlledPowerFlow['solve']> } => {
        const pf = startControls(feeder, options, { incremental });
        return { pf, status: pf.solve(powers, { hour: 0, sec: 0 }, options) };
      };
      const a = run(true);
      const b = run(false);
      expect(a.pf.model.lowRank, 'the incremental run used a correction').toBeDefined();
      expect(b.pf.model.lowRank).toBeUndefined();
      expect(a.status.actions).toBeGreaterThan(0);
      expect(a.pf.taps()).toEqual(b.pf.taps());
      expect(a.pf.capacitors()).toEqual(b.pf.capacitors());
      expect(a.status.controlIterations).toBe(b.status.controlIterations);
      expect(a.status.totalIterations).toBe(b.status.totalIterations);
      // (IEEE 123's bus 610 is an ungrounded delta secondary: its common mode is the least determined)
      expect(maxDiffPu(b.pf.model, a.pf.vRe, a.pf.vIm, b.pf.vRe, b.pf.vIm)).toBeLessThan(1e-7);
    });
  }
});

describe('warm starts after a control action (discontinuousLoadLaw)', () => {
  const withLoad = (load: string) => compile(loadFeeder(join(tempScripts({ 'master.dss': FEEDER.replace('New Load.la bus1=a phases=3 kv=12.47 kw=1500 kvar=600 model=1', load) }), 'master.dss')).network);
  it('CVR loads with non-zero exponents jump at Vminpu (OpenDSS DoCVRModel): cold starts; constant PQ, Z, I do not', () => {
    expect(discontinuousLoadLaw(withLoad('New Load.la bus1=a phases=3 kv=12.47 kw=1500 kvar=600 model=4 cvrwatts=0.8 cvrvars=3'))).toBe(true);
    expect(discontinuousLoadLaw(withLoad('New Load.la bus1=a phases=3 kv=12.47 kw=1500 kvar=600 model=4 cvrwatts=0 cvrvars=0'))).toBe(false);
    expect(discontinuousLoadLaw(withLoad('New Load.la bus1=a phases=3 kv=12.47 kw=1500 kvar=600 model=1'))).toBe(false);
  });
});

describeWithShared('a time series with incremental models equals one compiling after each action', [FEEDERS[0][1]], () => {
  it('IEEE 123, 24 steps of a load ramping 0.4× → 1.6× → 0.4×: same taps and control iterations at every step, every node (1e-7 pu)', () => {
    const feeder = loadFeeder(sharedPath(FEEDERS[0][1]));
    const base = newLoadPowers(feeder.model);
    setLoadPowersAt(feeder.model, 0, 'snapshot', base);
    const options = { tolerance: 1e-6, maxIterations: 100 };
    const a = startControls(feeder, options, { incremental: true });
    const b = startControls(feeder, options, { incremental: false });
    const powers = newLoadPowers(feeder.model);
    let actions = 0;
    for (let k = 0; k < 24; k++) {
      const scale = 0.4 + 1.2 * Math.sin((Math.PI * k) / 23);
      for (let i = 0; i < base.pW.length; i++) {
        powers.pW[i] = base.pW[i] * scale;
        powers.qVar[i] = base.qVar[i] * scale;
      }
      const sa = a.solve(powers, { hour: 0, sec: 60 * k }, options);
      const sb = b.solve(powers, { hour: 0, sec: 60 * k }, options);
      actions += sa.actions;
      expect(a.taps(), `step ${k}`).toEqual(b.taps());
      expect(sa.controlIterations, `step ${k}`).toBe(sb.controlIterations);
      expect(maxDiffPu(b.model, a.vRe, a.vIm, b.vRe, b.vIm), `step ${k}`).toBeLessThan(1e-7);
    }
    expect(actions, 'the regulators act along the ramp').toBeGreaterThan(10);
  });
});
