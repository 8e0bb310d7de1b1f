import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommunityProblem } from '../../../markets/community/problem-json.js';
import { main } from '../../../src/cli/main.js';
import { ProblemError } from '../../../markets/errors.js';
import { ISSUE_EXAMPLE } from './helpers.js';

function capture() {
  let out = '';
  let err = '';
  return {
    io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t) },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

function withProblem(problem: unknown): { dir: string; path: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lemsim-community-'));
  const path = join(dir, 'problem.json');
  writeFileSync(path, typeof problem === 'string' ? problem : JSON.stringify(problem));
  return { dir, path, out: join(dir, 'result.json') };
}

const clone = () => JSON.parse(JSON.stringify(ISSUE_EXAMPLE)) as typeof ISSUE_EXAMPLE & Record<string, unknown>;

describe('lemsim clear-community', () => {
  it('clears the issue example and writes exactly the result fields the issue names', async () => {
    const f = withProblem(ISSUE_EXAMPLE);
    const c = capture();
    expect(await main(['clear-community', f.path, '--out', f.out], c.io)).toBe(0);
    const r = JSON.parse(readFileSync(f.out, 'utf8'));
    expect(Object.keys(r)).toEqual(['status', 'welfare_eur', 'agents', 'communities', 'flows']);
    expect(r.status).toBe('optimal');
    expect(Object.keys(r.agents[0])).toEqual(['id', 'p_kw', 's_kw', 'phi_kw', 'alpha_kw', 'beta_kw', 'soc', 'welfare_eur']);
    expect(Object.keys(r.communities[0])).toEqual(['id', 'price_eur_per_kwh', 'import_kw', 'export_kw']);
    for (const fl of r.flows) expect(Object.keys(fl)).toEqual(['from', 'to', 'kw']);
    // load53 (3 kW at most) and the battery (2.56 kW) against pv53: the community exports to the grid
    expect(r.communities[0].price_eur_per_kwh).toBeGreaterThanOrEqual(0.05);
    expect(r.flows.every((fl: { from: string; to: string }) => fl.from === 'grid' || fl.to === 'grid')).toBe(true);
    expect(r.agents.find((a: { id: string }) => a.id === 'bat1').soc).toBeGreaterThanOrEqual(0.2);
    expect(c.out).toMatch(/optimal/);
  });

  it('the QP oracle gives the same welfare through the same command (--solver qp)', async () => {
    const f = withProblem(ISSUE_EXAMPLE);
    const fast = withProblem(ISSUE_EXAMPLE);
    expect(await main(['clear-community', f.path, '--out', f.out, '--solver', 'qp'], capture().io)).toBe(0);
    expect(await main(['clear-community', fast.path, '--out', fast.out], capture().io)).toBe(0);
    const a = JSON.parse(readFileSync(f.out, 'utf8'));
    const b = JSON.parse(readFileSync(fast.out, 'utf8'));
    expect(a.welfare_eur).toBeCloseTo(b.welfare_eur, 8);
  });

  it('writes the same bytes twice (deterministic)', async () => {
    const f = withProblem(ISSUE_EXAMPLE);
    await main(['clear-community', f.path, '--out', f.out], capture().io);
    const first = readFileSync(f.out, 'utf8');
    await main(['clear-community', f.path, '--out', f.out], capture().io);
    expect(readFileSync(f.out, 'utf8')).toBe(first);
  });

  it('writes an infeasible market as a status, exit 0, no NaN', async () => {
    const p = clone();
    Object.assign(p.agents[2], { soc: 0.2, rate_ch: 0, self_discharge: 0.01 });
    const f = withProblem(p);
    const c = capture();
    expect(await main(['clear-community', f.path, '--out', f.out], c.io)).toBe(0);
    const text = readFileSync(f.out, 'utf8');
    expect(JSON.parse(text).status).toBe('infeasible');
    expect(text).not.toMatch(/NaN/);
    expect(c.err).toMatch(/infeasible/);
  });

  const bad: Array<[string, (p: ReturnType<typeof clone>) => void, RegExp]> = [
    ['unknown community', (p) => void (p.agents[0].community = 'c9'), /agents\[0\] \(load53\)\.community: unknown community 'c9'/],
    ['p_min > p_max', (p) => void (p.agents[1].p_min_kw = 5), /agents\[1\] \(pv53\)\.p_min_kw: .*exceeds p_max_kw/],
    ['soc outside its bounds', (p) => void (p.agents[2].soc = 0.9), /agents\[2\] \(bat1\)\.soc: 0\.9 is outside/],
    ['a < 0', (p) => void (p.agents[0].a = -0.01), /agents\[0\] \(load53\)\.a: must be ≥ 0/],
    ['missing field', (p) => void delete (p.agents[2] as Record<string, unknown>).eta_dis, /agents\[2\] \(bat1\)\.eta_dis: missing field/],
    ['missing grid price', (p) => void delete (p.grid as Record<string, unknown>).export_price, /grid\.export_price: missing field/],
    ['wrong kind', (p) => void ((p.agents[0] as Record<string, unknown>).kind = 'heatpump'), /agents\[0\] \(load53\)\.kind/],
    ['export above import price', (p) => void (p.grid.export_price = 0.2), /grid\.export_price: must not exceed import_price/],
  ];
  for (const [name, mutate, message] of bad) {
    it(`rejects ${name} with a message naming the agent and field, non-zero exit, no stack trace`, async () => {
      const p = clone();
      mutate(p);
      const f = withProblem(p);
      const c = capture();
      expect(await main(['clear-community', f.path, '--out', f.out], c.io)).not.toBe(0);
      expect(c.err).toMatch(message);
      expect(c.err).not.toMatch(/at .*\.ts:\d+/);
      expect(existsSync(f.out)).toBe(false);
    });
  }

  it('rejects a file that is not JSON, naming the file', async () => {
    const f = withProblem('{ "period_hours": 1,');
    const c = capture();
    expect(await main(['clear-community', f.path, '--out', f.out], c.io)).not.toBe(0);
    expect(c.err).toContain(f.path);
  });

  it('a battery may be given as Standard Battery Units (Table III), explicit fields overriding', () => {
    const p = parseCommunityProblem({ ...ISSUE_EXAMPLE, agents: [{ id: 'b3', community: 'c1', kind: 'battery', units: 3, soc: 0.3 }] });
    const b = p.agents[0];
    expect(b.kind).toBe('battery');
    if (b.kind !== 'battery') return;
    expect(b.powerKw).toBeCloseTo(7.68, 12);
    expect(b.capacityKwh).toBeCloseTo(30.72, 12);
    expect(b.soc).toBe(0.3);
    expect(b.valueEurPerKwh).toBeCloseTo(0.075, 12); // default: midpoint of export and import prices
    expect(() => parseCommunityProblem({ ...ISSUE_EXAMPLE, agents: [{ id: 'b', community: 'c1', kind: 'battery', units: 2.5 }] })).toThrow(ProblemError);
  });
});
