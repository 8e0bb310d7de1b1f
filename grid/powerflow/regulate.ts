/**
 * An ideal voltage regulator: holds the mean phase-to-neutral voltage of one bus at a setpoint by
 * scaling every source's EMF, as a continuously tapping on-load tap changer (or an OpenDSS Vsource
 * whose `pu` is reset before each solve) would. Seed 004, Sect. 3.4: "the tap changer ratio is set
 * to 1.05 at the secondary side of the transformer, the voltage level at the bus 1 is 1.05 p.u. in
 * all scenarios". The network is linear in the EMF apart from the loads, so the outer loop
 * a ← a · setpoint / v(a) converges in a few warm-started solves (the bus's sensitivity to a is ≈ 1).
 * The OpenDSS equivalent of a regulated solve with scale a is the same circuit with the Vsource's
 * `pu` multiplied by a (test/grid/powerflow/regulate.test.ts checks it against OpenDSS).
 */
import type { LoadPowers, PowerFlowState, SolveOptions, SolveStatus } from './solve.js';

export interface RegulatedNodes {
  /** phase nodes of the regulated bus (system node indices) */
  readonly nodes: readonly number[];
  /** their line-to-neutral base, V */
  readonly baseV: number;
  /** setpoint of their mean magnitude, pu */
  readonly setpointPu: number;
}

export interface RegulatedStatus extends SolveStatus {
  /** EMF scale of the final solve */
  readonly sourceScale: number;
  /** power-flow solves the regulation took */
  readonly solves: number;
  /** mean magnitude of the regulated nodes at the final solve, pu */
  readonly regulatedPu: number;
}

/** Mean voltage magnitude of the nodes, pu of `baseV`. */
export function meanNodePu(pf: PowerFlowState, reg: RegulatedNodes): number {
  let s = 0;
  for (const k of reg.nodes) s += Math.hypot(pf.vRe[k], pf.vIm[k]);
  return s / reg.nodes.length / reg.baseV;
}

/**
 * Solves with the regulated bus held at its setpoint to `tolerancePu` (default: the solve
 * tolerance); starts from the state's present scale (the last sub-step's tap). Not converged when
 * a solve diverges or the loop does not settle within `maxOuter` solves.
 */
export function solveRegulated(pf: PowerFlowState, powers: LoadPowers, reg: RegulatedNodes, options: SolveOptions & { tolerancePu?: number; maxOuter?: number } = {}): RegulatedStatus {
  const tol = options.tolerancePu ?? Math.max(options.tolerance ?? 1e-10, 1e-12);
  const maxOuter = options.maxOuter ?? 30;
  let iterations = 0;
  for (let solves = 1; solves <= maxOuter; solves++) {
    const st = pf.solve(powers, options);
    iterations += st.iterations;
    if (!st.converged) return { ...st, iterations, sourceScale: pf.sourceScale, solves, regulatedPu: meanNodePu(pf, reg) };
    const v = meanNodePu(pf, reg);
    if (Math.abs(v - reg.setpointPu) <= tol) return { ...st, iterations, sourceScale: pf.sourceScale, solves, regulatedPu: v };
    pf.setSourceScale((pf.sourceScale * reg.setpointPu) / v);
  }
  const v = meanNodePu(pf, reg);
  return { converged: false, iterations, lastChangePu: Math.abs(v - reg.setpointPu), sourceScale: pf.sourceScale, solves: maxOuter, regulatedPu: v };
}
