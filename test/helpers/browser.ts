/**
 * Headless Chromium for the inspector's browser tests (playwright-core, /usr/bin/chromium): whether
 * it is here, whether it must be (CI set), and a page that records console errors, page errors and
 * every request, in a fresh profile that is removed afterwards.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe } from 'vitest';
import type { InspectedRun } from '../../src/inspect/run-data.js';
import { serveInspector } from '../../src/inspect/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
export const requireBrowser = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
/** the describe title's note when Chromium is absent */
export const chromiumNote = haveChromium ? '' : ` [skipped: ${CHROMIUM} not installed]`;

export interface RecordedPage {
  readonly page: Page;
  /** console errors and uncaught page errors */
  readonly errors: string[];
  /** every URL the page requested */
  readonly requests: string[];
  /** waits until the inspector page marks itself settled on `want` (body data-ready) */
  ready(want: string, timeoutMs?: number): Promise<unknown>;
}

/** Runs `body` with a recording page of a fresh headless Chromium; closes it and removes its profile. */
export async function withChromium(body: (p: RecordedPage) => Promise<void>): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'lemsim-chromium-'));
  const { chromium } = await import('playwright-core');
  let ctx: BrowserContext | undefined;
  try {
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await ctx.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    // runs in the page, where the DOM is: typed loosely since this project's lib has no DOM
    const ready = (want: string, timeoutMs = 30_000) => page.waitForFunction((w) => (globalThis as any).document.body.dataset.ready === w, want, { timeout: timeoutMs });
    await body({ page, errors, requests, ready });
  } finally {
    await ctx?.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * A describe block of browser tests on an inspected run (`run()` is read once the block starts):
 * skipped with the reason when Chromium is absent (run, and failing, when CI is set), with the run
 * served on a free loopback port for its tests at `served.url`.
 */
export function describeInBrowser(run: () => InspectedRun, body: (served: { readonly url: string }) => void): void {
  describe.skipIf(!haveChromium && !requireBrowser)(`in headless Chromium${chromiumNote}`, () => {
    let server: Awaited<ReturnType<typeof serveInspector>> | undefined;
    beforeAll(async () => {
      server = await serveInspector(run(), 0);
    });
    afterAll(async () => {
      await server?.close();
    });
    body({
      get url() {
        return server!.url;
      },
    });
  });
}
