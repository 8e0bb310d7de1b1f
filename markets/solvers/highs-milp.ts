/**
 * The HiGHS backend of the MILP interface: writes the model as CPLEX LP text (the format
 * `solveLpFormat` already speaks) and reads the primal values back by column name. Columns are named
 * by index (`x0`, `x1`, …) so no user id ever has to be escaped into LP syntax.
 */
import { type MilpModel, type MilpSolution, type MilpSolveOptions, type MilpSolver, failedSolution } from './milp.js';
import { type HighsSolution, loadHighs } from './highs.js';

/**
 * Gaps tight enough that a 0.5 kW block at a 0.001 EUR/kWh price difference is never given up, and
 * feasibility tolerances at the clearing's 1 mW so a balance row is never "satisfied" by round-off.
 */
const highsMipOptions = {
  output_flag: false,
  mip_rel_gap: 1e-9,
  mip_abs_gap: 1e-12,
  primal_feasibility_tolerance: 1e-9,
  mip_feasibility_tolerance: 1e-9,
} as const;

function num(x: number): string {
  // LP format reads exponent notation; String() of a finite double round-trips exactly
  return String(x);
}

function linear(indices: readonly number[], coefficients: readonly number[]): string {
  const parts: string[] = [];
  for (let k = 0; k < indices.length; k++) {
    const c = coefficients[k];
    if (c === 0) continue;
    parts.push(`${c < 0 ? '-' : '+'} ${num(Math.abs(c))} x${indices[k]}`);
    // keep lines short: LP readers are line-oriented and some cap line length
    if (parts.length % 8 === 0) parts.push('\n ');
  }
  return parts.length === 0 ? '0 x0' : parts.join(' ');
}

/** Renders a model as CPLEX LP text. Exported for tests and debugging. */
export function toLpText(model: MilpModel): string {
  const n = model.variables.length;
  const objIdx: number[] = [];
  const objCoef: number[] = [];
  model.variables.forEach((v, i) => {
    objIdx.push(i);
    objCoef.push(v.objective);
  });
  const out: string[] = ['Maximize', ` obj: ${n === 0 ? '0' : linear(objIdx, objCoef)}`, 'Subject To'];
  model.rows.forEach((r, i) => {
    const expr = linear(r.indices, r.coefficients);
    if (r.lower === r.upper) out.push(` r${i}: ${expr} = ${num(r.lower)}`);
    else {
      if (Number.isFinite(r.lower)) out.push(` r${i}lo: ${expr} >= ${num(r.lower)}`);
      if (Number.isFinite(r.upper)) out.push(` r${i}up: ${expr} <= ${num(r.upper)}`);
    }
  });
  out.push('Bounds');
  model.variables.forEach((v, i) => {
    out.push(Number.isFinite(v.upper) ? ` ${num(v.lower)} <= x${i} <= ${num(v.upper)}` : ` x${i} >= ${num(v.lower)}`);
  });
  const ints = model.variables.flatMap((v, i) => (v.integer ? [`x${i}`] : []));
  if (ints.length > 0) {
    out.push('General');
    for (let k = 0; k < ints.length; k += 16) out.push(` ${ints.slice(k, k + 16).join(' ')}`);
  }
  out.push('End', '');
  return out.join('\n');
}

function statusOf(s: string): MilpSolution['status'] {
  switch (s) {
    case 'Optimal':
      return 'optimal';
    case 'Infeasible':
      return 'infeasible';
    case 'Unbounded':
    case 'Primal infeasible or unbounded':
      return 'unbounded';
    case 'Time limit reached':
      return 'time_limit';
    default:
      return 'failed';
  }
}

/** Loads HiGHS (WebAssembly, compiled once per process) behind the MILP interface. */
export async function loadHighsMilp(): Promise<MilpSolver> {
  const highs = await loadHighs();
  return {
    name: 'highs',
    solve(model: MilpModel, options: MilpSolveOptions = {}): MilpSolution {
      if (model.variables.length === 0) return { status: 'optimal', objective: 0, values: new Float64Array(0), detail: 'empty' };
      let sol: HighsSolution;
      try {
        sol = highs.solve(toLpText(model), {
          ...highsMipOptions,
          ...(options.timeLimitS !== undefined ? { time_limit: options.timeLimitS } : {}),
        });
      } catch (err) {
        return failedSolution(model, 'failed', `highs: ${(err as Error).message}`);
      }
      const status = statusOf(sol.Status);
      if (status !== 'optimal') return failedSolution(model, status, `highs: ${sol.Status}`);
      const values = new Float64Array(model.variables.length);
      for (let i = 0; i < values.length; i++) values[i] = sol.Columns[`x${i}`]?.Primal ?? 0;
      return { status, objective: sol.ObjectiveValue, values, detail: sol.Status };
    },
  };
}
