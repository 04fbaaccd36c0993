/**
 * DICOM folders with SEG / RTSTRUCT ground truth as audit datasets, on the real files of
 * ../shared/data/dicom (dcmqi SEGs over GE CT slices, dicompyler's RTSTRUCT) with the generated test model:
 * one image per slice × segment with a non-empty mask, references equal to pydicom's own unpacking of the
 * SEG (an independent reader), Dice in the store equal to Dice recomputed from the stored masks, resume
 * adds nothing, frames of a multi-frame file are separate images, and the bad folders fail by name.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resizeMask } from '../../../src/engine/attacks/prepare.js';
import { expandPlan } from '../../../src/engine/audit/cells.js';
import { segmentPrompt } from '../../../src/engine/audit/dicom-datasets.js';
import type { StoredCellRecord } from '../../../src/engine/audit/execute-stored.js';
import { validatePlan, type AuditPlan } from '../../../src/engine/audit/plan.js';
import { runAudit } from '../../../src/engine/audit/runner.js';
import { AuditStore } from '../../../src/engine/audit/store.js';
import { decodePng } from '../../../src/engine/imaging/png.js';
import { loadModelPackage } from '../../../src/engine/model/index.js';
import { maskFromDataUrl } from '../../../src/engine/study/mask-check.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';
import { dataPath, skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';

const SEG_FOLDER = dataPath('dicom', 'dcmqi', '23x38x3');
const RT_FOLDER = dataPath('dicom', 'dicompyler');
const ones = (m: ArrayLike<number>) => Array.from(m).reduce((a, v) => a + (v ? 1 : 0), 0);

/** pydicom's unpacking of a SEG: per frame the 0/1 mask and the SOP instance it references. */
function pydicomFrames(file: string): { mask: number[]; ref: string }[] {
  const py = `import pydicom,json,sys
d=pydicom.dcmread(sys.argv[1]); a=d.pixel_array.reshape((-1,)+d.pixel_array.shape[-2:])
g=d.PerFrameFunctionalGroupsSequence
print(json.dumps([{"mask":[int(v) for v in a[k].ravel()],"ref":f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID} for k,f in enumerate(g)]))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, file], { encoding: 'utf8' }));
}

/** label.seg rewritten with pydicom to annotate the three frames of the multi-frame copy of its series. */
function multiFrameSeg(out: string): void {
  const py = `import pydicom,sys
src,mf,out=sys.argv[1:4]
m=pydicom.dcmread(mf); s=pydicom.dcmread(src)
order={r.ReferencedSOPInstanceUID:k for k,r in enumerate(s.ReferencedSeriesSequence[0].ReferencedInstanceSequence)}
for f in s.PerFrameFunctionalGroupsSequence:
  r=f.DerivationImageSequence[0].SourceImageSequence[0]; k=order[r.ReferencedSOPInstanceUID]
  r.ReferencedSOPInstanceUID=m.SOPInstanceUID; r.ReferencedFrameNumber=k+1
ser=s.ReferencedSeriesSequence[0]; ser.SeriesInstanceUID=m.SeriesInstanceUID
ser.ReferencedInstanceSequence=ser.ReferencedInstanceSequence[:1]; ser.ReferencedInstanceSequence[0].ReferencedSOPInstanceUID=m.SOPInstanceUID
s.SOPInstanceUID=s.SOPInstanceUID+'.9'; s.file_meta.MediaStorageSOPInstanceUID=s.SOPInstanceUID
s.save_as(out)`;
  execFileSync('/usr/bin/python3', ['-c', py, join(SEG_FOLDER, 'seg', 'label.seg'), join(SEG_FOLDER, 'multiframe', 'mf.dcm'), out]);
}

describe.skipIf(skipWithoutData)('DICOM folders with SEG / RTSTRUCT ground truth as audit datasets', () => {
  const tmp = tempDir('vlsm-dicom-audit-');
  let model = '';
  const plan = (datasets: unknown[], over: Record<string, unknown> = {}): AuditPlan =>
    validatePlan({ version: 1, name: 'dicom', models: [model], datasets, prompts: [{ mode: 'fixed', text: 'tumor' }], attacks: [{ name: 'clean', eps: [0] }], ...over });
  const rt = () => ({ jobs: 1, provider: 'cpu' as const, threads: 1, graphCacheDir: join(tmp.path, 'graphs'), resume: false });

  beforeAll(() => {
    model = writeTestVlsm(join(tmp.path, 'test-vlsm'));
  });
  afterAll(() => tmp.remove());

  it('SEG: one image per slice with a non-empty mask, each reference equal to pydicom’s frame', async () => {
    const x = await expandPlan(plan([{ kind: 'dicom', path: SEG_FOLDER, groundTruth: 'seg' }]));
    const d = x.datasets[0];
    expect(d.record).toMatchObject({ kind: 'dicom', groundTruth: true, name: '23x38x3' });
    expect(d.record.images.map((i) => i.id)).toEqual(['image/IMG0001.dcm [1 Liver]', 'image/IMG0002.dcm [1 Liver]', 'image/IMG0003.dcm [1 Liver]']);
    const frames = pydicomFrames(join(SEG_FOLDER, 'seg', 'label.seg'));
    const images = x.tasks.map((t) => t.images[0]);
    for (const [k, im] of images.entries()) {
      const mask = maskFromDataUrl(im.maskDataUrl!, im.id, { width: 23, height: 38 });
      expect(Array.from(mask.data)).toEqual(frames[k].mask); // frame k references IMG000(k+1)
      expect(im.frame).toBe(0);
    }
    // the mask key carries the SEG: the same images without it (reference-free) are other cells
    const none = await expandPlan(plan([{ kind: 'dicom', path: join(SEG_FOLDER, 'image'), groundTruth: 'none' }]));
    expect(none.tasks.map((t) => t.images[0].imageSha256)).toEqual(images.map((i) => i.imageSha256));
    expect(none.tasks.map((t) => t.cells[0].key).filter((k) => x.tasks.some((t) => t.cells[0].key === k))).toEqual([]);
  });

  it('segments and emptySlices choose what is audited; an unknown segment is named', async () => {
    const folder = dataPath('dicom', 'dcmqi', '24x38x3');
    const ids = async (extra: object) => (await expandPlan(plan([{ kind: 'dicom', path: folder, groundTruth: 'seg', ...extra }]))).datasets[0].record.images.map((i) => i.id);
    expect(await ids({})).toEqual(['image/IMG0002.dcm [1 Liver]']); // label.seg is empty on slices 1 and 3
    expect(await ids({ emptySlices: true, segments: ['liver'] })).toEqual(['image/IMG0001.dcm [1 Liver]', 'image/IMG0002.dcm [1 Liver]', 'image/IMG0003.dcm [1 Liver]']);
    await expect(ids({ segments: [7] })).rejects.toThrow(`DICOM folder ${folder}: no DICOM SEG has a segment numbered 7; choose among 1 "Liver" (by label or number)`);
    expect(() => plan([{ kind: 'dicom', path: folder, groundTruth: 'none', emptySlices: true }])).toThrow(/datasets\.0: segments and emptySlices choose SEG/);
  });

  it('an audit on the SEG folder records Dice against the SEG mask; a resume adds nothing', async () => {
    const db = join(tmp.path, 'seg.sqlite');
    const p = plan([{ kind: 'dicom', path: SEG_FOLDER, groundTruth: 'seg' }], { attacks: [{ name: 'clean', eps: [0] }, { name: 'fgsm', eps: ['8/255'] }] });
    const first = await runAudit(p, { ...rt(), db });
    expect(first).toMatchObject({ status: 'done', total: 6, ran: 6 });
    const again = await runAudit(p, { ...rt(), db, resume: true });
    expect(again).toMatchObject({ status: 'done', total: 6, ran: 0, resumed: 6 });
    const store = AuditStore.open(db, { readOnly: true });
    try {
      expect(store.rows('datasets')).toMatchObject([{ kind: 'dicom', ground_truth: 1, n_images: 3 }]);
      const cells = store.rows('cells', first.auditId);
      expect(cells).toHaveLength(6);
      expect(cells.every((c) => c.reference_kind === 'ground-truth')).toBe(true);
      // one cell checked by hand: IMG0002, the SEG frame as pydicom reads it, resized as masks are
      const cell = cells.find((c) => c.image_id === 'image/IMG0002.dcm [1 Liver]' && c.attack === 'fgsm')!;
      const ex = store.rows('examples', first.auditId).find((e) => e.cell_key === cell.cell_key)!;
      const png = (b: unknown) => Uint8Array.from(decodePng(b as Uint8Array, 'png').data, (v) => (v > 0.5 ? 1 : 0));
      const truth = resizeMask({ width: 23, height: 38, data: Uint8Array.from(pydicomFrames(join(SEG_FOLDER, 'seg', 'label.seg'))[1].mask) }, 64, 64);
      expect(png(ex.reference_png)).toEqual(truth);
      const dice = (m: Uint8Array) => (2 * ones(m.map((v, i) => v & truth[i]))) / (ones(m) + ones(truth));
      expect(cell.clean_dice).toBeCloseTo(dice(png(ex.clean_mask_png)), 6);
      expect(cell.adv_dice).toBeCloseTo(dice(png(ex.adv_mask_png)), 6);
    } finally {
      store.close();
    }
  }, 120_000);

  it('a stored-domain HU sweep on the SEG folder: scored against the SEG mask at the slice’s own size, max |Δ| ≤ ε', async () => {
    const db = join(tmp.path, 'seg-stored.sqlite');
    const p = plan([{ kind: 'dicom', path: SEG_FOLDER, groundTruth: 'seg' }], { attacks: [{ name: 'pgd', domain: 'stored', units: 'HU', eps: [10], steps: 2, loss: { kind: 'dice' } }] });
    const r = await runAudit(p, { ...rt(), db });
    expect(r).toMatchObject({ status: 'done', total: 3, ran: 3 });
    const store = AuditStore.open(db, { readOnly: true });
    try {
      const cells = store.cells(r.auditId);
      expect(cells.every((c) => c.referenceKind === 'ground-truth' && c.domain === 'stored')).toBe(true);
      const frames = pydicomFrames(join(SEG_FOLDER, 'seg', 'label.seg'));
      let checked = 0;
      for (const c of cells) {
        const st = (c.params as { stored: StoredCellRecord }).stored;
        expect(st.perturbation.linf.HU!).toBeLessThanOrEqual(10 + 1e-9);
        expect(st.image).toMatchObject({ width: 23, height: 38, modality: 'CT' });
        // clean Dice against the SEG frame at 23×38, from the stored clean mask
        const k = Number(/IMG000(\d)/.exec(c.imageId)![1]) - 1;
        const ex = store.rows('examples', r.auditId).find((e) => e.cell_key === c.key);
        if (!ex) continue;
        checked++;
        const clean = Uint8Array.from(decodePng(ex.clean_mask_png as Uint8Array, 'png').data, (v) => (v > 0.5 ? 1 : 0));
        expect(clean.length).toBe(23 * 38);
        const truth = Uint8Array.from(frames[k].mask);
        const dice = (2 * ones(clean.map((v, i) => v & truth[i]))) / (ones(clean) + ones(truth) || 1);
        expect(c.metrics.clean.dice).toBeCloseTo(dice, 6);
      }
      expect(checked).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  }, 120_000);

  it('RTSTRUCT: the ROI drawn on the folder’s slice is the reference', async () => {
    const db = join(tmp.path, 'rt.sqlite');
    const r = await runAudit(plan([{ kind: 'dicom', path: RT_FOLDER, groundTruth: 'rtstruct' }]), { ...rt(), db });
    expect(r).toMatchObject({ status: 'done', total: 1, ran: 1 });
    const store = AuditStore.open(db, { readOnly: true });
    try {
      expect(store.rows('datasets')).toMatchObject([{ kind: 'dicom', ground_truth: 1, n_images: 1 }]);
      const [cell] = store.rows('cells', r.auditId);
      expect(cell).toMatchObject({ image_id: 'ct.0.dcm [1 BODY]', reference_kind: 'ground-truth' });
      expect(Number(cell.clean_dice)).toBeGreaterThanOrEqual(0);
    } finally {
      store.close();
    }
  }, 120_000);

  it('a multi-frame series: one image per frame, the frame in the id and the key, scored like the single-frame slices', async () => {
    const dir = join(tmp.path, 'mf');
    mkdirSync(dir);
    copyFileSync(join(SEG_FOLDER, 'multiframe', 'mf.dcm'), join(dir, 'mf.dcm'));
    multiFrameSeg(join(dir, 'seg.dcm'));
    const db = join(tmp.path, 'mf.sqlite');
    const p = plan([{ kind: 'dicom', path: SEG_FOLDER, groundTruth: 'seg' }, { kind: 'dicom', path: dir, groundTruth: 'seg' }]);
    const x = await expandPlan(p);
    expect(x.datasets[1].record.images.map((i) => i.id)).toEqual(['mf.dcm#0 [1 Liver]', 'mf.dcm#1 [1 Liver]', 'mf.dcm#2 [1 Liver]']);
    expect(new Set(x.datasets[1].record.images.map((i) => i.imageSha256)).size).toBe(1); // one file
    expect(new Set(x.datasets[1].record.images.map((i) => i.maskSha256)).size).toBe(3); // three frames
    const r = await runAudit(p, { ...rt(), db });
    expect(r).toMatchObject({ status: 'done', total: 6, ran: 6 });
    const store = AuditStore.open(db, { readOnly: true });
    try {
      const dice = (dataset: string) => store.rows('cells', r.auditId).filter((c) => c.dataset === dataset).map((c) => c.clean_dice);
      // frame k holds IMG000(k+1)'s pixels (dcmqi README) and the same SEG frame
      expect(dice('mf')).toEqual(dice('23x38x3'));
    } finally {
      store.close();
    }
  }, 120_000);

  it('a folder without the chosen object, and a SEG on a series not in the folder, fail naming the folder', async () => {
    await expect(expandPlan(plan([{ kind: 'dicom', path: RT_FOLDER, groundTruth: 'seg' }]))).rejects.toThrow(
      `DICOM folder ${RT_FOLDER} holds no DICOM SEG object (it has a RTSTRUCT: use groundTruth "rtstruct")`,
    );
    const dir = join(tmp.path, 'mismatch');
    mkdirSync(dir);
    copyFileSync(dataPath('dicom', 'dcmqi', 'liver.dcm'), join(dir, 'liver.dcm'));
    for (const f of ['IMG0001.dcm', 'IMG0002.dcm']) copyFileSync(join(SEG_FOLDER, 'image', f), join(dir, f));
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    const err = expandPlan(plan([{ kind: 'dicom', path: dir, groundTruth: 'seg' }]));
    await expect(err).rejects.toThrow(`DICOM folder ${dir}: liver.dcm references no slice in the folder (it annotates series`);
    await expect(err).rejects.toThrow('1 file of the folder could not be read, e.g. notes.txt: not a DICOM, PNG or JPEG file');
  });

  it('default prompt: the segment label when the model knows its words, else the model’s default, else a fixed prompt is asked for', async () => {
    const pkg = await loadModelPackage(model);
    expect(segmentPrompt('Left Lung', pkg, 'ct')).toBe('left lung');
    expect(segmentPrompt('Liver', pkg, 'kvasir-seg')).toBe('polyp'); // the manifest's default for that name
    expect(() => segmentPrompt('Liver', pkg, 'ct')).toThrow('model test-vlsm does not know the segment label "Liver" (unknown: liver)');
    await expect(expandPlan(plan([{ kind: 'dicom', path: SEG_FOLDER, groundTruth: 'seg' }], { prompts: [{ mode: 'default' }] }))).rejects.toThrow(/give a fixed prompt/);
  });
});
