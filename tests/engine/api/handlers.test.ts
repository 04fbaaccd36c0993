import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, CallResult } from '../../../src/engine/api/contract.js';
import { createApiService, type ApiService } from '../../../src/engine/api/handlers.js';
import { dataPath, skipWithoutData } from '../../helpers/data.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';

const ID = 'cju0u82z3cuma0835wlxrnrjv'; // a Kvasir-SEG test-split image
const tmp = mkdtempSync(join(tmpdir(), 'vlsm-handlers-'));
const models = join(tmp, 'models');
const modelDir = join(models, 'test-vlsm');
const brokenDir = join(models, 'broken');

let service: ApiService;
beforeAll(() => {
  writeTestVlsm(modelDir);
  mkdirSync(brokenDir, { recursive: true });
  writeFileSync(join(brokenDir, 'vlsm.json'), JSON.stringify({ schemaVersion: 1, name: 'broken' }));
  writeFileSync(join(tmp, 'corrupt.png'), 'not a png at all');
  service = createApiService({ transport: 'http', app: { name: 'VLSM Audit', version: 't' }, modelRoots: [{ dir: models, origin: 'extra' }], pathMode: 'any-local', threads: 1 });
});
afterAll(async () => {
  await service.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

function value<T>(r: ApiResult<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

describe('handler table', () => {
  it('lists model packages, with the problem of a broken one', async () => {
    const { models: list } = value<CallResult<'models:list'>>(await service.dispatch('models:list', {}));
    const good = list.find((m) => m.dir === modelDir);
    expect(good).toMatchObject({ name: 'test-vlsm', problem: null, origin: 'extra' });
    expect(good?.defaultPrompts['kvasir-seg']).toBe('polyp');
    const broken = list.find((m) => m.dir === brokenDir);
    expect(broken?.problem).toMatch(/vlsm\.json/);
  });

  it('reports a corrupt image and a missing model as typed errors, not crashes', async () => {
    const corrupt = await service.dispatch('study:open', { path: join(tmp, 'corrupt.png') });
    expect(corrupt).toMatchObject({ ok: false, error: { code: 'decode-failed' } });
    const noModel = await service.dispatch('segment:run', { modelDir: brokenDir, imagePath: join(tmp, 'corrupt.png'), prompt: 'polyp' });
    expect(noModel).toMatchObject({ ok: false, error: { code: 'model-invalid' } });
    const missing = await service.dispatch('model:open', { dir: join(tmp, 'nope') });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('granted-only mode refuses paths the user did not choose, and accepts them after the dialog', async () => {
    const file = join(tmp, 'corrupt.png');
    const strict = createApiService({
      transport: 'ipc',
      app: { name: 'VLSM Audit', version: 't' },
      modelRoots: [],
      pathMode: 'granted-only',
      openDialog: async () => file,
    });
    expect(await strict.dispatch('study:open', { path: file })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(value<{ path: string }>(await strict.dispatch('dialog:open', { kind: 'study' })).path).toBe(file);
    expect(await strict.dispatch('study:open', { path: file })).toMatchObject({ ok: false, error: { code: 'decode-failed' } });
    await strict.dispose();
  });

  it.skipIf(skipWithoutData)('opens a chosen frame of a multi-frame DICOM', async () => {
    const path = dataPath('dicom', 'dcmqi', '23x38x3', 'multiframe', 'mf.dcm');
    const s = value<CallResult<'study:open'>>(await service.dispatch('study:open', { path, frame: 2 }));
    expect(s).toMatchObject({ format: 'dicom', width: 23, height: 38, frame: 2, frames: 3, modality: 'CT' });
    const out = await service.dispatch('study:open', { path, frame: 3 });
    expect(out).toMatchObject({ ok: false, error: { code: 'decode-failed' } });
  });

  describe.skipIf(skipWithoutData)('on a real Kvasir-SEG image', () => {
    const image = dataPath('kvasir-seg', 'images', `${ID}.jpg`);
    const mask = dataPath('kvasir-seg', 'masks', `${ID}.png`);

    it('opens the study and its mask for display', async () => {
      const s = value<CallResult<'study:open'>>(await service.dispatch('study:open', { path: image }));
      expect(s).toMatchObject({ format: 'jpeg', channels: 3, frame: 0, frames: 1 });
      const m = value<CallResult<'mask:open'>>(await service.dispatch('mask:open', { path: mask }));
      expect([m.width, m.height]).toEqual([s.width, s.height]);
      expect(m.area).toBeGreaterThan(0);
    });

    it('segments with the test model, scores against the mask and reports progress', async () => {
      const stages: string[] = [];
      const off = service.subscribe((event, p) => {
        if (event === 'progress' && p.requestId === 'seg-1') stages.push(p.stage);
      });
      const r = value<CallResult<'segment:run'>>(
        await service.dispatch('segment:run', { modelDir, imagePath: image, prompt: ' polyp ', maskPath: mask }, { requestId: 'seg-1' }),
      );
      off();
      expect(r.provider).toBe('cpu');
      expect(r.prompt).toBe('polyp');
      expect(r.model).toMatchObject({ name: 'test-vlsm', dir: modelDir });
      expect(r.model.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r.mask.png).toMatch(/^data:image\/png;base64,/);
      expect(r.metrics?.dice).toBeGreaterThanOrEqual(0);
      expect(r.metrics?.dice).toBeLessThanOrEqual(1);
      expect(r.metrics?.iou).toBeLessThanOrEqual(r.metrics!.dice);
      expect(stages).toEqual(['loading-model', 'decoding', 'segmenting', 'done']);
    });

    it('refuses a mask of another size with a sentence naming both sizes', async () => {
      const other = join(tmp, 'small-mask.png');
      const png = new PNG({ width: 5, height: 4 });
      png.data.fill(255);
      writeFileSync(other, PNG.sync.write(png));
      const r = await service.dispatch('segment:run', { modelDir, imagePath: image, prompt: 'polyp', maskPath: other });
      expect(r).toMatchObject({ ok: false, error: { code: 'bad-args' } });
      if (!r.ok) expect(r.error.message).toMatch(/is 5×4 but the image is \d+×\d+; choose the mask that belongs to this image/);
    });
  });
});
