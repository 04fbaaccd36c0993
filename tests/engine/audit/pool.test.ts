/**
 * Local audit workers on the job mechanism (JobTaskPool, task `audit:task`): N worker processes give the
 * same cells as the in-process pool and are reused across tasks (they keep their model); the app bundle's
 * job-worker entry runs audit tasks; a failing task is a TaskError naming it; a cancel sends no new task
 * and lets the cells in flight finish. The tiny test-vlsm model on three Kvasir-SEG images keeps it fast.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandPlan, type Task } from '../../../src/engine/audit/cells.js';
import type { TaskResult } from '../../../src/engine/audit/execute.js';
import { validatePlan } from '../../../src/engine/audit/plan.js';
import { InProcessPool, JobTaskPool, TaskError, type TaskPool } from '../../../src/engine/audit/pool.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';
import { dataPath, inCI, repoRoot, skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';

const tmp = tempDir();
const rt = { provider: 'cpu' as const, threads: 1, graphCacheDir: join(tmp.path, 'graphs') };
let tasks: Task[] = [];

beforeAll(async () => {
  if (skipWithoutData) return;
  const modelDir = writeTestVlsm(join(tmp.path, 'test-vlsm'));
  const plan = validatePlan({
    version: 1,
    name: 'pool',
    models: [modelDir],
    dataRoot: dataPath(),
    datasets: [{ kind: 'dataset', name: 'kvasir-seg', limit: 3 }],
    attacks: [{ name: 'clean', eps: [0] }, { name: 'fgsm', eps: ['8/255'] }, { name: 'pgd', eps: ['4/255'], steps: 2, randomStart: true }],
  });
  tasks = (await expandPlan(plan)).tasks;
});
afterAll(() => tmp.remove());

async function collect(pool: TaskPool, list: readonly Task[], signal?: AbortSignal): Promise<Map<string, TaskResult>> {
  const out = new Map<string, TaskResult>();
  try {
    await pool.run(list, (t, r) => out.set(t.key, r), signal);
  } finally {
    await pool.close();
  }
  return out;
}

const metricsByCell = (m: Map<string, TaskResult>) => Object.fromEntries([...m.values()].flatMap((r) => r.cells.map((c) => [c.key, { metrics: c.metrics, adv: c.example.adversarial }])));

describe.skipIf(skipWithoutData)('JobTaskPool (audit tasks in job workers)', () => {
  let reference: Map<string, TaskResult>;
  beforeAll(async () => {
    reference = await collect(new InProcessPool(rt), tasks);
  });

  it('2 workers give the in-process cells exactly and each worker serves several tasks', async () => {
    expect(tasks.length).toBe(9);
    const pool = new JobTaskPool(2, rt);
    const got = await collect(pool, tasks);
    expect(metricsByCell(got)).toEqual(metricsByCell(reference));
    expect(pool.stats()).toMatchObject({ workersStarted: 2, jobsDone: 9, jobsFailed: 0 });
    expect(new Set([...got.values()].map((r) => r.worker)).size).toBe(2);
  });

  // The Electron app forks out/main/job-worker.js (electron-vite's second main entry) as Node; the test
  // command builds it before the tests run. Running that file proves the bundle holds the audit task.
  const bundle = join(repoRoot, 'out', 'main', 'job-worker.js');
  const built = existsSync(bundle);
  it.skipIf(!built && !inCI)('the app bundle job worker (out/main/job-worker.js) runs audit tasks (needs npx electron-vite build; skipped locally without it)', async () => {
    expect(existsSync(bundle), `${bundle} is missing: the app build must run before the tests`).toBe(true);
    const saved = process.env.VLSM_JOB_WORKER;
    process.env.VLSM_JOB_WORKER = bundle;
    try {
      const some = tasks.slice(0, 3);
      const got = await collect(new JobTaskPool(1, rt), some);
      expect(metricsByCell(got)).toEqual(metricsByCell(new Map(some.map((t) => [t.key, reference.get(t.key)!]))));
    } finally {
      if (saved === undefined) delete process.env.VLSM_JOB_WORKER;
      else process.env.VLSM_JOB_WORKER = saved;
    }
  });

  it('a failing task is a TaskError naming its attack and image', async () => {
    const missing = join(tmp.path, 'gone.png');
    const bad = tasks.slice(0, 3).map((t, i) => (i === 1 ? { ...t, images: t.images.map((im) => ({ ...im, path: missing })) } : t));
    const err = await collect(new JobTaskPool(2, rt), bad).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(TaskError);
    expect(err!.message).toContain(`${tasks[1].setting.label} ${tasks[1].setting.epsText} seed 0 on kvasir-seg/${tasks[1].images[0].id} failed`);
    expect(err!.message).toContain(missing);
  });

  it('a cancel sends no new task and lets the tasks in flight finish', async () => {
    const abort = new AbortController();
    const out = new Map<string, TaskResult>();
    const pool = new JobTaskPool(2, rt);
    try {
      await pool.run(tasks, (t, r) => {
        out.set(t.key, r);
        abort.abort();
      }, abort.signal);
    } finally {
      await pool.close();
    }
    // the first result cancels; the other worker's task was in flight and still comes back
    expect(out.size).toBeGreaterThanOrEqual(1);
    expect(out.size).toBeLessThanOrEqual(2);
    expect(pool.stats().jobsDone).toBe(out.size);
  });
});
