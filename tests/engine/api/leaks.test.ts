/**
 * `serve` must not disclose files (issue 14): study:open and mask:open on a readable non-image (e.g. a
 * symlink to /etc/shadow) quoted its first 16 characters and named the link's target. Errors say what
 * kind of file it is not, name the path as given, and never quote content; the same for JSON files of a
 * model folder. Runs the real handler table (as `serve` registers it) on files made here.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult } from '../../../src/engine/api/contract.js';
import { createApiService, type ApiService } from '../../../src/engine/api/handlers.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';

const SECRET = 'root:*:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n';
const tmp = mkdtempSync(join(tmpdir(), 'vlsm-leaks-'));
const hidden = join(tmp, 'hidden-target-dir');
const secretFile = join(hidden, 'shadow-copy');
const link = join(tmp, 'scan.png');
const models = join(tmp, 'models');
let service: ApiService;

beforeAll(() => {
  mkdirSync(hidden);
  writeFileSync(secretFile, SECRET);
  symlinkSync(secretFile, link);
  writeTestVlsm(join(models, 'ok'));
  writeFileSync(join(tmp, 'real.png'), PNG.sync.write(new PNG({ width: 8, height: 8 })));
  // A model folder whose vlsm.json is a link to the secret file.
  mkdirSync(join(tmp, 'evil-model'));
  symlinkSync(secretFile, join(tmp, 'evil-model', 'vlsm.json'));
  service = createApiService({ transport: 'http', app: { name: 'VLSM Audit', version: 't' }, modelRoots: [{ dir: models, origin: 'extra' }], pathMode: 'any-local', threads: 1 });
});
afterAll(async () => {
  await service.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

function error(r: ApiResult<unknown>): { code: string; message: string } {
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

const noLeak = (message: string) => {
  expect(message).not.toMatch(/root|daemon|20228|99999/);
  expect(message).not.toContain('hidden-target-dir');
  expect(message).not.toContain('shadow-copy');
};

describe('error messages disclose neither content nor link targets', () => {
  it('study:open on a link to a text file', async () => {
    const e = error(await service.dispatch('study:open', { path: link }));
    expect(e.code).toBe('decode-failed');
    expect(e.message).toBe(`${link}: not a PNG, JPEG or DICOM image (it is a text file)`);
    noLeak(e.message);
  });

  it('mask:open on the same link', async () => {
    const e = error(await service.dispatch('mask:open', { path: link }));
    expect(e.message).toBe(`${link}: a mask must be a PNG or JPEG image (it is a text file)`);
    noLeak(e.message);
  });

  it('segment:run with the link as image and as mask', async () => {
    const asImage = error(await service.dispatch('segment:run', { modelDir: join(models, 'ok'), imagePath: link, prompt: 'polyp' }));
    const asMask = error(await service.dispatch('segment:run', { modelDir: join(models, 'ok'), imagePath: join(tmp, 'real.png'), maskPath: link, prompt: 'polyp' }));
    for (const e of [asImage, asMask]) {
      expect(e.message).toContain(link);
      noLeak(e.message);
    }
  });

  it('model:open on a folder whose vlsm.json links to the file', async () => {
    const r = await service.dispatch('model:open', { dir: join(tmp, 'evil-model') });
    const text = r.ok ? JSON.stringify((r.value as { problem: unknown }).problem) : error(r).message;
    expect(text).toMatch(/not valid JSON/);
    expect(text).not.toMatch(/root|daemon|20228/);
  });
});
