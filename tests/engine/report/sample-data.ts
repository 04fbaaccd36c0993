/**
 * A small ReportData for the document tests: the numbers are arbitrary but consistent, the images are
 * drawn here (a bright disc on a gradient, its mask, a shrunken mask, a ±ε checkerboard perturbation), so
 * layout, scrubbing and determinism can be tested without a store. The store-backed tests use real data.
 */
import { encodePngBytes } from '../../../src/engine/imaging/png.js';
import type { Estimate, ReportData, StoredImages } from '../../../src/engine/report/report-data.js';

const est = (estimate: number, spread = 0.03, n = 12): Estimate => ({ estimate, low: estimate - spread, high: estimate + spread, n });

export function sampleImages(size = 64, eps = 8 / 255): StoredImages {
  const n = size * size;
  const img = new Float32Array(n);
  const adv = new Float32Array(n);
  const gt = new Float32Array(n);
  const clean = new Float32Array(n);
  const pred = new Float32Array(n);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const r = Math.hypot(x - size / 2, y - size / 2);
      img[i] = Math.round((0.2 + 0.3 * (x / size) + (r < size / 4 ? 0.4 : 0)) * 255) / 255;
      adv[i] = Math.min(1, Math.max(0, img[i] + ((x + y) % 2 ? eps : -eps)));
      gt[i] = r < size / 4 ? 1 : 0;
      clean[i] = r < size / 4 - 1 ? 1 : 0;
      pred[i] = r < size / 8 ? 1 : 0;
    }
  }
  const grey = (d: Float32Array): Uint8Array => encodePngBytes(size, size, 1, d, 255);
  return { original: grey(img), adversarial: grey(adv), groundTruth: grey(gt), cleanPrediction: grey(clean), adversarialPrediction: grey(pred) };
}

export function sampleReportData(): ReportData {
  const epsilons = [2, 8].map((k) => ({ units: 'pixel', value: k / 255, label: `${k}/255` }));
  return {
    audit: { id: 'a1b2c3', name: 'quick', description: null, status: 'finished', cellsDone: 48, cellsTotal: 48, createdAt: '2026-12-01T09:00:00Z', startedAt: '2026-12-01T09:00:01Z', finishedAt: '2026-12-01T09:04:00Z' },
    epsilons,
    verdict: [
      { model: 'film-unet', dataset: 'kvasir-seg', samples: 12, clean: est(0.871), atEps: [{ ...est(0.512), attack: 'pgd' }, { ...est(0.124), attack: 'pgd' }], robust: est(0.101), success: { ...est(0.917, 0.08), successes: 11 } },
    ],
    curves: ['fgsm', 'pgd'].map((attack, j) => ({
      model: 'film-unet',
      dataset: 'kvasir-seg',
      attack,
      units: 'pixel',
      points: [0, 2, 8].map((k) => ({ eps: k / 255, eps255: k, dice: est(0.871 - k * (0.05 + 0.04 * j)) })),
    })),
    perDataset: [{ key: 'pgd at 8/255', model: 'film-unet', dataset: 'kvasir-seg', clean: est(0.871), attacked: est(0.124), success: est(0.917) }],
    perPrompt: [
      { key: 'polyp', model: 'film-unet', dataset: 'kvasir-seg', clean: est(0.88, 0.03, 6), attacked: est(0.11, 0.03, 6), success: est(0.9, 0.1, 6) },
      { key: 'a pink round polyp', model: 'film-unet', dataset: 'kvasir-seg', clean: est(0.86, 0.03, 6), attacked: est(0.09, 0.03, 6), success: est(0.93, 0.1, 6) },
    ],
    worst: [
      { model: 'film-unet', dataset: 'kvasir-seg', image: 'cju0qkwl35piu0993l0dewei2', prompt: 'polyp', attack: 'pgd', eps: epsilons[1], cleanDice: 0.91, adversarialDice: 0.02, images: sampleImages() },
    ],
    method: {
      attacks: [
        { label: 'fgsm', name: 'fgsm', norm: 'linf', units: 'pixel', domain: 'model', eps: ['2/255', '8/255'], alpha: '= ε', steps: 1, restarts: 1, randomStart: false, earlyStop: false, loss: 'DiceCE (λ 1/1)', target: 'none', schedule: 'constant' },
        { label: 'pgd', name: 'pgd', norm: 'linf', units: 'pixel', domain: 'model', eps: ['2/255', '8/255'], alpha: '2/255', steps: 10, restarts: 1, randomStart: true, earlyStop: false, loss: 'DiceCE (λ 1/1)', target: 'none', schedule: 'constant' },
      ],
      seeds: [0],
      quantisation: 'Adversarial images are rounded to 8 bits (255 levels) before they are scored.',
      success: 'adversarial Dice at most half the clean Dice',
      promptModes: ['p1 of splits.json'],
      execution: { batch: 1, levels: [255] },
    },
    limitations: ['Only L∞ attacks were run.', 'One seed.'],
    provenance: {
      app: { name: 'VLSM Audit', version: '0.1.0', commit: '913f0ef' },
      models: [{ name: 'film-unet', version: '0.2.0', sha256: 'e'.repeat(64), manifest: { name: 'film-unet', inputSize: [160, 160] } }],
      datasets: [{ name: 'kvasir-seg', kind: 'dataset', split: 'test', images: 12, hash: 'd'.repeat(64), referenceFree: false, dicom: false }],
      provider: 'cpu',
      threads: 2,
      engine: 'onnxruntime-node 1.30.0',
      plan: { version: 1, name: 'quick' },
      timestamps: [{ label: 'audit created', value: '2026-12-01 09:00:00' }],
    },
  };
}
