/**
 * The javascript-lp-solver backend of the MILP interface (pure JavaScript, no WebAssembly): the
 * alternative the project supports where HiGHS cannot load. Its JSON model has no variable bounds,
 * so finite upper bounds become one-variable rows; variables are named by index (`x0`, …) and the
 * objective by a name no user id can take.
 */
import { createRequire } from 'node:module';
import { type MilpModel, type MilpSolution, type MilpSolveOptions, type MilpSolver, failedSolution } from './milp.js';

interface LpSolverResult {
  readonly feasible: boolean;
  readonly bounded?: boolean;
  readonly result: number;
  readonly [name: string]: number | boolean | undefined;
}
interface LpSolverModule {
  Solve(model: unknown): LpSolverResult;
}

const OBJ = '__objective';

/** Builds the javascript-lp-solver JSON model. Exported for tests. */
export function toLpSolverModel(model: MilpModel, options: MilpSolveOptions = {}): Record<string, unknown> {
  const constraints: Record<string, { min?: number; max?: number; equal?: number }> = {};
  const variables: Record<string, Record<string, number>> = {};
  const ints: Record<string, 1> = {};
  model.variables.forEach((v, i) => {
    const coefs: Record<string, number> = { [OBJ]: v.objective };
    if (Number.isFinite(v.upper)) {
      constraints[`ub${i}`] = { max: v.upper };
      coefs[`ub${i}`] = 1;
    }
    if (v.lower !== 0) {
      constraints[`lb${i}`] = { min: v.lower };
      coefs[`lb${i}`] = 1;
    }
    variables[`x${i}`] = coefs;
    if (v.integer) ints[`x${i}`] = 1;
  });
  model.rows.forEach((r, k) => {
    const name = `r${k}`;
    constraints[name] =
      r.lower === r.upper
        ? { equal: r.lower }
        : { ...(Number.isFinite(r.lower) ? { min: r.lower } : {}), ...(Number.isFinite(r.upper) ? { max: r.upper } : {}) };
    for (let t = 0; t < r.indices.length; t++) {
      const c = variables[`x${r.indices[t]}`];
      c[name] = (c[name] ?? 0) + r.coefficients[t];
    }
  });
  return {
    optimize: OBJ,
    opType: 'max',
    constraints,
    variables,
    ints,
    ...(options.timeLimitS !== undefined ? { options: { timeout: options.timeLimitS * 1000 } } : {}),
  };
}

/** Loads javascript-lp-solver behind the MILP interface. */
export async function loadLpSolver(): Promise<MilpSolver> {
  const require = createRequire(import.meta.url);
  const lp = require('javascript-lp-solver') as LpSolverModule & { default?: LpSolverModule };
  const solver = typeof lp.Solve === 'function' ? lp : (lp.default as LpSolverModule);
  return {
    name: 'lp-solver',
    solve(model: MilpModel, options: MilpSolveOptions = {}): MilpSolution {
      if (model.variables.length === 0) return { status: 'optimal', objective: 0, values: new Float64Array(0), detail: 'empty' };
      let res: LpSolverResult;
      const start = process.hrtime.bigint();
      try {
        res = solver.Solve(toLpSolverModel(model, options));
      } catch (err) {
        return failedSolution(model, 'failed', `lp-solver: ${(err as Error).message}`);
      }
      // the solver stops silently at its timeout and returns its incumbent: only the clock tells
      const elapsedS = Number(process.hrtime.bigint() - start) / 1e9;
      if (options.timeLimitS !== undefined && elapsedS >= options.timeLimitS) {
        return failedSolution(model, 'time_limit', `lp-solver: stopped at the ${options.timeLimitS} s limit`);
      }
      if (!res.feasible) return failedSolution(model, 'infeasible', 'lp-solver: infeasible');
      if (res.bounded === false) return failedSolution(model, 'unbounded', 'lp-solver: unbounded');
      if (!Number.isFinite(res.result)) return failedSolution(model, 'failed', `lp-solver: objective ${String(res.result)}`);
      const values = new Float64Array(model.variables.length);
      // the solver omits variables at zero
      for (let i = 0; i < values.length; i++) {
        const x = res[`x${i}`];
        values[i] = typeof x === 'number' ? x : 0;
      }
      return { status: 'optimal', objective: res.result, values, detail: 'optimal' };
    },
  };
}
