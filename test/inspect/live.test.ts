/**
 * `lemsim debug --web` (src/inspect/live.ts) on scenarios/example-small.yaml: commands posted by the
 * page run the same stepper as the terminal (stepping, breakpoints, stepping back, why), one at a
 * time, and the page (headless Chromium, when present) shows the clearing it reached.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Debugger } from '../../src/debugger.js';
import { serveLiveDebugger } from '../../src/inspect/live.js';
import { loadScenario } from '../../src/scenario.js';
import { projectDir } from '../../src/shared-data.js';
import { Simulation } from '../../src/sim/simulation.js';
import { CHROMIUM, haveChromium, requireBrowser, withChromium } from '../helpers/browser.js';

const EXAMPLE = join(projectDir(), 'scenarios/example-small.yaml');

async function live() {
  const sim = await Simulation.create(loadScenario(EXAMPLE));
  const dbg = new Debugger(sim, () => undefined, { restart: () => Simulation.create(loadScenario(EXAMPLE)) });
  return serveLiveDebugger(dbg, 0);
}

const post = async (url: string, line: string) => (await (await fetch(`${url}api/cmd`, { method: 'POST', body: JSON.stringify({ line }) })).json()) as { output: string; quit: boolean; state: { position: number; current: string | null; pending: string | null; clearing: { priceSetBy: string } | null } };

describe('lemsim debug --web', () => {
  it('steps, breaks, steps back and explains through the API, in order', async () => {
    const s = await live();
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const [a, b, c] = await Promise.all([post(s.url, 'next'), post(s.url, 'next'), post(s.url, 'next')]);
      expect([a.state.position, b.state.position, c.state.position]).toEqual([1, 2, 3]);
      const back = await post(s.url, 'back');
      expect(back.state.position).toBe(2);
      expect(back.state.current).toBe(b.state.current);
      expect((await post(s.url, 'break market-cleared price>0.1005')).output).toBe('breakpoint 1: market-cleared price>0.1005\n');
      const hit = await post(s.url, 'continue');
      expect(hit.output).toMatch(/^breakpoint 1 before #\d+ it0 17:00 market-cleared period=0 .*price\.market=0\.103333\n$/);
      expect(hit.state.clearing!.priceSetBy).toBe('midpoint: grid import @0.1 | demand p-h1-d4 (p-h1) @0.106667 +1 tied');
      expect((await post(s.url, 'why')).output).toMatch(/^period 17:00: midpoint rule, price 0\.103333 EUR\/kWh/);
      const bad = await fetch(`${s.url}api/cmd`, { method: 'POST', body: 'not json' });
      expect(bad.status).toBe(400);
      const q = await post(s.url, 'quit');
      expect(q.quit).toBe(true);
      await s.quit;
    } finally {
      await s.close();
    }
  });

  it.skipIf(!haveChromium && !requireBrowser)(`drives the stepper from the page${haveChromium ? '' : ` [skipped: ${CHROMIUM} not installed]`}`, async () => {
    expect(haveChromium, `${CHROMIUM} is required when CI is set`).toBe(true);
    const s = await live();
    try {
      await withChromium(async ({ page, errors, requests }) => {
        await page.goto(s.url);
        await page.waitForFunction(() => (globalThis as any).document.body.dataset.seq === '0');
        await page.fill('#cmd', 'break market-cleared');
        await page.press('#cmd', 'Enter');
        await page.waitForFunction(() => (globalThis as any).document.body.dataset.seq === '1');
        await page.locator('#buttons button', { hasText: 'continue' }).click();
        await page.waitForFunction(() => (globalThis as any).document.body.dataset.seq === '2');
        await page.locator('#buttons button', { hasText: 'next' }).click();
        await page.waitForFunction(() => (globalThis as any).document.body.dataset.seq === '3');
        expect(await page.locator('#live-price').innerText()).toBe('0.103333');
        expect(await page.locator('#live-set-by').innerText()).toBe('midpoint: grid import @0.1 | demand p-h1-d4 (p-h1) @0.106667 +1 tied');
        await page.locator('#buttons button', { hasText: 'back' }).click();
        await page.waitForFunction(() => (globalThis as any).document.body.dataset.seq === '4');
        expect(await page.locator('#pending').innerText()).toMatch(/market-cleared period=0/);
        expect(requests.filter((u) => !u.startsWith(s.url))).toEqual([]);
        expect(errors).toEqual([]);
      });
    } finally {
      await s.close();
    }
  }, 60_000);
});
