/**
 * The Audits page end to end in headless Chromium against `vlsm-audit serve`: build a plan in the form
 * (the generated test model on real Kvasir-SEG test images, FGSM and 3-step PGD at 8/255), run it with
 * live progress, browse the results (sort the table, curves, a cell's figures, open it in the viewer with
 * its ground truth), export the CSV and the PDF (read back with pdftotext); cancel a second audit mid-run
 * and resume it to the end; run a plan opened from a file. Run with `npm run test:e2e`.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { rendererConfig } from '../../electron.vite.config.js';
import { startServe } from '../../src/cli/commands/serve.js';
import { writeTestVlsm } from '../fixtures/test-vlsm.js';
import { dataRoot, repoRoot, skipWithoutData } from '../helpers/data.js';
import { skipWithout } from '../helpers/require.js';
import { pdfText, skipWithoutPoppler } from '../helpers/poppler.js';
import { tempDir } from '../helpers/tmp.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skipWithoutChromium = skipWithout(`Chromium at ${CHROMIUM}`, existsSync(CHROMIUM), 'apt-get install chromium, or set CHROMIUM_PATH');

describe.skipIf(skipWithoutData || skipWithoutPoppler || skipWithoutChromium)('Audits page against vlsm-audit serve', () => {
  const tmp = tempDir('vlsm-e2e-audits-');
  const rendererDir = join(tmp.path, 'renderer');
  let served: Awaited<ReturnType<typeof startServe>>;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ ...rendererConfig, configFile: false, mode: 'production', base: './', logLevel: 'warn', build: { ...rendererConfig.build, outDir: rendererDir, emptyOutDir: true } });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    writeTestVlsm(join(tmp.path, 'models', 'test-vlsm'));
    served = await startServe({ rendererDir, models: [join(tmp.path, 'models')], threads: 1 });
    mkdirSync(join(tmp.path, 'profile'));
    context = await chromium.launchPersistentContext(join(tmp.path, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Canvas2D')) problems.push(m.text());
    });
  });

  afterAll(async () => {
    await context?.close();
    await served?.server.close();
    await served?.service.dispose();
    tmp.remove();
  });

  async function fillPlan(limit: string, steps: string): Promise<void> {
    // wait for models:list (it preselects the bundled default) before choosing only the test model
    await page.getByRole('checkbox', { name: /test-vlsm/ }).waitFor();
    for (const box of await page.getByRole('group', { name: 'Models' }).getByRole('checkbox').all()) await box.uncheck();
    await page.getByRole('checkbox', { name: /test-vlsm/ }).check();
    await page.getByLabel('Dataset 1 name or folder').fill('kvasir-seg');
    await page.getByLabel('Dataset 1 limit').fill(limit);
    await page.getByLabel('Data root').fill(dataRoot);
    await page.getByLabel('Prompts').fill('polyp');
    await page.getByLabel('Attack 1 epsilons').fill('8/255');
    await page.getByLabel('Attack 2 epsilons').fill('8/255');
    await page.getByLabel('Attack 2 steps').fill(steps);
  }

  const progressState = () => page.getByTestId('audit-progress').getAttribute('data-state');

  it('runs a plan built in the form, then browses, opens and exports its results', async () => {
    await page.goto(served.server.url);
    await page.getByRole('button', { name: 'Audits' }).click();
    await fillPlan('2', '3');
    await page.getByLabel('Results store').fill(join(tmp.path, 'first.sqlite'));
    await page.getByRole('button', { name: 'Run audit' }).click();
    await expect.poll(progressState, { timeout: 170_000, interval: 500 }).toBe('done');
    expect(await page.getByTestId('audit-progress').textContent()).toContain('4/4 cells');

    const rows = page.getByTestId('results-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    expect(await page.getByTestId('curves').locator('svg').count()).toBe(1);

    // Sorting: the table opens worst first (adversarial Dice ascending); its header flips the order.
    const advDice = async () => (await rows.locator('td:nth-child(8)').allTextContents()).map(Number);
    const up = await advDice();
    expect(up).toEqual([...up].sort((a, b) => a - b));
    await page.getByRole('button', { name: /^adv\. Dice/ }).click();
    expect(await advDice()).toEqual([...up].reverse());
    await page.getByRole('button', { name: /^prompt/ }).click();
    expect(await page.getByRole('columnheader', { name: /^prompt/ }).getAttribute('aria-sort')).toBe('ascending');

    // A cell: its figure row, then the viewer with the image and its ground truth.
    await rows.first().click();
    await page.getByTestId('cell-detail').waitFor();
    expect(await page.getByTestId('cell-detail').locator('img').count()).toBe(5);
    await page.screenshot({ path: join(repoRoot, 'test-results', 'e2e-audits.png'), fullPage: true });
    await page.getByRole('button', { name: 'Open in viewer' }).click();
    // the workstation opens the cell's image with its ground-truth mask drawn as an overlay
    await expect.poll(() => page.getByTestId('gt-meta').textContent(), { timeout: 30_000 }).toMatch(/mask .*\.png/);
    await expect.poll(() => page.getByTestId('main-overlay').getAttribute('data-drawn-layers'), { timeout: 30_000 }).toMatch(/^gt:/);
    await page.getByRole('button', { name: 'Audits' }).click();

    // Exports: the CSV has one line per cell, the PDF the verdict for the test model.
    await page.getByLabel('Results store').fill(join(tmp.path, 'first.sqlite'));
    await page.getByRole('button', { name: 'Open results' }).click();
    await expect.poll(() => rows.count()).toBe(4);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csvPath = join(tmp.path, 'cells.csv');
    await csv.saveAs(csvPath);
    expect(readFileSync(csvPath, 'utf8').trim().split('\n')).toHaveLength(5);
    const [pdf] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByRole('button', { name: 'Export PDF report' }).click()]);
    expect(pdf.suggestedFilename()).toMatch(/-report\.pdf$/);
    const pdfPath = join(tmp.path, 'report.pdf');
    await pdf.saveAs(pdfPath);
    const text = pdfText(pdfPath);
    expect(text).toContain('Verdict');
    expect(text).toMatch(/test-vlsm\s+kvasir-seg\s+2\s/);
  });

  it('cancels a running audit and resumes it to the end', async () => {
    await page.getByRole('button', { name: 'Audits' }).click();
    await fillPlan('6', '20');
    await page.getByLabel('Results store').fill(join(tmp.path, 'second.sqlite'));
    await page.getByRole('button', { name: 'Run audit' }).click();
    await expect.poll(progressState).toBe('running');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(progressState, { timeout: 120_000, interval: 500 }).toBe('cancelled');
    const stopped = await page.getByTestId('audit-progress').textContent();
    const done = Number(/(\d+)\/12 cells/.exec(stopped ?? '')?.[1]);
    expect(done).toBeLessThan(12);

    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(progressState, { timeout: 170_000, interval: 500 }).toBe('done');
    expect(await page.getByTestId('audit-progress').textContent()).toContain('12/12 cells');
    await expect.poll(() => page.getByTestId('results-table').locator('tbody tr').count()).toBe(12);
  });

  it('runs a plan opened from a YAML file (after refusing a broken one with its line)', async () => {
    const plan = {
      version: 1,
      name: 'from-file',
      models: [join(tmp.path, 'models', 'test-vlsm')],
      dataRoot,
      datasets: [{ kind: 'dataset', name: 'kvasir-seg', split: 'test', limit: 1 }],
      prompts: [{ mode: 'fixed', text: 'polyp' }],
      attacks: [{ name: 'fgsm', eps: ['4/255', '8/255'] }],
    };
    const file = (name: string, text: string) => ({ name, mimeType: 'application/yaml', buffer: Buffer.from(text) });
    await page.getByLabel('Plan file').setInputFiles(file('broken.yaml', 'version: 1\nname: [from-file\n'));
    await page.getByText(/Plan broken\.yaml is not valid YAML \(line \d+, column \d+: /).waitFor();
    await page.getByLabel('Plan file').setInputFiles(file('from-file.yaml', stringifyYaml(plan)));
    await page.getByText('Using from-file.yaml').waitFor();
    await page.getByLabel('Results store').fill(join(tmp.path, 'third.sqlite'));
    await page.getByRole('button', { name: 'Run audit' }).click();
    // the new run's own counter, not the previous run's "done" still on screen
    await expect.poll(() => page.getByTestId('audit-progress').textContent(), { timeout: 60_000 }).toMatch(/\/2 cells/);
    await expect.poll(progressState, { timeout: 120_000, interval: 500 }).toBe('done');
    await expect.poll(() => page.getByTestId('results-table').locator('tbody tr').count()).toBe(2);
    expect(problems).toEqual([]);
  });
});
