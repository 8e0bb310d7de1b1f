/**
 * `lemsim inspect` on bad input: a folder that is not a run, a malformed file and a bad port give a
 * message naming the file (or the flag), a non-zero exit and no stack trace; the server binds 127.0.0.1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { inspectRun } from '../../src/inspect/run-data.js';
import { apiResponse, serveInspector } from '../../src/inspect/server.js';
import { tempDir } from '../helpers/temp.js';

function capture() {
  const c = { out: '', err: '' };
  return { c, io: { out: (t: string) => void (c.out += t), err: (t: string) => void (c.err += t) } };
}

function fakeRun(): string {
  const dir = tempDir('lemsim-inspect-cli-');
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ scenario: 'tiny', provenance: { scenario: { market: { import_price: 0.1, export_price: 0.05, pricing: 'uniform', mechanism: 'auction' } } }, iterations: [] }));
  writeFileSync(join(dir, 'events.jsonl'), `${JSON.stringify({ type: 'period-opened', time: 0, iteration: 0, seq: 0, payload: { period: 0, label: '00:00', endS: 300 } })}\n`);
  writeFileSync(join(dir, 'market.csv'), 'iteration,period,time,agent,community,bid_supply_kw,bid_demand_kw,bought_kw,sold_kw,dispatch_kw,price_eur_per_kwh,welfare_eur,price_set_by\n');
  writeFileSync(join(dir, 'voltages.csv'), 'iteration,minute,load,bus,node,v_pu\n');
  writeFileSync(join(dir, 'violations.csv'), 'iteration,minute,element,bus,kind,value,limit\n');
  return dir;
}

describe('lemsim inspect: bad input', () => {
  it('names the missing file of a folder that is not a run', async () => {
    const dir = tempDir('lemsim-inspect-cli-');
    mkdirSync(join(dir, 'empty'));
    const { c, io } = capture();
    expect(await main(['inspect', join(dir, 'empty')], io)).not.toBe(0);
    expect(c.err).toMatch(/empty\/summary\.json: not found \(is .* the folder of a finished `lemsim run --out`\?\)/);
    expect(c.err).not.toMatch(/\n\s+at /);
  });

  it('names the line of a malformed events.jsonl and a short market.csv row', () => {
    const dir = fakeRun();
    writeFileSync(join(dir, 'events.jsonl'), '{"type":"period-opened"\n');
    expect(() => inspectRun(dir)).toThrow(/events\.jsonl:1: not a JSON event/);
    const dir2 = fakeRun();
    writeFileSync(join(dir2, 'market.csv'), 'iteration,period\n0\n');
    expect(() => inspectRun(dir2)).toThrow(/market\.csv:2: 1 fields, the header has 2/);
  });

  it('refuses a port that is not one', async () => {
    const { c, io } = capture();
    expect(await main(['inspect', fakeRun(), '--port', '70000'], io)).not.toBe(0);
    expect(c.err).toMatch(/--port expects a whole number from 0 to 65535, got '70000'/);
  });

  it('shows the agent its rows of agents.csv and batteries.csv when the run wrote them', () => {
    const dir = fakeRun();
    writeFileSync(join(dir, 'market.csv'), 'iteration,period,time,agent,community,bid_supply_kw,bid_demand_kw,bought_kw,sold_kw,dispatch_kw,price_eur_per_kwh,welfare_eur,price_set_by\n0,00:00,0,p-a,c1,0,1,1,0,1,0.1,0,none: nothing traded\n0,00:00,0,p-b,c1,1,0,0,1,-1,0.1,0,none: nothing traded\n');
    writeFileSync(join(dir, 'agents.csv'), 'iteration,agent,bill_eur,saving_eur\n0,p-a,0.5,0.1\n0,p-b,-0.2,0.05\n');
    const run = inspectRun(dir);
    const body = apiResponse(run, new URL('http://x/api/agent?id=p-a'))!.body as { tables: Record<string, { columns: string[]; rows: Record<string, string>[] }> };
    expect(body.tables['agents.csv'].columns).toEqual(['iteration', 'agent', 'bill_eur', 'saving_eur']);
    expect(body.tables['agents.csv'].rows).toEqual([{ iteration: '0', agent: 'p-a', bill_eur: '0.5', saving_eur: '0.1' }]);
    expect(body.tables['batteries.csv']).toBeUndefined();
  });

  it('serves on 127.0.0.1 only, GET only', async () => {
    const s = await serveInspector(inspectRun(fakeRun()), 0);
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(s.url);
      expect(page.status).toBe(200);
      expect(await page.text()).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
      expect((await fetch(`${s.url}app.js`)).status).toBe(200);
      expect((await fetch(`${s.url}api/run`, { method: 'POST' })).status).toBe(405);
      expect((await fetch(`${s.url}nothing`)).status).toBe(404);
      const run = (await (await fetch(`${s.url}api/run`)).json()) as { name: string; periods: unknown[]; map: { note: string } };
      expect(run.name).toBe('tiny');
      expect(run.periods).toHaveLength(1);
      expect(run.map.note).toBe('the run names no feeder');
    } finally {
      await s.close();
    }
  });
});
