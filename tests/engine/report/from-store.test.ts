/**
 * Reading a store with more than one audit, and an audit that was cancelled part-way: the report data
 * names the choice to make, and an incomplete audit says so on its first page and in its limitations.
 * Real audits of the generated test model on real Kvasir-SEG images (a few seconds).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePlan } from '../../../src/engine/audit/plan.js';
import { runAudit } from '../../../src/engine/audit/runner.js';
import { AuditStore } from '../../../src/engine/audit/store.js';
import { buildDocument } from '../../../src/engine/report/document.js';
import { reportDataFromStore } from '../../../src/engine/report/from-store.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';
import { dataRoot, skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';

describe.skipIf(skipWithoutData)('report data from a store', () => {
  const tmp = tempDir('vlsm-report-store-');
  const db = join(tmp.path, 'two.sqlite');
  const ids: string[] = [];

  beforeAll(async () => {
    const model = writeTestVlsm(join(tmp.path, 'test-vlsm'));
    const plan = (name: string, limit: number) =>
      validatePlan({ version: 1, name, models: [model], dataRoot, datasets: [{ kind: 'dataset', name: 'kvasir-seg', split: 'test', limit }], prompts: [{ mode: 'fixed', text: 'polyp' }], attacks: [{ name: 'fgsm', eps: ['8/255'] }] });
    const rt = { db, jobs: 1, provider: 'cpu' as const, threads: 1, graphCacheDir: join(tmp.path, 'graphs') };
    ids.push((await runAudit(plan('complete', 1), { ...rt, resume: false })).auditId);
    const controller = new AbortController();
    const partial = await runAudit(plan('partial', 6), { ...rt, resume: false, signal: controller.signal, onProgress: (p) => p.done >= 1 && controller.abort() });
    expect(partial.status).toBe('cancelled');
    ids.push(partial.auditId);
  });
  afterAll(() => tmp.remove());

  it('asks for an audit id when the store holds several, and accepts a prefix', () => {
    const store = AuditStore.open(db, { readOnly: true });
    try {
      expect(() => reportDataFromStore(store)).toThrow(/holds 2 audits .*choose one with --audit ID/);
      expect(reportDataFromStore(store, { auditId: ids[0].slice(0, 8) }).audit.name).toBe('complete');
      expect(() => reportDataFromStore(store, { auditId: 'abcdef' })).toThrow(/no audit with id abcdef/);
    } finally {
      store.close();
    }
  });

  it('an incomplete audit says so on its first page and in the limitations', async () => {
    const store = AuditStore.open(db, { readOnly: true });
    try {
      const d = reportDataFromStore(store, { auditId: ids[1] });
      expect(d.audit.cellsDone).toBeGreaterThanOrEqual(1);
      expect(d.audit.cellsDone).toBeLessThan(6);
      expect(d.limitations[0]).toMatch(/^The audit is incomplete: \d of 6 cells did not run/);
      const { doc } = await buildDocument(d, { created: new Date('2026-12-01T10:00:00Z') });
      expect(JSON.stringify(doc.content)).toContain('This audit is incomplete (cancelled)');
    } finally {
      store.close();
    }
  });
});
