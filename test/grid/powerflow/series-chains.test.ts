/**
 * Folding series chains out of the nodal matrix is exact: every node voltage equals the one of the
 * unreduced solve. The feeder below has chains of two and three segments, a branch point, a chain
 * ending in a single-phase tap, and a capacitive line that must stay in the matrix. The first chain
 * mixes two line codes (interior voltages through Z(a→m)), the others are uniform (V_m by the
 * fraction α_m of the chain's impedance).
 *
 *   source ═ tr ═ lv ─s1─ c1 ─s2─ c2 ─s3─ j ─s4─ d1 ─s5─ e (load 3φ)
 *                                         └─s6─ f1 ─s7─ g.2 (load 1φ)
 *                                         └─cap (C ≠ 0)─ h (load)
 */
import { describe, expect, it } from 'vitest';
import { buildNetwork } from '../../../grid/model/network.js';
import { loadDssCircuit } from '../../../grid/dss/interpreter.js';
import { compile } from '../../../grid/powerflow/compile.js';
import { PowerFlowState, newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { join } from 'node:path';
import { tempScripts } from '../../helpers/dss.js';

const SCRIPT = `
New Circuit.ch basekv=11 pu=1.0
New Transformer.tr buses=[sourcebus lv] conns=[delta wye] kVs=[11 0.4] kVAs=[400 400] XHL=4
New LineCode.lc nphases=3 r1=0.2 x1=0.08 r0=0.6 x0=0.3 c1=0 c0=0 units=km
New LineCode.cc nphases=3 r1=0.2 x1=0.08 r0=0.6 x0=0.3 c1=300 c0=200 units=km
New Line.s1 bus1=lv bus2=c1 linecode=lc length=40 units=m
New LineCode.lc2 nphases=3 r1=0.32 x1=0.09 r0=0.9 x0=0.35 c1=0 c0=0 units=km
New Line.s2 bus1=c1 bus2=c2 linecode=lc2 length=25 units=m
New Line.s3 bus1=c2 bus2=j linecode=lc length=30 units=m
New Line.s4 bus1=j bus2=d1 linecode=lc length=60 units=m
New Line.s5 bus1=d1 bus2=e linecode=lc length=10 units=m
New Line.s6 bus1=j bus2=f1 linecode=lc length=15 units=m
New Line.s7 bus1=f1.2 bus2=g.2 phases=1 r1=0.3 x1=0.05 r0=0.3 x0=0.05 c1=0 c0=0 length=0.05 units=km
New Line.cap bus1=j bus2=h linecode=cc length=200 units=m
New Load.e bus1=e phases=3 kV=0.4 kW=30 pf=0.9
New Load.g bus1=g.2 phases=1 kV=0.23 kW=7 pf=0.95
New Load.h bus1=h phases=3 kV=0.4 kW=12 pf=0.97 model=2
`;

describe('series-chain folding', () => {
  it('gives the same voltages as the unreduced matrix at every node', () => {
    const dir = tempScripts({ 'm.dss': SCRIPT });
    const network = buildNetwork(loadDssCircuit(join(dir, 'm.dss')));
    const folded = compile(network);
    const plain = compile(network, { foldSeriesChains: false });
    expect(folded.chains.count).toBeGreaterThan(0);
    expect(folded.nMatrix).toBeLessThan(plain.nMatrix);
    expect(plain.chains.count).toBe(0);
    // both interior-voltage forms are exercised: a mixed chain and uniform ones
    expect([...folded.chains.uniform].sort()).toEqual([0, ...Array(folded.chains.count - 1).fill(1)]);
    // the capacitive line's far end stays in the matrix
    const h = network.busIndex.get('h')!;
    expect(folded.chains.interiorBus[h]).toBe(0);
    const solve = (m: typeof folded) => {
      const p = newLoadPowers(m);
      setLoadPowersAt(m, 0, 'snapshot', p);
      const st = new PowerFlowState(m);
      expect(st.solve(p, { tolerance: 1e-13 }).converged).toBe(true);
      return st;
    };
    const a = solve(folded);
    const b = solve(plain);
    let worst = 0;
    for (let k = 0; k < plain.nNodes; k++) {
      worst = Math.max(worst, Math.hypot(a.vRe[k] - b.vRe[k], a.vIm[k] - b.vIm[k]) / 230);
    }
    expect(worst).toBeLessThan(1e-11);
  });
});
