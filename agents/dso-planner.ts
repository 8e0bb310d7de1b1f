/**
 * DSO planner (seed 000, Figure 2 loop): after each run it adds Standard Battery Units at the buses
 * that had violations — one unit at a bus the first time, then the next size of `unit_steps`
 * (1 → 3 → 5) where violations persist — and asks for another iteration. It stops when violations
 * are gone, when the iteration limit is reached, or when violations stop falling (the paper shows
 * they can rise again with larger batteries: that is reported, not hidden).
 */
import type { AgentKind } from './agent.js';

export interface DsoPlannerConfig {
  readonly enabled: boolean;
  readonly maxIterations: number;
  readonly unitSteps: readonly number[];
  /** batteries already placed: bus → units */
  readonly placed: Readonly<Record<string, number>>;
  /** violations of the previous iterations, oldest first */
  readonly history: readonly number[];
  readonly iteration: number;
}

export interface DsoPlannerState extends DsoPlannerConfig {
  readonly id: string;
  readonly decision: string | undefined;
}

/** Next size for a bus: the first step for a new bus, else the next larger step (capped at the last). */
export function nextUnits(steps: readonly number[], current: number | undefined): number {
  if (current === undefined) return steps[0];
  const larger = steps.find((s) => s > current);
  return larger ?? steps[steps.length - 1];
}

export const dsoPlannerKind: AgentKind<DsoPlannerState, DsoPlannerConfig> = {
  kind: 'dso-planner',
  handles: ['run-completed'],
  init: (id, config) => ({ id, ...config, decision: undefined }),
  transition(state, event) {
    if (event.type !== 'run-completed') return { state };
    const v = event.payload.violations;
    const prev = state.history.length > 0 ? state.history[state.history.length - 1] : undefined;
    const stop = (decision: string) => ({ state: { ...state, decision } });
    const failed = event.payload.nonConvergedSteps;
    // voltages of a non-converged sub-step are unknown: "no violations" would be a quiet zero
    if (failed > 0) return stop(`power flow did not converge at ${failed} sub-steps: violations unknown, no reinforcement planned`);
    if (v === 0) return stop('no violations');
    if (!state.enabled) return stop('reinforcement disabled');
    if (state.iteration + 1 >= state.maxIterations) return stop(`iteration limit (${state.maxIterations}) reached with ${v} violations`);
    if (prev !== undefined && v >= prev) return stop(`violations stopped falling (${prev} → ${v})`);
    const added = [...new Set(event.payload.violatingBuses)]
      .sort()
      .map((bus) => ({ bus, units: nextUnits(state.unitSteps, state.placed[bus]) }))
      .filter((a) => a.units !== state.placed[a.bus]);
    if (added.length === 0) return stop(`every violating bus already has ${state.unitSteps[state.unitSteps.length - 1]} units`);
    return {
      state: { ...state, decision: `reinforce ${added.length} buses` },
      emit: [{ type: 'reinforced', time: event.time, payload: { added, reason: `${v} violations at ${event.payload.violatingBuses.length} buses` } }],
    };
  },
};
