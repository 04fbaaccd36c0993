/**
 * End to end, as a radiologist would use the browser build: build the renderer, start `vlsm-audit serve`
 * (in-process, the same startServe() the command runs), open the printed URL in headless Chromium, open
 * a Kvasir-SEG image and its mask, segment with the generated test model and check that both overlays are
 * drawn on the canvas. Run with `npm run test:e2e`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rendererConfig } from '../../electron.vite.config.js';
import { startServe } from '../../src/cli/commands/serve.js';
import { writeTestVlsm } from '../fixtures/test-vlsm.js';
import { dataPath, repoRoot, skipWithoutData } from '../helpers/data.js';
import { skipWithout } from '../helpers/require.js';

const ID = 'cju0u82z3cuma0835wlxrnrjv'; // Kvasir-SEG test split
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skipWithoutChromium = skipWithout(`Chromium at ${CHROMIUM}`, existsSync(CHROMIUM), 'apt-get install chromium, or set CHROMIUM_PATH');

interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

describe.skipIf(skipWithoutData || skipWithoutChromium)('browser build against vlsm-audit serve', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'vlsm-e2e-'));
  const rendererDir = join(tmp, 'renderer');
  const modelDir = join(tmp, 'models', 'test-vlsm');
  let served: Awaited<ReturnType<typeof startServe>>;
  let context: BrowserContext;
  let page: Page;
  const consoleProblems: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    // A production build, as shipped (vitest sets NODE_ENV=test, which would compile Svelte in dev mode).
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        ...rendererConfig,
        configFile: false,
        mode: 'production',
        base: './',
        logLevel: 'warn',
        build: { ...rendererConfig.build, outDir: rendererDir, emptyOutDir: true },
      });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    writeTestVlsm(modelDir);
    served = await startServe({ rendererDir, models: [join(tmp, 'models')], threads: 1 });
    const profile = join(tmp, 'profile');
    mkdirSync(profile);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      // The readback hint is about this test's own getImageData calls, not the app.
      if ((m.type() === 'error' || m.type() === 'warning') && !m.text().startsWith('Canvas2D: Multiple readback')) consoleProblems.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().includes('/nonexistent/')) consoleProblems.push(`${r.status()} ${r.url()}`);
    });
    page.on('pageerror', (e) => consoleProblems.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith(served.server.origin) && !r.url().startsWith('data:')) foreignRequests.push(r.url());
    });
  });

  afterAll(async () => {
    await context?.close();
    await served?.server.close();
    await served?.service.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('segments a Kvasir-SEG image and draws prediction and ground truth', async () => {
    const image = dataPath('kvasir-seg', 'images', `${ID}.jpg`);
    const mask = dataPath('kvasir-seg', 'masks', `${ID}.png`);

    const response = await page.goto(served.server.url);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
    // The token is taken from the fragment and removed from the address bar.
    await expect.poll(() => page.url()).toBe(`${served.server.origin}/`);
    await page.getByText('Browser (vlsm-audit serve)', { exact: false }).waitFor();

    await page.getByLabel('Image or DICOM file', { exact: true }).fill(image);
    await page.getByRole('button', { name: 'Open Image or DICOM file' }).click();
    await page.getByTestId('study-meta').waitFor();
    expect(await page.getByTestId('study-meta').textContent()).toMatch(/^JPEG · \d+×\d+/);

    await page.getByLabel('Ground-truth mask (optional, PNG)', { exact: true }).fill(mask);
    await page.getByRole('button', { name: 'Open Ground-truth mask (optional, PNG)' }).click();
    await expect.poll(() => page.getByTestId('viewport').getAttribute('data-drawn-layers')).toBe('ground-truth');

    await page.getByLabel('Model package').selectOption(modelDir);
    await page.getByLabel('Prompt', { exact: true }).fill('polyp');
    await page.getByRole('button', { name: 'Segment' }).click();
    await page.getByTestId('result').waitFor({ timeout: 120_000 });

    expect(await page.getByTestId('provider').textContent()).toBe('CPU');
    const dice = Number(await page.getByTestId('dice').textContent());
    expect(dice).toBeGreaterThanOrEqual(0);
    expect(dice).toBeLessThanOrEqual(1);
    const area = Number((await page.getByTestId('area').textContent())?.replace(/[^\d]/g, ''));
    await expect.poll(() => page.getByTestId('viewport').getAttribute('data-drawn-layers')).toBe('ground-truth,prediction');
    await page.screenshot({ path: join(repoRoot, 'test-results', 'e2e-segment.png') });

    // Pixel check: hiding an overlay must change the pixels it covers (some, when non-empty, and no more).
    // Snapshots stay in the page; only counts of changed pixels cross over.
    const snapshotChange = (name: string) =>
      page.evaluate((key) => {
        // Runs in the page; typed structurally because this file is compiled without the DOM library.
        const g = globalThis as unknown as { document: { querySelector(sel: string): PageCanvas | null }; __lastSnapshot?: Uint8ClampedArray };
        const c = g.document.querySelector('[data-testid=viewport]')!;
        const now = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const before = g.__lastSnapshot;
        g.__lastSnapshot = now;
        if (!before || key === 'first') return 0;
        let n = 0;
        for (let i = 0; i < now.length; i += 4) if (now[i] !== before[i] || now[i + 1] !== before[i + 1] || now[i + 2] !== before[i + 2]) n++;
        return n;
      }, name);
    await snapshotChange('first');
    await page.getByLabel('Show prediction').uncheck();
    await expect.poll(() => page.getByTestId('viewport').getAttribute('data-drawn-layers')).toBe('ground-truth');
    const predictionPixels = await snapshotChange('without prediction');
    if (area > 0) expect(predictionPixels).toBeGreaterThan(0);
    expect(predictionPixels).toBeLessThanOrEqual(area);
    await page.getByLabel('Show ground truth').uncheck();
    await expect.poll(() => page.getByTestId('viewport').getAttribute('data-drawn-layers')).toBe('');
    expect(await snapshotChange('without ground truth')).toBeGreaterThan(1000);

    // Opacity: at 0 % the ground truth is not drawn even when visible.
    await page.getByLabel('Show ground truth').check();
    await page.getByLabel('ground truth opacity').fill('0');
    await expect.poll(() => page.getByTestId('viewport').getAttribute('data-drawn-layers')).toBe('');

    expect(consoleProblems.filter((t) => /Content Security Policy|Refused to/i.test(t))).toEqual([]);
    expect(consoleProblems).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });

  it('shows a clear error banner for a file that does not exist', async () => {
    await page.getByLabel('Image or DICOM file', { exact: true }).fill('/nonexistent/study.png');
    await page.getByRole('button', { name: 'Open Image or DICOM file' }).click();
    const banner = page.getByRole('alert').filter({ hasText: 'Could not open the study.' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain('"/nonexistent/study.png" does not exist');
  });
});
