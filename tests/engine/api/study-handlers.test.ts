/**
 * The workstation calls through the handler table (and so through the job workers): a real CT folder
 * scans into one sorted series, `image:pixels` gives HU values that equal pydicom's (an independent
 * reader) with the file's window, and `groundtruth:open` puts the DICOM SEG on the series' slices.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, CallResult } from '../../../src/engine/api/contract.js';
import { createApiService, type ApiService } from '../../../src/engine/api/handlers.js';
import { closeDecodePool } from '../../../src/engine/jobs/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataPath, repoRoot, skipWithoutData } from '../../helpers/data.js';

function value<T>(r: ApiResult<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

describe.skipIf(skipWithoutData)('workstation calls', () => {
  let service: ApiService;
  beforeAll(() => {
    service = createApiService({ transport: 'http', app: { name: 'VLSM Audit', version: 't' }, modelRoots: [], pathMode: 'any-local', threads: 1 });
  });
  afterAll(async () => {
    await service.dispose();
    await closeDecodePool();
  });

  it('scans, reads HU pixels and opens SEG ground truth on the series', async () => {
    const scan = value<CallResult<'study:scan'>>(await service.dispatch('study:scan', { path: dataPath('dicom', 'dcmqi') }));
    const ct = scan.patients.flatMap((p) => p.studies.flatMap((s) => s.series)).find((s) => s.instances.some((i) => i.path.endsWith('ct-3slice/01.dcm')))!;
    expect(ct.instances.map((i) => i.path.split('/').pop())).toEqual(['03.dcm', '02.dcm', '01.dcm']);
    expect(ct.thumbnail).toMatch(/^data:image\/png;base64,/);
    expect(scan.groundTruth.map((g) => g.path.split('/').pop())).toEqual(expect.arrayContaining(['liver.dcm', 'partial_overlaps.dcm']));

    const first = ct.instances[0].path;
    const px = value<CallResult<'image:pixels'>>(await service.dispatch('image:pixels', { path: first }));
    expect(px).toMatchObject({ width: 512, height: 512, channels: 1, units: 'HU' });
    expect(px.windows[0]).toMatchObject({ center: 40, width: 400 });
    expect(px.descriptor?.modality).toBe('CT');
    const values = new Float32Array(Buffer.from(px.pixels, 'base64').buffer.slice(0));
    const ref = JSON.parse(
      execFileSync('/usr/bin/python3', ['-c', 'import pydicom,sys,json;d=pydicom.dcmread(sys.argv[1]);a=d.pixel_array*float(d.RescaleSlope)+float(d.RescaleIntercept);print(json.dumps([float(a[256,256]),float(a[100,300]),float(a.min()),float(a.max())]))', first], { encoding: 'utf8' }),
    ) as number[];
    expect([values[256 * 512 + 256], values[100 * 512 + 300], px.min, px.max]).toEqual(ref);

    const slices = ct.instances.map((i) => ({ path: i.path, frame: 0 }));
    const gt = value<CallResult<'groundtruth:open'>>(await service.dispatch('groundtruth:open', { path: dataPath('dicom', 'dcmqi', 'liver.dcm'), slices }));
    expect(gt.segments[0].label).toBe('Liver');
    expect(gt.segments[0].slices.map((s) => s.index)).toEqual([0, 1, 2]);
    expect(gt.segments[0].slices.every((s) => s.area > 30_000)).toBe(true);

    const segAsImage = await service.dispatch('image:pixels', { path: dataPath('dicom', 'dcmqi', 'liver.dcm') });
    expect(!segAsImage.ok && segAsImage.error.message).toMatch(/is a DICOM Segmentation; open it as ground truth/);

    const notGt = await service.dispatch('groundtruth:open', { path: first, slices });
    expect(notGt).toMatchObject({ ok: false, error: { code: 'decode-failed' } });
    expect(!notGt.ok && notGt.error.message).toMatch(/neither a DICOM SEG nor an RTSTRUCT/);
  });

  it('model:card returns the package README (the card) and null for a package without one', async () => {
    const card = value<CallResult<'model:card'>>(await service.dispatch('model:card', { dir: join(repoRoot, 'resources', 'models', 'film-unet') }));
    expect(card.text).toMatch(/film-unet/);
    expect(card.text).toMatch(/non-commercial/i);
    const empty = mkdtempSync(join(tmpdir(), 'vlsm-nocard-'));
    const none = value<CallResult<'model:card'>>(await service.dispatch('model:card', { dir: empty }));
    rmSync(empty, { recursive: true });
    expect(none.text).toBeNull();
  });
});
