/**
 * DSO planner (seed 000, Figure 2 loop): after each run it adds Standard Battery Units at buses
 * with violations and asks for another iteration, by one of two rules (`reinforcement.rule`):
 *   - `paper` (seed 000, Sec. III Stage VI and Sec. IV-C/D): the base run has no batteries; one unit
 *     (the first of `unit_steps`) goes to every bus violating in it; from then on only buses whose
 *     violations persist — a battery bus still violating — grow to the next size (1 → 3 → 5), so
 *     configurations mix sizes as Tables IV and V do ("1 and 3", "1 and 5"). Buses that start
 *     violating later get no battery (the paper keeps the base case's buses: "the same buses were
 *     chosen"; they are reported). Every configuration is run: it stops only when violations are
 *     gone, no persisting bus can grow, or the iteration limit is reached — never because the count
 *     rose (the paper reports that rise, and so does lemsim).
 *   - `stop-on-no-improvement` (lemsim's earlier rule): every violating bus gets one unit or its
 *     next size; it stops when the count stops falling.
 * What is counted (`limits.count`): `violations` (element × sub-step) or `violation_episodes`
 * (element × market period).
 */
import type { AgentKind } from './agent.js';

export type ReinforcementRule = 'paper' | 'stop-on-no-improvement';

export interface DsoPlannerConfig {
  readonly enabled: boolean;
  readonly maxIterations: number;
  readonly unitSteps: readonly number[];
  readonly rule: ReinforcementRule;
  readonly count: 'violations' | 'violation_episodes';
  /** batteries already placed: bus → units */
  readonly placed: Readonly<Record<string, number>>;
  /** counted violations of the previous iterations, oldest first */
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

/** A configuration as Tables IV/V name it: the distinct unit sizes installed ("none", "1", "1 and 3"). */
export function configurationLabel(batteries: readonly { readonly units: number }[]): string {
  const sizes = [...new Set(batteries.map((b) => b.units))].sort((a, b) => a - b);
  return sizes.length === 0 ? 'none' : sizes.join(' and ');
}

export const dsoPlannerKind: AgentKind<DsoPlannerState, DsoPlannerConfig> = {
  kind: 'dso-planner',
  handles: ['run-completed'],
  init: (id, config) => ({ id, ...config, decision: undefined }),
  transition(state, event) {
    if (event.type !== 'run-completed') return { state };
    const v = state.count === 'violation_episodes' ? event.payload.violationEpisodes : event.payload.violations;
    const what = state.count === 'violation_episodes' ? 'violation episodes' : 'violations';
    const prev = state.history.length > 0 ? state.history[state.history.length - 1] : undefined;
    const stop = (decision: string) => ({ state: { ...state, decision } });
    const failed = event.payload.nonConvergedSteps;
    // voltages of a non-converged sub-step are unknown: "no violations" would be a quiet zero
    if (failed > 0) return stop(`power flow did not converge at ${failed} sub-steps: violations unknown, no reinforcement planned`);
    if (v === 0) return stop(`no ${what}`);
    if (!state.enabled) return stop('reinforcement disabled');
    if (state.iteration + 1 >= state.maxIterations) return stop(`iteration limit (${state.maxIterations}) reached with ${v} ${what}`);
    const violating = [...new Set(event.payload.violatingBuses)].sort();
    let added: { bus: string; units: number }[];
    if (state.rule === 'paper') {
      const first = Object.keys(state.placed).length === 0;
      // first reinforcement: every violating bus; then only battery buses still violating grow
      added = violating
        .filter((bus) => (first ? true : state.placed[bus] !== undefined))
        .map((bus) => ({ bus, units: nextUnits(state.unitSteps, state.placed[bus]) }))
        .filter((a) => a.units !== state.placed[a.bus]);
      if (added.length === 0) return stop(first ? `no bus to reinforce with ${v} ${what}` : `no persisting bus can grow beyond ${state.unitSteps[state.unitSteps.length - 1]} units (${v} ${what})`);
    } else {
      if (prev !== undefined && v >= prev) return stop(`${what} stopped falling (${prev} → ${v})`);
      added = violating.map((bus) => ({ bus, units: nextUnits(state.unitSteps, state.placed[bus]) })).filter((a) => a.units !== state.placed[a.bus]);
      if (added.length === 0) return stop(`every violating bus already has ${state.unitSteps[state.unitSteps.length - 1]} units`);
    }
    return {
      state: { ...state, decision: `reinforce ${added.length} buses` },
      emit: [{ type: 'reinforced', time: event.time, payload: { added, reason: `${v} ${what} at ${violating.length} buses` } }],
    };
  },
};
