/**
 * `report:export` and `results:cell` through the handler table: a one-cell audit of the generated test
 * model on a real Kvasir-SEG image, then the PDF as a data URL whose hash equals the one the CLI's
 * generator computes from the same store, and the cell's figure row and source files; a missing store and
 * a non-store file are typed errors, not crashes.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePlan } from '../../../src/engine/audit/plan.js';
import { runAudit } from '../../../src/engine/audit/runner.js';
import type { ApiResult, CallResult } from '../../../src/engine/api/contract.js';
import { createApiService, type ApiService } from '../../../src/engine/api/handlers.js';
import { decodePool, JobPool } from '../../../src/engine/jobs/index.js';
import { reportHashFromStore } from '../../../src/engine/report/index.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';
import { dataRoot, inCI, repoRoot, skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';

describe.skipIf(skipWithoutData)('report:export', () => {
  const tmp = tempDir('vlsm-report-api-');
  const db = join(tmp.path, 'one.sqlite');
  let service: ApiService;

  beforeAll(async () => {
    const model = writeTestVlsm(join(tmp.path, 'test-vlsm'));
    const plan = validatePlan({
      version: 1,
      name: 'one cell',
      models: [model],
      dataRoot,
      datasets: [{ kind: 'dataset', name: 'kvasir-seg', split: 'test', limit: 1 }],
      prompts: [{ mode: 'fixed', text: 'polyp' }],
      attacks: [{ name: 'fgsm', eps: ['4/255'] }],
    });
    await runAudit(plan, { db, jobs: 1, resume: false, provider: 'cpu', threads: 1, graphCacheDir: join(tmp.path, 'graphs') });
    service = createApiService({ transport: 'http', app: { name: 'VLSM Audit', version: 't' }, modelRoots: [], pathMode: 'any-local', threads: 1 });
  });
  afterAll(async () => {
    await service?.dispose();
    tmp.remove();
  });

  it('returns the PDF as a data URL with the hash the store gives, built in a job worker', async () => {
    const before = decodePool().stats().jobsDone;
    const r = (await service.dispatch('report:export', { db, created: '2026-12-01T10:00:00Z' })) as ApiResult<CallResult<'report:export'>>;
    if (!r.ok) throw new Error(r.error.message);
    // the PDF was made by a worker process, not on this event loop
    expect(decodePool().stats().jobsDone).toBe(before + 1);
    const pdf = Buffer.from(r.value.pdf.slice('data:application/pdf;base64,'.length), 'base64');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBe(r.value.bytes);
    expect(r.value.hash).toBe(reportHashFromStore({ db }));
    expect(r.value.fileName).toMatch(/^one-cell-[0-9a-f]{12}-report\.pdf$/);
    expect(pdf.toString('latin1')).toContain(`report-hash:${r.value.hash}`);
  });

  // The app forks out/main/job-worker.js (built by the test command before the tests run): the report
  // task must load there too (pdfmake, Vega, fonts), not only from the tsc build.
  const bundle = join(repoRoot, 'out', 'main', 'job-worker.js');
  it.skipIf(!existsSync(bundle) && !inCI)('the app bundle’s job worker builds the same report (needs npx electron-vite build; skipped locally without it)', async () => {
    expect(existsSync(bundle), `${bundle} is missing: the app build must run before the tests`).toBe(true);
    const saved = process.env.VLSM_JOB_WORKER;
    process.env.VLSM_JOB_WORKER = bundle;
    const pool = new JobPool({ maxWorkers: 1 });
    try {
      const r = await pool.run('report:export', { db, created: '2026-12-01T10:00:00Z' });
      expect(Buffer.from(r.pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(r.hash).toBe(reportHashFromStore({ db }));
    } finally {
      await pool.close();
      if (saved === undefined) delete process.env.VLSM_JOB_WORKER;
      else process.env.VLSM_JOB_WORKER = saved;
    }
  });

  it('results:cell gives the figure row of a stored cell and the files to open in the viewer', async () => {
    const { AuditStore } = await import('../../../src/engine/audit/store.js');
    const store = AuditStore.open(db, { readOnly: true });
    const [cell] = store.cells();
    store.close();
    const r = (await service.dispatch('results:cell', { db, cellKey: cell.key })) as ApiResult<CallResult<'results:cell'>>;
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.panels?.map((p) => p.caption.split(':')[0])).toEqual(['original + ground truth', 'perturbed (as stored)', 'clean prediction', 'adversarial prediction', 'perturbation']);
    expect(r.value.imagePath).toMatch(/kvasir-seg\/images\/.+\.jpg$/);
    expect(r.value.maskPath).toMatch(/kvasir-seg\/masks\/.+\.png$/);
    expect(r.value.advDice).toBe(cell.metrics.adversarial.dice);
    expect(await service.dispatch('results:cell', { db, cellKey: 'f'.repeat(64) })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('answers a missing store and a file that is not a store with one sentence', async () => {
    expect(await service.dispatch('report:export', { db: join(tmp.path, 'nope.sqlite') })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    writeFileSync(join(tmp.path, 'text.sqlite'), 'not sqlite');
    const bad = await service.dispatch('report:export', { db: join(tmp.path, 'text.sqlite') });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-args' } });
    expect(await service.dispatch('report:export', { db, auditId: 'zz' })).toMatchObject({ ok: false, error: { code: 'bad-args' } });
  });
});
