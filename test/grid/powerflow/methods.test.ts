/**
 * The two iterations of the power flow ('dense': Gauss-Seidel through the dense impedance between
 * load branches; 'sparse': the same fixed point through the sparse LU, Anderson-accelerated) solve
 * the same equations: solved tightly they must agree at every node, on a meshed and on a radial
 * feeder, with every load model. Anderson acceleration may change the path, never the answer or the
 * stopping rule.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDssCircuit } from '../../../grid/dss/interpreter.js';
import { buildNetwork } from '../../../grid/model/network.js';
import { type SolverModel, compile } from '../../../grid/powerflow/compile.js';
import { PowerFlowState, type SolveStatus, newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { tempScripts } from '../../helpers/dss.js';

function models(text: string): { dense: SolverModel; sparse: SolverModel } {
  const dir = tempScripts({ 'master.dss': text });
  const network = buildNetwork(loadDssCircuit(join(dir, 'master.dss')));
  return { dense: compile(network, { method: 'dense' }), sparse: compile(network, { method: 'sparse' }) };
}

function solved(m: SolverModel, tolerance: number, accelerate = true, scaleLoads = 1): { status: SolveStatus; state: PowerFlowState } {
  const powers = newLoadPowers(m);
  setLoadPowersAt(m, 0, 'snapshot', powers);
  for (let k = 0; k < m.nBr; k++) {
    powers.pW[k] *= scaleLoads;
    powers.qVar[k] *= scaleLoads;
  }
  const state = new PowerFlowState(m);
  const status = state.solve(powers, { tolerance, accelerate, maxIterations: 500 });
  return { status, state };
}

/** Largest |ΔV| over every node, per unit of the node's voltage scale. */
function maxDiffPu(m: SolverModel, a: PowerFlowState, b: PowerFlowState): number {
  let worst = 0;
  for (let k = 0; k < m.nNodes; k++) worst = Math.max(worst, Math.hypot(a.vRe[k] - b.vRe[k], a.vIm[k] - b.vIm[k]) / m.nodeVScale[k]);
  return worst;
}

/*
 * Meshed: an 11 kV ring (two paths of different impedance from the substation bus to `far`, with
 * line capacitance, so nothing folds into a chain), a delta-wye transformer to 0.416 kV, and loads of
 * models 1, 2, 3 and 5, wye and delta, three-phase, single-phase and phase-to-phase.
 *
 *   source ══ sub ══( A: 2 km )══ far ══ Δ/Y ══ lv ─┬─ 3φ model 1, 1φ model 5, 2φ delta model 3
 *               ╚═══( B: 1 km )══ mid ══( 1.5 km )═╝         └─ 1φ model 2
 */
const MESHED = `
clear
New Circuit.mesh basekv=11 pu=1.02 phases=3 R1=0.05 X1=0.5 R0=0.05 X0=0.5 bus1=sub
New LineCode.mv nphases=3 r1=0.2 x1=0.35 r0=0.5 x0=1.2 c1=10 c0=4 units=km
New Line.a bus1=sub bus2=far linecode=mv length=2 units=km
New Line.b bus1=sub bus2=mid linecode=mv length=1 units=km
New Line.c bus1=mid bus2=far linecode=mv length=1.5 units=km
New Load.mv3 bus1=mid phases=3 kV=11 kW=400 kvar=150 model=1
New Transformer.t phases=3 windings=2 buses=[far lv] conns=[delta wye] kVs=[11 0.416] kVAs=[500 500] XHL=4 %Rs=[0.6 0.6]
New LineCode.lv nphases=3 r1=0.3 x1=0.08 r0=0.9 x0=0.3 c1=0 c0=0 units=km
New Line.l1 bus1=lv bus2=n1 linecode=lv length=0.2 units=km
New Line.l2 bus1=n1 bus2=n2 linecode=lv length=0.15 units=km
New Load.p3 bus1=n1 phases=3 kV=0.416 kW=60 kvar=20 model=1
New Load.i1 bus1=n2.1 phases=1 kV=0.24 kW=15 kvar=5 model=5
New Load.z1 bus1=n2.2 phases=1 kV=0.24 kW=12 kvar=4 model=2
New Load.d2 bus1=n2.2.3 phases=1 conn=delta kV=0.416 kW=20 kvar=6 model=3
`;

/** Radial: a 3-phase trunk of `n` sections with a single-phase lateral and a load at every joint. */
function radial(n: number): string {
  const lines = [
    'clear',
    'New Circuit.rad basekv=12.47 pu=1.03 phases=3 R1=0.1 X1=0.8 R0=0.1 X0=0.8 bus1=b0',
    'New LineCode.trunk nphases=3 r1=0.12 x1=0.4 r0=0.45 x0=1.3 c1=12 c0=5 units=km',
    'New LineCode.lat nphases=1 r1=0.5 x1=0.45 r0=0.5 x0=0.45 c1=8 c0=8 units=km',
  ];
  for (let k = 1; k <= n; k++) {
    const ph = ((k - 1) % 3) + 1;
    lines.push(`New Line.t${k} bus1=b${k - 1} bus2=b${k} linecode=trunk length=${0.3 + (k % 4) * 0.1} units=km`);
    lines.push(`New Line.x${k} bus1=b${k}.${ph} bus2=x${k}.${ph} phases=1 linecode=lat length=0.4 units=km`);
    lines.push(`New Load.x${k} bus1=x${k}.${ph} phases=1 kV=7.2 kW=${80 + (k % 5) * 30} kvar=${20 + (k % 3) * 10} model=${[1, 1, 2, 3, 5][k % 5]}`);
    if (k % 3 === 0) lines.push(`New Load.b${k} bus1=b${k} phases=3 kV=12.47 kW=200 kvar=60 model=1`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Solves to 1e-12 densely, sparsely with and without Anderson acceleration; asserts that all three
 * converge and agree at every node within 1e-10 pu. Returns the dense and the accelerated sparse solve.
 */
function solvedThreeWays(dense: SolverModel, sparse: SolverModel): { d: ReturnType<typeof solved>; s: ReturnType<typeof solved> } {
  const d = solved(dense, 1e-12);
  const s = solved(sparse, 1e-12);
  const plain = solved(sparse, 1e-12, false);
  expect([d.status.converged, s.status.converged, plain.status.converged]).toEqual([true, true, true]);
  expect(maxDiffPu(dense, d.state, s.state)).toBeLessThan(1e-10);
  expect(maxDiffPu(dense, s.state, plain.state)).toBeLessThan(1e-10);
  return { d, s };
}

describe('dense and sparse iterations', () => {
  for (const [name, text] of [
    ['meshed', MESHED],
    ['radial', radial(30)],
  ] as const) {
    it(`${name}: agree at every node when solved to 1e-12`, () => {
      const { dense, sparse } = models(text);
      expect(dense.method).toBe('dense');
      expect(sparse.method).toBe('sparse');
      expect(dense.reduced).toBeDefined();
      const { d } = solvedThreeWays(dense, sparse);
      // the loads pull the voltages well away from no load: the agreement is not trivial
      let drop = 0;
      for (let k = 0; k < dense.nNodes; k++) drop = Math.max(drop, Math.hypot(d.state.vRe[k] - dense.v0Re[k], d.state.vIm[k] - dense.v0Im[k]) / dense.nodeVScale[k]);
      expect(drop).toBeGreaterThan(0.01);
    });
  }

  it('stop at a loose tolerance within that tolerance of the tight solution (same stopping rule)', () => {
    const { dense, sparse } = models(radial(30));
    const exact = solved(dense, 1e-13).state;
    for (const m of [dense, sparse]) {
      for (const accelerate of [false, true]) {
        const loose = solved(m, 1e-4, accelerate);
        expect(loose.status.converged).toBe(true);
        expect(loose.status.lastChangePu).toBeLessThan(1e-4);
        // error ≤ change·ρ/(1 − ρ); ρ is well below 1/2 here
        expect(maxDiffPu(m, loose.state, exact)).toBeLessThan(1e-4);
      }
    }
  });

  it('Anderson acceleration needs fewer iterations where the plain iteration crawls (heavy load)', () => {
    const { sparse } = models(radial(30));
    const plain = solved(sparse, 1e-10, false, 2.5);
    const fast = solved(sparse, 1e-10, true, 2.5);
    expect(plain.status.converged && fast.status.converged).toBe(true);
    expect(plain.status.iterations).toBeGreaterThan(20);
    expect(fast.status.iterations).toBeLessThan(plain.status.iterations / 1.5);
    expect(maxDiffPu(sparse, plain.state, fast.state)).toBeLessThan(1e-8);
  });

  /*
   * A 10-section unloaded trunk (line capacitance, so no series chain folds it) between two loaded
   * ends:  l0 (load) ─ b0 ═ s1 ═ … ═ s9 ═ j ─┬─ l1 (load)
   *        source ═══╝                        └─ l2 (load)
   * s1…s9 join two buses and carry nothing: they are eliminated first, so no load row's path to
   * the root of the elimination tree passes through them and the iteration never visits them (in
   * plain minimum-degree order the trunk is eaten from both ends and the root falls inside it).
   */
  it('keeps pass-through buses out of the rows the sparse iteration substitutes over', () => {
    const lines = [
      'clear',
      'New Circuit.path basekv=12.47 pu=1.02 phases=3 R1=0.1 X1=0.8 R0=0.1 X0=0.8 bus1=b0',
      'New LineCode.trunk nphases=3 r1=0.12 x1=0.4 r0=0.45 x0=1.3 c1=12 c0=5 units=km',
    ];
    for (let k = 1; k <= 10; k++) lines.push(`New Line.s${k} bus1=${k === 1 ? 'b0' : `s${k - 1}`} bus2=${k === 10 ? 'j' : `s${k}`} linecode=trunk length=0.5 units=km`);
    for (const l of ['l0', 'l1', 'l2']) {
      lines.push(`New Line.${l} bus1=${l === 'l0' ? 'b0' : 'j'} bus2=${l} linecode=trunk length=0.3 units=km`);
      lines.push(`New Load.${l} bus1=${l} phases=3 kV=12.47 kW=900 kvar=300 model=1`);
    }
    const { dense, sparse } = models(`${lines.join('\n')}\n`);
    const sp = sparse.branchSpace;
    const inReach = new Set(sp.reachRows);
    for (let k = 1; k <= 9; k++) {
      for (const node of sparse.busNodes[sparse.network.busIndex.get(`s${k}`)!]) expect(inReach.has(sp.nodeRow[node])).toBe(false);
    }
    for (const l of ['l0', 'l1', 'l2', 'j']) {
      for (const node of sparse.busNodes[sparse.network.busIndex.get(l)!]) expect(inReach.has(sp.nodeRow[node])).toBe(true);
    }
    // the compact substitution drops the L entries of the reach rows that point at those buses
    expect(sp.reach.nnz).toBeLessThan(sparse.lu.rowsNnz(sp.reachRows));
    solvedThreeWays(dense, sparse);
  });

  it('auto picks by the cost of an iteration: dense for few load branches, sparse for many', () => {
    for (const [n, method] of [
      [4, 'dense'],
      [150, 'sparse'],
    ] as const) {
      const dir = tempScripts({ 'master.dss': radial(n) });
      const m = compile(buildNetwork(loadDssCircuit(join(dir, 'master.dss'))));
      expect(m.method).toBe(method);
    }
  });
});

describe('a load beyond what the feeder can carry', () => {
  /*
   * One 0.5 Ω line feeding a constant-power load that holds its power down to 1 % of its voltage
   * (vminpu=0.01): a real-power solution needs P ≤ Vs²/(4R) = 26.7 kW; 60 kW has none.
   */
  const TEXT = `
    clear
    New Circuit.c basekv=0.4 pu=1 phases=3 R1=0 X1=0.000001 R0=0 X0=0.000001
    New Line.l bus1=sourcebus.1 bus2=b.1 phases=1 r1=0.5 x1=0 r0=0.5 x0=0 c1=0 c0=0 length=1
    New Load.ld bus1=b.1 phases=1 kV=0.23094 kW=60 kvar=0 model=1 vminpu=0.01 vlowpu=0.005
  `;
  it('is reported as not converged, with finite voltages, by both iterations', () => {
    // the same feeder at 20 kW (below the limit) converges: the failure is the load's, not the setup's
    const feasible = models(TEXT.replace('kW=60', 'kW=20'));
    for (const m of [feasible.dense, feasible.sparse]) expect(solved(m, 1e-10).status.converged).toBe(true);
    const { dense, sparse } = models(TEXT);
    for (const m of [dense, sparse]) {
      for (const accelerate of [false, true]) {
        const { status, state } = solved(m, 1e-10, accelerate);
        expect(status.converged).toBe(false);
        expect(status.iterations).toBeLessThanOrEqual(500);
        for (let k = 0; k < m.nNodes; k++) expect(Number.isFinite(state.vRe[k]) && Number.isFinite(state.vIm[k])).toBe(true);
        // the voltages are the last iterate's, not the no-load start: the load pulled them down
        const b = [...m.busNodes[m.network.busIndex.get('b')!]][0];
        expect(Math.hypot(state.vRe[b], state.vIm[b])).toBeLessThan(0.95 * Math.hypot(m.v0Re[b], m.v0Im[b]));
      }
    }
  });
});

describe('source scale (the ideal regulator of regulate.ts)', () => {
  it('scaling every EMF by a equals the circuit with its source pu times a, in both iterations', () => {
    const base = radial(12);
    const scaled = base.replace('pu=1.03', `pu=${1.03 * 1.04}`);
    const a = models(base);
    const b = models(scaled);
    for (const method of ['dense', 'sparse'] as const) {
      const m = a[method];
      const powers = newLoadPowers(m);
      setLoadPowersAt(m, 0, 'snapshot', powers);
      const state = new PowerFlowState(m);
      state.setSourceScale(1.04);
      expect(state.solve(powers, { tolerance: 1e-12 }).converged).toBe(true);
      const ref = solved(b[method], 1e-12);
      expect(maxDiffPu(m, state, ref.state)).toBeLessThan(1e-10);
    }
  });
});

describe('a warm-started series (the acceleration keeps its history from step to step)', () => {
  it('gives at every step the solution of the plain iteration', () => {
    const { sparse: m } = models(radial(30));
    const base = newLoadPowers(m);
    setLoadPowersAt(m, 0, 'snapshot', base);
    const powers = newLoadPowers(m);
    const fast = new PowerFlowState(m);
    const plain = new PowerFlowState(m);
    let fastIterations = 0;
    let plainIterations = 0;
    for (let step = 0; step < 40; step++) {
      // a load profile that swings between 20 % and 180 % of base, branch by branch
      for (let k = 0; k < m.nBr; k++) {
        const f = 1 + 0.8 * Math.sin(0.3 * step + k);
        powers.pW[k] = base.pW[k] * f;
        powers.qVar[k] = base.qVar[k] * f;
      }
      const a = fast.solve(powers, { tolerance: 1e-10 });
      const b = plain.solve(powers, { tolerance: 1e-10, accelerate: false });
      expect(a.converged && b.converged).toBe(true);
      expect(maxDiffPu(m, fast, plain)).toBeLessThan(1e-8);
      fastIterations += a.iterations;
      plainIterations += b.iterations;
    }
    expect(fastIterations).toBeLessThan(plainIterations);
  });
});

describe('power conversion elements in both iterations', () => {
  /*
   * The radial feeder with a Generator of each branch model among its loads: model 1 (constant PQ in
   * its band), model 1 pushed above its Vmaxpu (constant Z), a model-3 generator holding 1.02 pu
   * (the outer kvar loop of pv-generators.ts), a current-limited PVSystem and a discharging and a
   * charging Storage. Both iterations must reach the same voltages and the same model-3 kvar.
   */
  const text = `${radial(30)}New Generator.g1 bus1=b4 phases=3 kV=12.47 kW=900 pf=0.92
New Generator.g2 bus1=x7.1 phases=1 kV=7.2 kW=250 pf=1 Vmaxpu=1.0
New Generator.g3 bus1=b20 phases=3 kV=12.47 kW=600 model=3 Vpu=1.02 maxkvar=3000 minkvar=-3000
New PVSystem.pv bus1=b12 phases=3 kV=12.47 kVA=800 Pmpp=700 irradiance=0.9 LimitCurrent=yes
New Storage.s1 bus1=b27 phases=3 kV=12.47 kWrated=500 kWhrated=2000 %stored=60 State=discharging %Discharge=75
New Storage.s2 bus1=x9.3 phases=1 kV=7.2 kWrated=200 kWhrated=800 %stored=20 State=charging kvar=50
`;
  it('agree at every node when solved to 1e-12, the model-3 generator at its set voltage', () => {
    const { dense, sparse } = models(text);
    expect([dense.method, sparse.method]).toEqual(['dense', 'sparse']);
    expect(dense.network.pces.length).toBe(6);
    expect(dense.pvGenerators.length).toBe(1);
    const { d, s } = solvedThreeWays(dense, sparse);
    // the model-3 generator holds its bus at 1.02 pu (positive sequence of its phases) in the sparse iteration
    const nodes = [...sparse.busNodes[sparse.network.busIndex.get('b20')!]].slice(0, 3);
    const vln = (12.47e3 / Math.sqrt(3)) * 1.02;
    const mean = nodes.reduce((acc, k) => acc + Math.hypot(s.state.vRe[k], s.state.vIm[k]), 0) / 3;
    expect(Math.abs(mean / vln - 1)).toBeLessThan(0.01);
    // the generation changed the voltages: without it the solution differs
    const { dense: noGen } = models(radial(30));
    const n = solved(noGen, 1e-12);
    let moved = 0;
    for (let k = 0; k < noGen.nNodes; k++) moved = Math.max(moved, Math.hypot(n.state.vRe[k] - d.state.vRe[k], n.state.vIm[k] - d.state.vIm[k]) / noGen.nodeVScale[k]);
    expect(moved).toBeGreaterThan(0.005);
  });

  it('with the source EMF scaled, in both iterations', () => {
    const { dense, sparse } = models(text);
    const out = [dense, sparse].map((m) => {
      const powers = newLoadPowers(m);
      setLoadPowersAt(m, 0, 'snapshot', powers);
      const state = new PowerFlowState(m);
      state.setSourceScale(0.97);
      expect(state.solve(powers, { tolerance: 1e-12, maxIterations: 500 }).converged).toBe(true);
      return state;
    });
    expect(maxDiffPu(dense, out[0], out[1])).toBeLessThan(1e-10);
  });
});
