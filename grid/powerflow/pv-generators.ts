/**
 * Generator model 3 (constant P and |V|, OpenDSS DoPVTypeGen): each such generator's kvar is
 * adjusted until the average magnitude of its terminal voltages (L-N for wye; L-L/√3 for delta)
 * equals its target Vpu·kV, within its minkvar…maxkvar. OpenDSS nudges Q inside its fixed-point
 * iteration (Q += PVFactor·dQ/dV·ΔV each iteration); lemsim solves the same condition exactly with
 * an outer secant iteration on each generator's own sensitivity, re-solving the network (warm
 * started) after each update, until every |V − Vtarget| ≤ tolerance·Vtarget or the kvar is at a
 * limit. The fixed point is the same; only the path to it differs.
 */
import type { LoadPowers, PowerFlowState, SolveOptions, SolveStatus } from './solve.js';
import { setPceBranchPowers } from './pce-power.js';
import type { GeneratorPce } from '../model/pces.js';

const MAX_OUTER = 60;

/** Average terminal voltage magnitude of a generator as OpenDSS's V_Avg (V). */
function averageVoltage(state: PowerFlowState, pi: number): number {
  const m = state.model;
  const pce = m.network.pces[pi];
  let sum = 0;
  for (let k = m.pceBrStart[pi]; k < m.pceBrStart[pi + 1]; k++) {
    const a = m.brA[k];
    const b = m.brB[k];
    const vr = (a >= 0 ? state.vRe[a] : 0) - (b >= 0 ? state.vRe[b] : 0);
    const vi = (a >= 0 ? state.vIm[a] : 0) - (b >= 0 ? state.vIm[b] : 0);
    sum += Math.sqrt(vr * vr + vi * vi);
  }
  return pce.conn === 'delta' ? sum / (Math.sqrt(3) * pce.phases) : sum / pce.phases;
}

/** Runs the outer kvar iteration after a converged solve; returns the final status. */
export function solveVoltageControlledGenerators(state: PowerFlowState, powers: LoadPowers, options: SolveOptions, first: SolveStatus): SolveStatus {
  const m = state.model;
  const gens = m.pvGenerators;
  const tol = options.tolerance ?? 1e-10;
  const n = gens.length;
  const q = new Float64Array(n);
  const p = new Float64Array(n);
  const slope = new Float64Array(n).fill(Number.NaN);
  const lastQ = new Float64Array(n).fill(Number.NaN);
  const lastV = new Float64Array(n).fill(Number.NaN);
  for (let j = 0; j < n; j++) {
    const pi = gens[j];
    const k0 = m.pceBrStart[pi];
    const ph = m.network.pces[pi].phases;
    p[j] = (-powers.pW[k0] * ph) / 1000;
    q[j] = (-powers.qVar[k0] * ph) / 1000;
  }
  let iterations = first.iterations;
  let status = first;
  for (let outer = 0; outer < MAX_OUTER; outer++) {
    let done = true;
    for (let j = 0; j < n; j++) {
      const pi = gens[j];
      const g = m.network.pces[pi] as GeneratorPce;
      const v = averageVoltage(state, pi);
      const err = g.vTarget - v;
      if (!Number.isNaN(lastQ[j]) && q[j] !== lastQ[j]) {
        const s = (v - lastV[j]) / (q[j] - lastQ[j]);
        if (Number.isFinite(s) && s > 0) slope[j] = s;
      }
      lastQ[j] = q[j];
      lastV[j] = v;
      if (Math.abs(err) <= tol * g.vTarget) continue;
      if ((err > 0 && q[j] >= g.kvarMax) || (err < 0 && q[j] <= g.kvarMin)) continue;
      done = false;
      // first step: a bump of 1 % of the kvar range to measure dV/dQ
      const step = Number.isNaN(slope[j]) ? Math.sign(err) * Math.max(0.01 * (g.kvarMax - g.kvarMin), 1e-3) : err / slope[j];
      q[j] = Math.min(Math.max(q[j] + step, g.kvarMin), g.kvarMax);
      setPceBranchPowers(m, pi, p[j], q[j], powers);
      powers.pce?.genKvar.set([q[j]], pi);
    }
    if (done) return { ...status, iterations };
    status = state.solve(powers, options);
    iterations += status.iterations;
    if (!status.converged) return { ...status, iterations };
  }
  return { converged: false, iterations, lastChangePu: status.lastChangePu };
}
