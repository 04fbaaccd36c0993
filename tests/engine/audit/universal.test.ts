/**
 * The `uap` audit attack (audit/universal.ts) with the tiny test-vlsm model on real Kvasir-SEG images:
 * one δ per setting, trained once on train-split images before the tasks run, kept in the store with its
 * sha256 and named by every cell of the setting; a resumed run (on 2 job workers) trains nothing and ends
 * with the uninterrupted run's cells bit for bit; the δ changes predictions on unseen test images; and
 * plans that would train on evaluated images are refused.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandPlan, type Task } from '../../../src/engine/audit/cells.js';
import { validatePlan, type AuditPlan } from '../../../src/engine/audit/plan.js';
import { InProcessPool, JobTaskPool, type TaskPool } from '../../../src/engine/audit/pool.js';
import { runAudit } from '../../../src/engine/audit/runner.js';
import { AuditStore } from '../../../src/engine/audit/store.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';
import { dataPath, skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';
import { storeFingerprint } from '../../cli/audit-helpers.js';

const tmp = tempDir();
const rt = { provider: 'cpu' as const, threads: 1, graphCacheDir: join(tmp.path, 'graphs') };
let modelDir = '';
beforeAll(() => {
  modelDir = writeTestVlsm(join(tmp.path, 'test-vlsm'));
});
afterAll(() => tmp.remove());

const plan = (uap: Record<string, unknown> = {}): AuditPlan =>
  validatePlan({
    version: 1,
    name: 'uap-test',
    models: [modelDir],
    dataRoot: dataPath(),
    datasets: [{ kind: 'dataset', name: 'kvasir-seg', split: 'test', limit: 3 }],
    attacks: [{ name: 'clean', eps: [0] }, { name: 'uap', eps: ['8/255', '16/255'], steps: 2, alpha: '4/255', options: { trainLimit: 4, batch: 2 }, ...uap }],
  });

/** Counts the δ trainings a pool is asked for. */
function counting(pool: TaskPool): TaskPool & { trained: number } {
  const c = {
    trained: 0,
    run: pool.run.bind(pool),
    close: pool.close.bind(pool),
    universal: (t: Task) => {
      c.trained++;
      return pool.universal(t);
    },
  };
  return c;
}

describe.skipIf(skipWithoutData)('uap in audits', () => {
  it('trains one δ per setting once, stores it with its hash, and every cell of the setting names it', async () => {
    const db = join(tmp.path, 'full.sqlite');
    const pool = counting(new InProcessPool(rt));
    const s = await runAudit(plan(), { db, jobs: 1, resume: false, ...rt, pool });
    expect(s).toMatchObject({ status: 'done', total: 9 });
    expect(pool.trained).toBe(2);
    const store = AuditStore.open(db, { readOnly: true });
    try {
      const deltas = store.rows('universals');
      expect(deltas).toHaveLength(2);
      for (const d of deltas) expect(createHash('sha256').update(d.delta as Uint8Array).digest('hex')).toBe(d.sha256);
      const uap = store.cells().filter((c) => c.attack === 'uap');
      expect(uap).toHaveLength(6);
      const keyOf = (c: (typeof uap)[number]) => (c.params as { options: { universal: string } }).options.universal;
      for (const eps of [8 / 255, 16 / 255]) {
        const keys = new Set(uap.filter((c) => Math.abs(c.eps - eps) < 1e-12).map(keyOf));
        expect(keys.size).toBe(1);
        expect(deltas.map((d) => d.delta_key)).toContain([...keys][0]);
      }
      // the trained δ moves predictions on test images it never saw
      expect(uap.some((c) => c.metrics.adversarial.dice !== c.metrics.clean.dice)).toBe(true);
      for (const c of uap) expect(c.metrics.perturbation.linf255).toBeLessThanOrEqual(c.eps * 255 + 1e-6);
    } finally {
      store.close();
    }
  });

  it('a cancelled run resumed on 2 job workers trains nothing again and equals the uninterrupted run', async () => {
    const db = join(tmp.path, 'resumed.sqlite');
    const abort = new AbortController();
    const first = await runAudit(plan(), { db, jobs: 1, resume: false, ...rt, signal: abort.signal, onProgress: (p) => p.done >= 2 && abort.abort() });
    expect(first.status).toBe('cancelled');
    const pool = counting(new JobTaskPool(2, rt));
    const s = await runAudit(plan(), { db, jobs: 2, resume: true, ...rt, pool });
    expect(s.status).toBe('done');
    expect(pool.trained).toBe(0);
    expect(storeFingerprint(db).cells).toEqual(storeFingerprint(join(tmp.path, 'full.sqlite')).cells);
  });

  it('refuses a training split that holds evaluated images, and unknown uap options', async () => {
    await expect(expandPlan(plan({ options: { trainSplit: 'test' } }))).rejects.toThrow(/training split test holds the evaluated image/);
    await expect(expandPlan(plan({ options: { epochs: 3 } }))).rejects.toThrow(/uap takes trainSplit, trainLimit and batch, not "epochs"/);
  });
});
