/**
 * branches.csv and strategy_states.csv of `lemsim run` (issue 14). On example-small (a 250 kVA Dyn
 * transformer and 95 mm² lines; a power flow every 5 minutes): one row per line and transformer and
 * iteration; the transformer rated as OpenDSS computes NormAmps (1.1·250 kVA / 3 / (11 kV/√3) =
 * 14.4338 A on its 11 kV winding); peak loading = 100·peak_amps/norm_amps, mean ≤ peak; the
 * branches' losses over the day equal the energy of the power flow's own total losses
 * (`grid-solved.lossesKw` × 5 min, summed: the run-time invariant, seen from the files); summary.json
 * names the most loaded branch. On the street example with a learning seller (a stateful strategy),
 * strategy_states.csv holds its state where it changed, and nothing for stateless strategies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseCsv } from '../../src/io/csv.js';
import { projectDir } from '../../src/shared-data.js';
import { tempDir } from '../helpers/temp.js';

function rows(file: string): Record<string, string>[] {
  const [head, ...body] = [...parseCsv(readFileSync(file, 'utf8'))].filter((r) => r.length > 1);
  return body.map((r) => Object.fromEntries(head.map((h, k) => [h, r[k]])));
}

async function run(scenario: string): Promise<string> {
  const dir = join(tempDir('lemsim-branches-'), 'run');
  const c = { err: '' };
  const code = await main(['run', scenario, '--out', dir, '--log-level', 'silent'], { out: () => undefined, err: (t) => void (c.err += t) });
  expect(code, c.err).toBe(0);
  return dir;
}

describe('branches.csv', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await run(join(projectDir(), 'scenarios/example-small.yaml'));
  }, 120_000);

  it('has every line and the transformer per iteration, with the contract columns', () => {
    const text = readFileSync(join(dir, 'branches.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe('iteration,branch,kind,bus1,bus2,phases,norm_amps,peak_amps,peak_loading_pct,peak_minute,mean_loading_pct,losses_kwh,peak_losses_kw,overloaded_h');
    const all = rows(join(dir, 'branches.csv'));
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    const iterations = summary.iterations.length;
    expect(new Set(all.map((r) => r.iteration)).size).toBe(iterations);
    const tr = all.filter((r) => r.branch === 'transformer.tr');
    expect(tr).toHaveLength(iterations);
    expect(Number(tr[0].norm_amps)).toBeCloseTo((1.1 * 250) / 3 / (11 / Math.sqrt(3)), 4);
    for (const r of all) {
      expect(['line', 'transformer']).toContain(r.kind);
      const peak = Number(r.peak_loading_pct);
      expect(peak).toBeCloseTo((100 * Number(r.peak_amps)) / Number(r.norm_amps), 2);
      expect(Number(r.mean_loading_pct)).toBeLessThanOrEqual(peak + 1e-9);
      expect(Number(r.mean_loading_pct)).toBeGreaterThan(0);
      expect(Number(r.losses_kwh)).toBeGreaterThan(0);
      expect(Number(r.peak_losses_kw) * 24).toBeGreaterThanOrEqual(Number(r.losses_kwh) - 1e-6);
      // hours above 100 % only where the peak is above 100 %
      expect(Number(r.overloaded_h) > 0).toBe(peak > 100);
      const m = Number(r.peak_minute);
      expect(m % 5, 'a sub-step minute').toBe(0);
    }
    // summary.json: each iteration's most loaded branch is the file's maximum
    for (const it of summary.iterations) {
      const mine = all.filter((r) => Number(r.iteration) === it.iteration);
      const top = mine.reduce((a, b) => (Number(b.peak_loading_pct) > Number(a.peak_loading_pct) ? b : a));
      expect(it.worst_loading.branch).toBe(top.branch);
      expect(it.worst_loading.peak_loading_pct).toBeCloseTo(Number(top.peak_loading_pct), 3);
      expect(it.worst_loading.minute).toBe(Number(top.peak_minute));
      expect(it.worst_loading.branches_over_100_pct).toBe(mine.filter((r) => Number(r.peak_loading_pct) > 100).length);
    }
    expect(summary.final.worst_loading).toEqual(summary.iterations[iterations - 1].worst_loading);
  });

  it('the branches’ losses add up to the power flow’s total losses over the day', () => {
    const all = rows(join(dir, 'branches.csv'));
    const fromEvents = new Map<number, { kwh: number; n: number }>();
    for (const line of readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n')) {
      if (!line.includes('"grid-solved"')) continue;
      const e = JSON.parse(line);
      if (!e.payload.converged) continue;
      const cur = fromEvents.get(e.iteration) ?? { kwh: 0, n: 0 };
      cur.kwh += (e.payload.lossesKw * 300) / 3600;
      cur.n++;
      fromEvents.set(e.iteration, cur);
    }
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    for (const [it, ev] of fromEvents) {
      const sum = all.filter((r) => Number(r.iteration) === it).reduce((s, r) => s + Number(r.losses_kwh), 0);
      // each event's lossesKw is rounded to 1e-6 kW, each row to 1e-6 kWh
      expect(Math.abs(sum - ev.kwh), `iteration ${it}: ${sum} vs ${ev.kwh}`).toBeLessThan(ev.n * 1e-6 + all.length * 1e-6);
      expect(summary.iterations[it].worst_loading.losses_kwh).toBeCloseTo(ev.kwh, 4);
      expect(ev.kwh).toBeGreaterThan(1);
    }
  });
});

describe('strategy_states.csv', () => {
  it('records a stateful strategy’s state where it changes, and nothing for stateless ones', async () => {
    const dir = await run(join(projectDir(), 'examples/scenarios/street-plugins.yaml'));
    const text = readFileSync(join(dir, 'strategy_states.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe('iteration,period,minute,agent,side,state_json');
    const all = rows(join(dir, 'strategy_states.csv'));
    const learner = all.filter((r) => r.agent === 'p-house1' && r.side === 'supply');
    expect(learner.length).toBeGreaterThan(5);
    // each row differs from the one before (only changes are written), and parses as the bandit's state
    for (let k = 1; k < learner.length; k++) expect(learner[k].state_json).not.toBe(learner[k - 1].state_json);
    const last = JSON.parse(learner[learner.length - 1].state_json);
    expect(Array.isArray(last.counts)).toBe(true);
    expect(last.counts.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(0);
    // SRMC and time-of-use sellers and buyers are stateless
    expect(all.every((r) => r.agent === 'p-house1' || r.agent.startsWith('bat'))).toBe(true);
  }, 120_000);
});
