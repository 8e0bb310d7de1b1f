/**
 * HiGHS (npm `highs`, a WebAssembly build of the HiGHS LP/MIP/QP solver) loaded once per process.
 * Models are handed over in CPLEX LP format. Used as the default MILP backend of the auction and as
 * the independent QP oracle of the community market.
 */
import { createRequire } from 'node:module';
import { SolverError } from '../errors.js';

/** What `highs.solve` returns, reduced to the fields lemsim reads. */
export interface HighsSolution {
  readonly Status: string;
  readonly ObjectiveValue: number;
  readonly Columns: Record<string, { readonly Primal: number; readonly Dual?: number; readonly Name: string }>;
  readonly Rows: ReadonlyArray<{ readonly Name: string; readonly Primal: number; readonly Dual?: number }>;
}

/** A loaded HiGHS module: `solve` is synchronous (the simulation clears day-ahead markets with it). */
export interface HighsModule {
  solve(problem: string, options?: Record<string, unknown>): HighsSolution;
}

let instance: Promise<HighsModule> | undefined;

/** The process-wide HiGHS instance (the WebAssembly module is compiled on first use). */
export function loadHighs(): Promise<HighsModule> {
  if (!instance) {
    const require = createRequire(import.meta.url);
    const factory = require('highs') as (opts?: unknown) => Promise<HighsModule>;
    instance = factory();
  }
  return instance;
}

/**
 * Solves a model given in CPLEX LP format. Throws `SolverError` naming `model` unless HiGHS reports
 * `Optimal`.
 */
export async function solveLpFormat(model: string, text: string, options: Record<string, unknown> = {}): Promise<HighsSolution> {
  return solveLpFormatWith(await loadHighs(), model, text, options);
}

/** `solveLpFormat` with an already loaded module: synchronous, for clearings inside the simulation. */
export function solveLpFormatWith(highs: HighsModule, model: string, text: string, options: Record<string, unknown> = {}): HighsSolution {
  let sol: HighsSolution;
  try {
    sol = highs.solve(text, { output_flag: false, ...options });
  } catch (err) {
    // a failed solve can leave the WebAssembly instance unusable: drop it so the next call starts afresh
    if (instance !== undefined) instance = undefined;
    throw new SolverError(model, 'error', (err as Error).message);
  }
  if (sol.Status !== 'Optimal') throw new SolverError(model, sol.Status);
  return sol;
}
