/**
 * Bounds on the work one command may be asked for (issue 11): inputs beyond them are refused at
 * input with a message that says why, instead of running without end or out of memory.
 */

/**
 * Power-flow convergence tolerances (per unit of voltage change) that lemsim accepts: tighter than
 * 1e-14 is below double-precision noise on a 1 pu voltage and never converges; looser than 1e-2 is
 * no longer a power flow (OpenDSS's default is 1e-4). The power-balance invariant scales with the
 * tolerance (grid/powerflow/result.ts), so any tolerance in the range passes it when converged.
 */
export const TOLERANCE_RANGE_PU = { min: 1e-14, max: 1e-2 } as const;

/** Power flows one reinforcement iteration of `lemsim run` may take: 23 days of 1-second steps. */
export const MAX_SUBSTEPS_PER_ITERATION = 2_000_000;

/** The most steps one `lemsim timeseries` may take: a year of 1-minute steps, or 11.5 days of 1-second steps. */
export const MAX_TIMESERIES_STEPS = 1_000_000;
