/**
 * Writing community-market QPs as CPLEX LP-format text for HiGHS (`solveLpFormat`).
 *
 * HiGHS's tolerances are absolute (1e-7 by default), and market coefficients are small (prices
 * ~0.05 EUR/kWh, curvatures ~0.001): written as they are, even a one-battery QP made HiGHS's
 * active-set solver spin forever. The objective is therefore written in milli-euros
 * (`OBJECTIVE_SCALE`), and duals read back are divided by it.
 */

/** Objective written in EUR × this factor. */
export const OBJECTIVE_SCALE = 1000;

/**
 * A number for the LP text. Magnitudes below 1e-12 are written as 0: HiGHS was also seen to hang
 * on coefficients like 1e-250, and nothing in a market is measured that finely.
 */
export function lpNumber(v: number): string {
  return Math.abs(v) < 1e-12 ? '0' : String(v);
}

/** A signed linear term `± |v| name` of a constraint row. */
export function lpTerm(v: number, name: string): string {
  return `${v < 0 ? '-' : '+'} ${lpNumber(Math.abs(v))} ${name}`;
}

/** A signed linear objective term, `v` in EUR (scaled here). */
export function objectiveTerm(vEur: number, name: string): string {
  return lpTerm(vEur * OBJECTIVE_SCALE, name);
}

/** A quadratic objective entry `q name ^ 2` of the `[ … ] / 2` section, `q` in EUR per unit² (scaled here). */
export function quadraticTerm(qEur: number, name: string): string {
  return `${lpNumber(qEur * OBJECTIVE_SCALE)} ${name} ^ 2`;
}

/** Assembles a minimisation model. */
export function lpModel(linear: readonly string[], quadratic: readonly string[], rows: readonly string[], bounds: readonly string[]): string {
  const obj = linear.length > 0 ? linear.join(' ') : '0 x_unused';
  const quad = quadratic.length > 0 ? ` + [ ${quadratic.join(' + ')} ] / 2` : '';
  return ['Minimize', ` obj: ${obj}${quad}`, 'Subject To', ...rows.map((r) => ` ${r}`), 'Bounds', ...bounds.map((b) => ` ${b}`), 'End', ''].join('\n');
}
