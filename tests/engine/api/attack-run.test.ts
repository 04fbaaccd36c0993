/**
 * `attack:run` through the handler table on the bundled film-unet and the first Kvasir-SEG test image
 * (the acceptance run: PGD 8/255, 40 steps, seed 0), progress per step, `result:get` returning
 * the same result, `result:export` writing its files, and `job:cancel` stopping a long run with nothing
 * kept. Also the ground-truth checks: a colour photo and a mask of the wrong size are refused.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, AttackResultInfo, EventPayload } from '../../../src/engine/api/contract.js';
import { createApiService, type ApiService } from '../../../src/engine/api/handlers.js';
import { dataPath, repoRoot, skipWithoutData } from '../../helpers/data.js';

const splits = skipWithoutData ? { test: ['x', 'y'] } : (JSON.parse(readFileSync(dataPath('kvasir-seg', 'splits.json'), 'utf8')) as { test: string[] });
const FIRST = splits.test[0];
const modelDir = join(repoRoot, 'resources', 'models', 'film-unet');

function value<T>(r: ApiResult<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

describe.skipIf(skipWithoutData)('attack:run', () => {
  let service: ApiService;
  const tmp = mkdtempSync(join(tmpdir(), 'vlsm-attack-run-'));
  const events: EventPayload<'progress'>[] = [];
  beforeAll(() => {
    service = createApiService({ transport: 'http', app: { name: 'VLSM Audit', version: 't' }, modelRoots: [], pathMode: 'any-local', threads: 2 });
    service.subscribe((e, p) => {
      if (e === 'progress') events.push(p);
    });
  });
  afterAll(async () => {
    await service.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  const args = {
    modelDir,
    imagePath: dataPath('kvasir-seg', 'images', `${FIRST}.jpg`),
    maskPath: dataPath('kvasir-seg', 'masks', `${FIRST}.png`),
    prompt: 'polyp',
    attack: 'pgd',
    eps255: 8,
    steps: 40,
    seed: 0,
  };

  // Acceptance (issue 10): adversarial Dice < ½ clean with the default loss (soft Dice; with DiceCE PGD stalls at
  // 0.4733 vs 0.9109, ½ = 0.4554, because it trades true positives for false-positive area).
  it('PGD 8/255 on the first Kvasir test image lowers Dice within budget, with progress per step, and restores/exports', async () => {
    const r = value<AttackResultInfo>(await service.dispatch('attack:run', args, { requestId: 'acc-1' }));
    console.log(`attack:run ${FIRST}: clean Dice ${r.metrics.clean.dice}, adversarial Dice ${r.metrics.adversarial.dice}, L∞ ${r.metrics.linf255}/255, ratio ${(r.metrics.adversarial.dice / r.metrics.clean.dice).toFixed(4)}, ${r.ms} ms`);
    expect(r.referenceKind).toBe('ground-truth');
    expect(r.metrics.linf255).toBeLessThanOrEqual(8);
    expect(r.metrics.clean.dice).toBeGreaterThan(0.5);
    expect(r.metrics.adversarial.dice).toBeLessThan(r.metrics.clean.dice * 0.5);
    expect(r.perturbationMax255).toBeLessThanOrEqual(8 + 1e-4);
    const steps = events.filter((e) => e.requestId === 'acc-1' && e.stage === 'attacking');
    expect(steps.length).toBe(40);
    expect(steps.at(-1)?.fraction).toBe(1);

    expect(value<AttackResultInfo>(await service.dispatch('result:get', { resultId: r.resultId }))).toEqual(r);
    const out = join(tmp, 'export');
    const missing = await service.dispatch('result:export', { resultId: r.resultId, dir: out });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
    await import('node:fs').then((fs) => fs.mkdirSync(out));
    const ex = value<{ files: string[] }>(await service.dispatch('result:export', { resultId: r.resultId, dir: out }));
    expect(readdirSync(out).sort()).toEqual([...ex.files].sort());
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.metrics.adversarial.dice).toBe(r.metrics.adversarial.dice);
    expect(existsSync(join(out, 'adversarial.png'))).toBe(true);
  });

  it('job:cancel stops a running attack; it answers "cancelled" and keeps no result', async () => {
    const running = service.dispatch('attack:run', { ...args, steps: 5000 }, { requestId: 'cancel-me' });
    await expect.poll(() => events.some((e) => e.requestId === 'cancel-me' && e.stage === 'attacking'), { timeout: 60_000 }).toBe(true);
    expect(value<{ cancelled: boolean }>(await service.dispatch('job:cancel', { requestId: 'cancel-me' }))).toEqual({ cancelled: true });
    const r = await running;
    expect(r).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    const steps = events.filter((e) => e.requestId === 'cancel-me' && e.stage === 'attacking').length;
    expect(steps).toBeLessThan(5000);
    expect(value<{ cancelled: boolean }>(await service.dispatch('job:cancel', { requestId: 'cancel-me' }))).toEqual({ cancelled: false });
  });

  it('refuses an unknown attack kind naming the known ones, a colour photo as mask, and a mask of another size', async () => {
    const unknown = await service.dispatch('attack:run', { ...args, attack: 'banana' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'bad-args' } });
    expect(!unknown.ok && unknown.error.message).toMatch(/Unknown attack "banana"; choose one of .*pgd/);
    const photo = await service.dispatch('mask:open', { path: args.imagePath });
    expect(photo).toMatchObject({ ok: false, error: { code: 'decode-failed' } });
    expect(!photo.ok && photo.error.message).toMatch(/is a colour image .* not a mask/);
    const other = splits.test.find((id) => id !== FIRST && readFileSync(dataPath('kvasir-seg', 'masks', `${id}.png`)).readUInt32BE(16) !== readFileSync(args.maskPath).readUInt32BE(16))!;
    const wrong = await service.dispatch('attack:run', { ...args, steps: 1, maskPath: dataPath('kvasir-seg', 'masks', `${other}.png`) });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'decode-failed' } });
    expect(!wrong.ok && wrong.error.message).toMatch(/choose the mask that belongs to this image/);
    const good = await service.dispatch('mask:open', { path: args.maskPath });
    expect(good.ok).toBe(true);
  });
});
