/**
 * Why a solve after a control action starts from no load on ckt5 (static-control.ts,
 * discontinuousLoadLaw): its 1,379 CVR loads (model 4, CVRwatts 0.8, CVRvars 3) follow OpenDSS's
 * DoCVRModel, whose current jumps when the voltage crosses Vminpu = 0.95 (below it the law starts
 * from the constant-power admittance, +4.2 % in P and +16.7 % in Q), and several load phases sit
 * at 0.949–0.951 pu. After its capacitor controls act, the circuit has two solutions: the one a
 * solve from no load reaches (OpenDSS's, tested in test/validation/opendss-controls.test.ts) and
 * one a solve from the previous solution reaches, ~1.9e-3 pu away, with some load phases on the
 * other side of 0.95. Both are fixed points to 1e-10.
 */
import { expect, it } from 'vitest';
import { discontinuousLoadLaw, startControls } from '../../../grid/controls/static-control.js';
import { loadFeeder } from '../../../grid/feeder.js';
import { PowerFlowState, newLoadPowers, setLoadPowersAt } from '../../../grid/powerflow/solve.js';
import { sharedPath } from '../../../src/shared-data.js';
import { describeWithShared } from '../../helpers/shared.js';

const CKT5 = 'feeders/opendss-tests/EPRITestCircuits/ckt5/Master_ckt5.dss';

describeWithShared('ckt5 after its capacitor controls act: two solutions', [CKT5], () => {
  it('a warm start converges to a second fixed point, with load phases across Vminpu', () => {
    const feeder = loadFeeder(sharedPath(CKT5));
    expect(discontinuousLoadLaw(feeder.model)).toBe(true);
    const powers = newLoadPowers(feeder.model);
    setLoadPowersAt(feeder.model, 0, 'snapshot', powers);
    const options = { tolerance: 1e-10, maxIterations: 200 };
    // the solution before any action (one solve), then the controlled loop (cold after each action)
    const before = startControls(feeder, options, { maxControlIterations: 1 });
    before.solve(powers, { hour: 0, sec: 0 }, options);
    const pf = startControls(feeder, options);
    const status = pf.solve(powers, { hour: 0, sec: 0 }, options);
    expect(status.actions).toBeGreaterThan(0);
    const warm = new PowerFlowState(pf.model);
    warm.startFrom(before.vRe, before.vIm);
    expect(warm.solve(powers, options).converged).toBe(true);
    const m = pf.model;
    let worst = 0;
    for (let k = 0; k < m.nNodes; k++) worst = Math.max(worst, Math.hypot(warm.vRe[k] - pf.vRe[k], warm.vIm[k] - pf.vIm[k]) / m.nodeVScale[k]);
    expect(worst).toBeGreaterThan(1e-3);
    const vpu = (vRe: Float64Array, vIm: Float64Array, k: number) => {
      const a = m.brA[k];
      const b = m.brB[k];
      return Math.hypot((a >= 0 ? vRe[a] : 0) - (b >= 0 ? vRe[b] : 0), (a >= 0 ? vIm[a] : 0) - (b >= 0 ? vIm[b] : 0)) / m.brVBase[k];
    };
    let across = 0;
    for (let k = 0; k < m.nBr; k++) if (vpu(pf.vRe, pf.vIm, k) > m.brVminPu[k] !== vpu(warm.vRe, warm.vIm, k) > m.brVminPu[k]) across++;
    expect(across, 'load phases on the other side of Vminpu').toBeGreaterThan(0);
  });
});
