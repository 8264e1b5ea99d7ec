import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPage } from './build';
import type { PageProgress } from './main';
import { servePage } from './serve';
import type { PageServer } from './serve';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
const missing = `Debian's Chromium is not installed at ${CHROMIUM}: install it with \`apt-get install -y chromium\``;

// Small enough to run in seconds on two busy cores, long enough for accuracy to rise well above
// chance. The page's own defaults train longer.
const QUERY = '?teacherUnits=64&teacherEpochs=1&transferSize=500&studentEpochs=8&evalEvery=20';

describe('the browser example in headless Chromium', () => {
  const work = mkdtempSync(join(tmpdir(), 'kd-browser-example-'));
  let server: PageServer | undefined;

  beforeAll(async () => {
    if (!present) return;
    server = await servePage(await buildPage(join(work, 'page')));
  });

  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('trains a teacher and distils a student whose accuracy rises from chance', async (context) => {
    if (!present) {
      // CI installs Chromium (.ci/run), so there a missing browser is a failure, not a skip.
      if (process.env.CI) throw new Error(missing);
      console.warn(`skipped: ${missing}`);
      context.skip(missing);
    }
    const profile = join(work, 'profile');
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('requestfailed', (request) => errors.push(`${request.url()}: ${request.failure()?.errorText}`));
      await page.goto(`${server!.url}${QUERY}`);
      await page.waitForFunction(() => window.kdProgress.done || window.kdProgress.error !== null, undefined, { timeout: 45_000, polling: 200 });
      const progress = await page.evaluate((): PageProgress => window.kdProgress);

      expect(progress.error).toBeNull();
      expect(errors).toEqual([]);
      expect(['webgl', 'wasm', 'cpu']).toContain(progress.backend);
      expect(await page.textContent('#backend')).toContain(progress.backend);
      expect(progress.step).toBe(40);
      // Measured at steps 0, 20 and 40: near chance (10%) before training, far above it after.
      expect(progress.accuracy).toHaveLength(3);
      expect(progress.labelsOnlyAccuracy).toHaveLength(3);
      expect(progress.accuracy[0]).toBeLessThan(0.3);
      expect(progress.accuracy.at(-1)).toBeGreaterThan(0.6);
      expect(progress.labelsOnlyAccuracy.at(-1)).toBeGreaterThan(0.6);
      expect(progress.teacherAccuracy).toBeGreaterThan(0.7);
      // The curves were drawn with @kd/plots: one line per student and the teacher's level.
      expect(await page.locator('#accuracy-chart path.series').count()).toBe(3);
      expect(await page.textContent('#distilled-result')).toBe(`${(progress.accuracy.at(-1)! * 100).toFixed(1)}%`);
    } finally {
      await browser.close();
    }
  });
});
