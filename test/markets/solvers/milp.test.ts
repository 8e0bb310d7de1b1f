/**
 * The MILP interface and both backends on models solvable by hand, including the statuses that are
 * not an optimum (reported, never thrown), and `solveLpFormat` still working for its other users.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { solveLpFormat } from '../../../markets/solvers/highs.js';
import { toLpText } from '../../../markets/solvers/highs-milp.js';
import { type MilpModel, type MilpSolver, loadMilpSolver, milpSolverNames } from '../../../markets/solvers/milp.js';
import { SolverError } from '../../../src/errors.js';

const solvers: Record<string, MilpSolver> = {};
beforeAll(async () => {
  for (const name of milpSolverNames) solvers[name] = await loadMilpSolver(name);
});

/*
 * Knapsack: max 10a + 13b + 7c + 8y, 4a + 6b + 3c + y ≤ 9, a, b, c binary, 0 ≤ y ≤ 1.5 continuous.
 * {a, c} uses 7 → y = 1.5 (capped): 17 + 12 = 29; {b, c} uses 9 → y = 0: 20; {a} + y 1.5: 22;
 * {b} + y 1.5: 25. Optimum 29 at a = c = 1, b = 0, y = 1.5.
 */
const knapsack: MilpModel = {
  name: 'knapsack',
  variables: [
    { name: 'a', objective: 10, lower: 0, upper: 1, integer: true },
    { name: 'b', objective: 13, lower: 0, upper: 1, integer: true },
    { name: 'c', objective: 7, lower: 0, upper: 1, integer: true },
    { name: 'y', objective: 8, lower: 0, upper: 1.5, integer: false },
  ],
  rows: [{ name: 'cap', indices: [0, 1, 2, 3], coefficients: [4, 6, 3, 1], lower: -Infinity, upper: 9 }],
};

describe.each(milpSolverNames)('MILP backend %s', (name) => {
  it('solves the hand-solved knapsack', () => {
    const s = solvers[name].solve(knapsack);
    expect(s.status).toBe('optimal');
    expect(s.objective).toBeCloseTo(29, 9);
    expect(Array.from(s.values).map((v) => Math.round(v * 1000) / 1000 + 0)).toEqual([1, 0, 1, 1.5]);
  });

  it('handles equality rows and unbounded-above continuous variables', () => {
    // max 2x − z, x binary, x − z = 0.5 ⇒ x = 1, z = 0.5: objective 1.5
    const s = solvers[name].solve({
      name: 'eq',
      variables: [
        { name: 'x', objective: 2, lower: 0, upper: 1, integer: true },
        { name: 'z', objective: -1, lower: 0, upper: Infinity, integer: false },
      ],
      rows: [{ name: 'r', indices: [0, 1], coefficients: [1, -1], lower: 0.5, upper: 0.5 }],
    });
    expect(s.status).toBe('optimal');
    expect(s.objective).toBeCloseTo(1.5, 9);
  });

  it('reports an infeasible model as a status', () => {
    const s = solvers[name].solve({
      name: 'infeasible',
      variables: [{ name: 'x', objective: 1, lower: 0, upper: 1, integer: true }],
      rows: [{ name: 'r', indices: [0], coefficients: [1], lower: 2, upper: Infinity }],
    });
    expect(s.status).toBe('infeasible');
    expect(s.detail).toMatch(name);
  });
});

describe('HiGHS LP text and solveLpFormat', () => {
  it('renders bounds, integrality and rows in CPLEX LP format', () => {
    const text = toLpText(knapsack);
    expect(text).toMatch(/^Maximize\n obj: \+ 10 x0 \+ 13 x1 \+ 7 x2 \+ 8 x3\nSubject To\n r0up: \+ 4 x0 \+ 6 x1 \+ 3 x2 \+ 1 x3 <= 9\nBounds\n/);
    expect(text).toContain(' 0 <= x3 <= 1.5');
    expect(text).toContain('General\n x0 x1 x2\nEnd');
  });
  it('solveLpFormat still solves LP text and throws SolverError on a non-optimum', async () => {
    const sol = await solveLpFormat('lp', 'Maximize\n obj: x + y\nSubject To\n c: x + 2 y <= 4\nBounds\n 0 <= x <= 3\nEnd\n');
    expect(sol.ObjectiveValue).toBeCloseTo(3.5, 9);
    await expect(solveLpFormat('bad', 'Maximize\n obj: x\nSubject To\n c: x >= 2\nBounds\n 0 <= x <= 1\nEnd\n')).rejects.toThrow(SolverError);
  });
});
