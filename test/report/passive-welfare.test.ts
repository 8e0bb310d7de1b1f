/**
 * Price-taking demand kept out of the welfare the report shows (issue 14): seed 004's SREF demand
 * bids all of it at 10 EUR/kWh, a bidding device, so welfare_eur counts 10 EUR per kWh of passive
 * load. summary.json adds (renames nothing) what that demand bought, paid and was valued at, and
 * welfare_elastic_eur = welfare_eur − cap value + payment; the report draws that welfare and shows
 * the payment apart. Run on the example feeder with every prosumer's demand `passive`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { projectDir } from '../../src/shared-data.js';
import { tempDir } from '../helpers/temp.js';

const io = { out: () => undefined, err: () => undefined };

async function run(demand: string): Promise<{ summary: any; html: string; iterations: string[] }> {
  const dir = tempDir('lemsim-passive-');
  const file = join(dir, 'scenario.yaml');
  const text = readFileSync(join(projectDir(), 'scenarios/example-small.yaml'), 'utf8')
    .replace('feeders/example-small.dss', join(projectDir(), 'scenarios/feeders/example-small.dss'))
    .replace("demand: { name: elastic-demand, params: { k: 2 } }", demand)
    .replace('reinforcement: { max_iterations: 4', 'reinforcement: { max_iterations: 2');
  writeFileSync(file, text);
  expect(await main(['run', file, '--out', join(dir, 'out'), '--log-level', 'silent', '--no-progress'], io)).toBe(0);
  return {
    summary: JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')),
    html: readFileSync(join(dir, 'out', 'report.html'), 'utf8'),
    iterations: readFileSync(join(dir, 'out', 'iterations.csv'), 'utf8').trim().split('\n'),
  };
}

describe('price-taking demand in the welfare', () => {
  it('is valued apart: its energy, payment and cap value, and the welfare without it', async () => {
    const { summary, html, iterations } = await run('demand: { name: passive, params: { cap_price: 10 } }');
    for (const it of summary.iterations) {
      // every prosumer's demand is price-taking: all consumption is, at 10 EUR/kWh
      expect(it.passive_demand_kwh).toBeCloseTo(it.energy_balance_kwh.consumption, 5);
      expect(it.passive_demand_cap_value_eur).toBeCloseTo(10 * it.passive_demand_kwh, 5);
      expect(it.passive_demand_payment_eur).toBeGreaterThan(0);
      expect(it.welfare_elastic_eur).toBeCloseTo(it.welfare_eur - it.passive_demand_cap_value_eur + it.passive_demand_payment_eur, 5);
      // every clearing price is below the cap, so the cap value exceeds the payment: welfare_eur overstates
      expect(it.passive_demand_cap_value_eur).toBeGreaterThan(it.passive_demand_payment_eur);
      expect(it.welfare_eur).toBeGreaterThan(it.welfare_elastic_eur);
    }
    const last = summary.iterations[summary.iterations.length - 1];
    expect(summary.final.welfare_elastic_eur).toBe(last.welfare_elastic_eur);
    expect(summary.final.passive_demand_payment_eur).toBe(last.passive_demand_payment_eur);
    expect(summary.final.welfare_eur).toBe(last.welfare_eur);
    expect(iterations[0].split(',').slice(-4)).toEqual(['welfare_elastic_eur', 'passive_demand_kwh', 'passive_demand_payment_eur', 'passive_demand_cap_value_eur']);
    const reinforcement = /<figure class="plot" id="plot-reinforcement"[\s\S]*?<\/figure>/.exec(html)![0];
    expect(reinforcement).toMatch(/leaves out the price-taking demand/);
    // the welfare drawn is welfare_elastic_eur, not welfare_eur
    expect(reinforcement).toContain(String(Number(last.welfare_elastic_eur.toFixed(4))).slice(0, 5));
    expect(reinforcement).not.toContain(`social welfare EUR: ${last.welfare_eur}`);
  }, 120_000);

  it('changes nothing for elastic demand', async () => {
    const { summary, html } = await run("demand: { name: elastic-demand, params: { k: 2 } }");
    for (const it of summary.iterations) {
      expect(it.passive_demand_kwh).toBe(0);
      expect(it.passive_demand_cap_value_eur).toBe(0);
      expect(it.welfare_elastic_eur).toBe(it.welfare_eur);
    }
    expect(html).not.toMatch(/leaves out the price-taking demand/);
  }, 120_000);
});
