/**
 * The audit calls through the one handler table: audit:start runs in the background with progress
 * events, audit:status/list/results:query report it, audit:resume continues from the plan in the store,
 * audit:cancel stops a run, and bad input is a typed error with one sentence.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, CallResult, EventPayload } from '../../../src/engine/api/contract.js';
import { createApiService, type ApiService } from '../../../src/engine/api/handlers.js';
import { dataPath, skipWithoutData } from '../../helpers/data.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';
import { tempDir } from '../../helpers/tmp.js';

const tmp = tempDir();
const elsewhere = tempDir();
let service: ApiService;
const events: Array<EventPayload<'progress'>> = [];
let modelDir: string;

beforeAll(() => {
  modelDir = writeTestVlsm(join(tmp.path, 'test-vlsm'));
  service = createApiService({ transport: 'http', app: { name: 'VLSM Audit', version: 't' }, modelRoots: [], pathMode: 'any-local', threads: 1 });
  service.subscribe((event, payload) => {
    if (event === 'progress') events.push(payload as EventPayload<'progress'>);
  });
});
afterAll(async () => {
  await service.dispose();
  tmp.remove();
  elsewhere.remove();
});

function value<T>(r: ApiResult<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

const plan = (limit: number) => ({
  version: 1,
  name: 'api',
  models: [modelDir],
  dataRoot: dataPath(),
  datasets: [{ kind: 'dataset', name: 'kvasir-seg', limit }],
  attacks: [{ name: 'clean', eps: [0] }, { name: 'fgsm', eps: ['8/255'] }],
});

async function until(runId: string, states: string[]): Promise<CallResult<'audit:status'>['runs'][number]> {
  for (;;) {
    const { runs } = value<CallResult<'audit:status'>>(await service.dispatch('audit:status', { runId }));
    if (states.includes(runs[0].state)) return runs[0];
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(skipWithoutData)('audit calls', () => {
  it('start → progress events → status done → list → results:query → resume runs nothing', async () => {
    const db = join(tmp.path, 'api.sqlite');
    const started = value<CallResult<'audit:start'>>(await service.dispatch('audit:start', { plan: plan(2), db }, { requestId: 'r1' }));
    expect(started).toMatchObject({ name: 'api', total: 4 });
    const done = await until(started.runId, ['done', 'failed']);
    expect(done).toMatchObject({ state: 'done', done: 4, total: 4, error: null });
    const mine = events.filter((e) => e.requestId === 'r1' && e.call === 'audit:start');
    expect(mine.some((e) => e.stage === 'audit' && e.fraction === 1)).toBe(true);

    const { audits } = value<CallResult<'audit:list'>>(await service.dispatch('audit:list', { db }));
    expect(audits).toEqual([expect.objectContaining({ auditId: started.auditId, status: 'done', cellsDone: 4, cellsTotal: 4 })]);

    const q = value<CallResult<'results:query'>>(await service.dispatch('results:query', { db, limit: 3 }));
    expect(q.total).toBe(4);
    expect(q.cells).toHaveLength(3);
    expect(q.cells[0]).toMatchObject({ model: 'test-vlsm', dataset: 'kvasir-seg', attack: 'clean', epsText: '0/255' });
    expect(q.curves.map((c) => c.label).sort()).toEqual(['clean', 'fgsm']);

    const again = value<CallResult<'audit:start'>>(await service.dispatch('audit:resume', { db }));
    expect(again.auditId).toBe(started.auditId);
    expect(await until(again.runId, ['done', 'failed'])).toMatchObject({ state: 'done', resumed: 4, done: 4 });
  });

  it('cancel stops a running audit; its store keeps the finished cells', async () => {
    const db = join(tmp.path, 'cancel.sqlite');
    const started = value<CallResult<'audit:start'>>(await service.dispatch('audit:start', { plan: plan(40), db }));
    expect(value<CallResult<'audit:cancel'>>(await service.dispatch('audit:cancel', { runId: started.runId }))).toEqual({ cancelled: true });
    const end = await until(started.runId, ['cancelled', 'done', 'failed']);
    expect(end.state).toBe('cancelled');
    expect(end.done).toBeLessThan(80);
  });

  it('a bad plan, an unknown run and a missing store are typed errors with one sentence', async () => {
    const bad = await service.dispatch('audit:start', { plan: { ...plan(1), attacks: [{ name: 'teleport', eps: [1] }] }, db: join(tmp.path, 'x.sqlite') });
    expect(bad).toEqual({ ok: false, error: { code: 'bad-args', message: expect.stringMatching(/^The plan: attacks\.0: unknown attack "teleport" \(known: .*fgsm.*pgd.*\)\.$/) } });
    const unknown = await service.dispatch('audit:cancel', { runId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.ok ? null : unknown.error.code).toBe('not-found');
    const missing = await service.dispatch('audit:list', { db: join(tmp.path, 'nope.sqlite') });
    expect(missing.ok ? null : missing.error.code).toBe('not-found');
    const relative = await service.dispatch('audit:start', { plan: plan(1), db: 'relative.sqlite' });
    expect(relative.ok ? null : relative.error.message).toBe('Results store "relative.sqlite" is not an absolute path; give the full path.');
  });
});

describe.skipIf(skipWithoutData)('audit calls in the desktop app (granted-only paths)', () => {
  it('a new store, the model and the dataset folder must each be chosen in a dialog; bundled names resolve in the app’s models folder', async () => {
    const picks: string[] = [];
    const app = createApiService({
      transport: 'ipc',
      app: { name: 'VLSM Audit', version: 't' },
      modelRoots: [{ dir: tmp.path, origin: 'bundled' }],
      pathMode: 'granted-only',
      threads: 1,
      openDialog: async () => picks.shift() ?? null,
    });
    try {
      const db = join(elsewhere.path, 'granted.sqlite'); // outside the bundled root, which is readable

      const start = (p: object) => app.dispatch('audit:start', { plan: p, db });
      const kvasir = dataPath('kvasir-seg');
      const byDir = { ...plan(1), models: [modelDir], dataRoot: undefined, datasets: [{ kind: 'dataset', path: kvasir, limit: 1 }] };

      const noStore = await start(byDir);
      expect(noStore.ok ? null : noStore.error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/granted\.sqlite" was not chosen in this session; create it with New…/) });

      picks.push(db);
      expect(value(await app.dispatch('dialog:open', { kind: 'new-store' }))).toEqual({ path: db });
      // the model folder lies under the bundled root here, so only the dataset folder is missing
      const noFolder = await start(byDir);
      expect(noFolder.ok ? null : noFolder.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('kvasir-seg" was not opened in this session') });

      picks.push(kvasir);
      value(await app.dispatch('dialog:open', { kind: 'folder' }));
      // "test-vlsm" is a bundled name: found in the registered bundled-models folder, not in the working folder
      const started = value<CallResult<'audit:start'>>(await start({ ...byDir, models: ['test-vlsm'] }));
      expect(started.total).toBe(2);
      for (;;) {
        const { runs } = value<CallResult<'audit:status'>>(await app.dispatch('audit:status', { runId: started.runId }));
        if (runs[0].state !== 'running') {
          expect(runs[0]).toMatchObject({ state: 'done', done: 2 });
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(existsSync(db)).toBe(true);
    } finally {
      await app.dispose();
    }
  });
});
