/**
 * clear-community is as strict as the other inputs (issue 11): unknown or misspelt fields, at every
 * level and including prototype names, are located errors; a negative grid price is not rejected
 * through the battery's default stored value; absurd magnitudes are refused at input.
 */
import { describe, expect, it } from 'vitest';
import { parseCommunityProblem } from '../../../markets/community/problem-json.js';
import { ProblemError } from '../../../markets/errors.js';
import { ISSUE_EXAMPLE } from './helpers.js';

type P = Record<string, any>;
const clone = (): P => JSON.parse(JSON.stringify(ISSUE_EXAMPLE));
const bat = (p: P): P => p.agents[2];

describe('clear-community input', () => {
  it.each([
    ['a misspelt top-level field', (p: P) => (p.inter_comunity_fee = 0.01), /^problem\.json: inter_comunity_fee: unknown field/],
    ['a grid field', (p: P) => (p.grid.max_import_kw = 3), /grid\.max_import_kw: unknown field/],
    ['a community field', (p: P) => (p.communities[0].name = 'x'), /communities\[0\]\.name: unknown field/],
    ['a consumer field', (p: P) => (p.agents[0].p_max = 3), /agents\[0\] \(load53\)\.p_max: unknown field/],
    ['a producer field', (p: P) => (p.agents[1].B = 3), /agents\[1\] \(pv53\)\.B: unknown field/],
    ['a battery field', (p: P) => (bat(p).capacity = 3), /agents\[2\] \(bat1\)\.capacity: unknown field/],
    ['a battery field of another kind', (p: P) => (bat(p).p_max_kw = 3), /agents\[2\] \(bat1\)\.p_max_kw: unknown field/],
  ])('rejects %s', (_n, mutate, message) => {
    const p = clone();
    mutate(p);
    expect(() => parseCommunityProblem(p, 'problem.json')).toThrow(message);
  });

  it.each(['toString', '__proto__', 'constructor', 'hasOwnProperty'])('rejects a field named %s (from JSON text)', (name) => {
    const text = JSON.stringify(ISSUE_EXAMPLE).replace('"period_hours"', `"${name}": 1, "period_hours"`);
    expect(() => parseCommunityProblem(JSON.parse(text), 'problem.json')).toThrow(new RegExp(`${name}: unknown field`));
    const inAgent = JSON.stringify(ISSUE_EXAMPLE).replace('"id":"load53"', `"${name}": {}, "id":"load53"`);
    expect(() => parseCommunityProblem(JSON.parse(inAgent), 'problem.json')).toThrow(new RegExp(`agents\\[0\\] \\(load53\\)\\.${name}: unknown field`));
  });

  it('accepts negative grid prices without a stored value the user never wrote turning into an error', () => {
    const p = clone();
    p.grid = { import_price: 0.02, export_price: -0.1 };
    delete bat(p).value_eur_per_kwh;
    const problem = parseCommunityProblem(p, 'problem.json');
    const b = problem.agents.find((a) => a.kind === 'battery');
    expect(b && b.kind === 'battery' ? b.valueEurPerKwh : NaN).toBe(0);
    // a negative value the user did write is still refused, at its field
    bat(p).value_eur_per_kwh = -0.01;
    expect(() => parseCommunityProblem(p, 'problem.json')).toThrow(/bat1\)\.value_eur_per_kwh: must be ≥ 0/);
  });

  it('rejects absurd magnitudes at input (1e296 would overflow the result to null)', () => {
    const p = clone();
    p.agents[0].b = 1e296;
    expect(() => parseCommunityProblem(p, 'problem.json')).toThrow(ProblemError);
    expect(() => parseCommunityProblem(p, 'problem.json')).toThrow(/load53\)\.b: 1e\+296 is beyond ±1000000000/);
  });
});

describe('clear-community --solver', () => {
  it('a solver named constructor is bad usage, not an internal error', async () => {
    const { main } = await import('../../../src/cli/main.js');
    const { tempDir } = await import('../../helpers/temp.js');
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = tempDir();
    writeFileSync(join(dir, 'p.json'), JSON.stringify(ISSUE_EXAMPLE));
    let err = '';
    const code = await main(['clear-community', join(dir, 'p.json'), '--out', join(dir, 'r.json'), '--solver', 'constructor'], { out: () => undefined, err: (t) => void (err += t) });
    expect(code).toBe(2);
    expect(err).toMatch(/--solver must be one of fast, qp, got 'constructor'/);
  });
});
