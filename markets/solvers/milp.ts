/**
 * One interface for the mixed-integer linear programs lemsim hands to a solver, and a registry of
 * backends by name (DESIGN rule 6). A model is plain arrays, not solver text, so each adapter owns its
 * own format (CPLEX LP text for HiGHS, a JSON model for javascript-lp-solver) and the caller never
 * depends on one. Loading is asynchronous (HiGHS compiles WebAssembly once); `solve` is synchronous,
 * so a clearing that holds a loaded solver stays a pure, synchronous function.
 *
 * A solve that does not prove an optimum is a status, never an exception and never NaN
 * (DESIGN rule 8): callers decide what an infeasible or failed model means for them.
 */

/** A variable of a MILP. `upper` may be `Infinity`; `lower` is finite. */
export interface MilpVariable {
  readonly name: string;
  /** Objective coefficient (maximised). */
  readonly objective: number;
  readonly lower: number;
  readonly upper: number;
  readonly integer: boolean;
}

/** A linear row `lower ≤ Σ coefficient·x[index] ≤ upper` (either bound may be infinite). */
export interface MilpRow {
  readonly name: string;
  readonly indices: readonly number[];
  readonly coefficients: readonly number[];
  readonly lower: number;
  readonly upper: number;
}

/** A maximisation MILP. */
export interface MilpModel {
  /** Names the model in error messages. */
  readonly name: string;
  readonly variables: readonly MilpVariable[];
  readonly rows: readonly MilpRow[];
}

export type MilpStatus = 'optimal' | 'infeasible' | 'unbounded' | 'time_limit' | 'failed';

/** What a backend returns. `values` (one per variable) and `objective` are meaningful only when `optimal`. */
export interface MilpSolution {
  readonly status: MilpStatus;
  readonly objective: number;
  readonly values: Float64Array;
  /** The backend's own status or error text, for messages. */
  readonly detail: string;
}

export type MilpSolverName = 'highs' | 'lp-solver';
export const milpSolverNames: readonly MilpSolverName[] = ['highs', 'lp-solver'];

export interface MilpSolveOptions {
  /** Wall-clock limit in seconds; the status is `time_limit` when it is hit. */
  readonly timeLimitS?: number;
}

/** A loaded backend. `solve` never throws for a solver outcome; it reports a status. */
export interface MilpSolver {
  readonly name: MilpSolverName;
  solve(model: MilpModel, options?: MilpSolveOptions): MilpSolution;
}

/** A failed solution carrying `detail`. */
export function failedSolution(model: MilpModel, status: Exclude<MilpStatus, 'optimal'>, detail: string): MilpSolution {
  return { status, objective: 0, values: new Float64Array(model.variables.length), detail };
}

/** Loads a backend by name (the registry of DESIGN rule 6: one line per backend). */
export async function loadMilpSolver(name: MilpSolverName): Promise<MilpSolver> {
  switch (name) {
    case 'highs':
      return (await import('./highs-milp.js')).loadHighsMilp();
    case 'lp-solver':
      return (await import('./lp-solver.js')).loadLpSolver();
  }
}
