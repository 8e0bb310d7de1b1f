/** `lemsim clear-auction`, in process: the file formats of issue 4, located errors, byte-identical output. */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { rmSync } from 'node:fs';

const dir = mkdtempSync(join(tmpdir(), 'lemsim-auction-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t) }, get out() { return out; }, get err() { return err; } };
}

const example = {
  period_hours: 0.0833333,
  grid: { import_price: 0.1, export_price: 0.05, max_import_kw: null, max_export_kw: null },
  periods: [
    {
      id: '08:00',
      supply: [{ id: 's1', agent: 'pv4', kw: 0.5, price: 0.0125 }],
      demand: [{ id: 'd1', agent: 'load1', kw: 0.5, price: 0.19 }],
    },
    { id: '08:05', supply: [], demand: [] },
  ],
};

function write(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

async function run(args: string[]) {
  const c = capture();
  const code = await main(['clear-auction', ...args], c.io);
  return { code, out: c.out, err: c.err };
}

describe('lemsim clear-auction', () => {
  it("clears the issue's example into exactly the named fields", async () => {
    const input = write('orders.json', example);
    const out = join(dir, 'result.json');
    const r = await run([input, '--out', out]);
    expect(r.code).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8'));
    // the fields in its order, then the optimality gap (issue 11: bounded fallback, gap reported)
    expect(Object.keys(result)).toEqual(['periods', 'welfare_eur', 'max_optimality_gap']);
    expect(Object.keys(result.periods[0])).toEqual([
      'id', 'status', 'welfare_eur', 'price_eur_per_kwh', 'import_kw', 'export_kw', 'accepted_supply', 'accepted_demand', 'paradoxically_rejected',
      'welfare_bound_eur', 'optimality_gap',
    ]);
    expect(result.max_optimality_gap).toBe(0);
    // 0.5 kW for 1/12 h at a surplus of 0.19 − 0.0125 EUR/kWh; midpoint price (0.0125 + 0.19)/2
    expect(result.periods[0]).toMatchObject({ id: '08:00', status: 'cleared', accepted_supply: ['s1'], accepted_demand: ['d1'], import_kw: 0, export_kw: 0 });
    expect(result.periods[0].welfare_eur).toBeCloseTo(0.5 * 0.0833333 * (0.19 - 0.0125), 9);
    expect(result.periods[0].price_eur_per_kwh).toBeCloseTo(0.10125, 12);
    expect(result.periods[1]).toEqual({
      id: '08:05', status: 'cleared', welfare_eur: 0, price_eur_per_kwh: null, import_kw: 0, export_kw: 0, accepted_supply: [], accepted_demand: [], paradoxically_rejected: [],
      welfare_bound_eur: 0, optimality_gap: 0,
    });
    expect(result.welfare_eur).toBe(result.periods[0].welfare_eur);
    expect(readdirSync(dir).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it('writes byte-identical files for the same input, with either backend and rule', async () => {
    const input = write('orders2.json', example);
    for (const flags of [['--pricing', 'uniform', '--solver', 'lp-solver'], ['--pricing', 'midpoint', '--solver', 'highs']]) {
      const a = join(dir, 'a.json');
      const b = join(dir, 'b.json');
      expect((await run([input, ...flags, '--out', a])).code).toBe(0);
      expect((await run([input, ...flags, '--out', b])).code).toBe(0);
      expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    }
  });

  const bad: Array<[string, (e: typeof example) => unknown, RegExp]> = [
    ['an unknown field', (e) => ({ ...e, periods: [{ ...e.periods[0], supply: [{ ...e.periods[0].supply[0], colour: 'red' }] }] }), /periods\[0\]\.supply\[0\]\.colour: period '08:00', supply order 's1': unknown field 'colour'/],
    ['a duplicate id', (e) => ({ ...e, periods: [{ ...e.periods[0], demand: [{ ...e.periods[0].demand[0], id: 's1' }] }] }), /periods\[0\]\.demand\[0\]\.id: period '08:00', order 's1': duplicate order id/],
    ['a negative quantity', (e) => ({ ...e, periods: [{ ...e.periods[0], supply: [{ ...e.periods[0].supply[0], kw: -1 }] }] }), /periods\[0\]\.supply\[0\]\.kw: period '08:00', order 's1'/],
    ['a non-numeric price', (e) => ({ ...e, periods: [{ ...e.periods[0], demand: [{ ...e.periods[0].demand[0], price: 'NaN' }] }] }), /periods\[0\]\.demand\[0\]\.price: period '08:00', demand order 'd1': expected number/],
    ['a period without orders lists', (e) => ({ ...e, periods: [{ id: '08:10' }] }), /periods\[0\]\.supply: period '08:10': expected array \(missing\)/],
    ['a missing grid', (e) => ({ period_hours: e.period_hours, periods: e.periods }), /grid: expected object/],
  ];
  for (const [what, mutate, message] of bad) {
    it(`rejects ${what} with a located message, no stack trace, no file`, async () => {
      const input = write('bad.json', mutate(example));
      const out = join(dir, `never-${what.replace(/\W/g, '')}.json`);
      const r = await run([input, '--out', out]);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(message);
      expect(r.err).toContain('bad.json');
      expect(r.err).not.toMatch(/at .*\.ts:\d+/);
      expect(readdirSync(dir)).not.toContain(out.split('/').pop());
    });
  }

  it('rejects invalid JSON, a missing file and unknown option values', async () => {
    expect((await run([write('broken.json', '{"period_hours": '), '--out', join(dir, 'x.json')])).err).toMatch(/not valid JSON/);
    expect((await run([join(dir, 'absent.json'), '--out', join(dir, 'x.json')])).err).toMatch(/absent\.json: cannot read/);
    const input = write('orders3.json', example);
    expect((await run([input, '--pricing', 'pay-as-bid', '--out', join(dir, 'x.json')])).code).toBe(2);
    expect((await run([input, '--solver', 'cplex', '--out', join(dir, 'x.json')])).err).toMatch(/--solver must be one of highs, lp-solver/);
  });
});
