/**
 * The method, in words a safety board can check against the plan: threat model, what ε means (also on
 * 12/16-bit DICOM), quantisation, losses, steps, restarts, seeds and early stopping — all read from the
 * attack parameters the store recorded, never from defaults assumed here.
 */
import type { PdfContent } from './pdf-writer.js';
import type { ReportData, StoredBudgetRow } from './report-data.js';
import { p, RULES_LAYOUT, td, th } from './styles.js';

export function methodSection(d: ReportData): PdfContent[] {
  const dicom = d.provenance.datasets.some((x) => x.dicom);
  const targeted = d.method.attacks.some((a) => a.target !== 'none' && a.target !== 'control');
  const stored = d.method.attacks.some((a) => a.domain === 'stored');
  const rows = d.method.attacks.map((a) => [
    td(a.label, { bold: true }),
    td(`${a.norm === 'l2' ? 'L2' : 'L∞'}, ${a.units}, ${a.domain}`),
    td(a.eps.join(', ')),
    td(a.alpha),
    td(a.steps === null ? '–' : String(a.steps)),
    td(String(a.restarts)),
    td(`${a.randomStart ? 'random' : 'clean'} start, ${a.schedule}${a.earlyStop ? ', early stop' : ''}`),
    td(a.loss),
    td(a.target === 'none' ? 'untargeted' : a.target === 'control' ? 'control (not an attack)' : `targeted (${a.target})`),
  ]);
  return [
    { text: 'Method', style: 'h1', pageBreak: 'before' },
    { text: 'Threat model', style: 'h2' },
    p(
      `A white-box attacker who knows the model's weights changes every pixel of the input image by at most ε (L∞) ` +
        `or by a total of ε (L2), keeps the text prompt, and tries to ${targeted ? 'make the mask disappear (targeted) or ' : ''}` +
        `lower the Dice of the predicted mask (untargeted: maximise the loss against the ground truth, or against the clean ` +
        `prediction when there is none). Gradients are exact: they come from a reverse-mode pass over the model's own ONNX graph ` +
        `(checked against finite differences), run by the same ONNX Runtime session that makes the clean prediction. ` +
        `Gradient attacks keep each image's best iterate, so the reported damage is never overestimated; the "robust Dice" ` +
        `takes each image's worst case over all attacks.`,
    ),
    { text: 'What ε means', style: 'h2' },
    p(
      `ε is measured in intensity units of the model input before mean/std normalisation, on the [0, 1] scale, and printed as ` +
        `k/255: on an 8-bit image k/255 is k grey levels. A DICOM image (12 or 16 bits stored) reaches the model through its ` +
        `modality LUT and VOI window mapped to [0, 1], so k/255 is k/255 of the window width W — about k·W/255 stored units ` +
        `(for a 12-bit image windowed over its full range of 4095 levels, 8/255 ≈ 128 stored levels; for 16 bits ≈ 2056). ` +
        (dicom ? `This audit includes DICOM inputs. ` : `All inputs of this audit are 8-bit PNG or JPEG images. `) +
        (stored ? 'Attacks in the "stored" domain perturb the file\'s own stored values at native resolution instead. ' : '') +
        `"normalised" units (after mean/std) exist only to reproduce published numbers and are labelled wherever used.`,
    ),
    { text: 'Quantisation', style: 'h2' },
    p(stored ? `Model domain: ${d.method.quantisation} Stored domain: see below.` : d.method.quantisation),
    ...(d.method.stored ? storedDomainSection(d.method.stored) : []),
    { text: 'Attacks', style: 'h2' },
    {
      table: {
        headerRows: 1,
        widths: ['auto', 'auto', '*', 'auto', 'auto', 'auto', 'auto', 'auto', 'auto'],
        body: [[th('attack'), th('norm, units, domain'), th('ε'), th('α'), th('steps'), th('restarts'), th('schedule'), th('loss'), th('goal')], ...rows],
      },
      layout: RULES_LAYOUT,
    },
    { text: 'Seeds, prompts and success', style: 'h2' },
    p(
      `Seeds: ${d.method.seeds.join(', ')} — every random choice (random starts, square-attack proposals, bootstrap resamples) ` +
        `comes from a generator seeded from these and the cell key, so a rerun gives the same numbers bit for bit. ` +
        `Prompts: ${d.method.promptModes.join('; ')}. Attack success: ${d.method.success}. ` +
        `Intervals are 95 % percentile bootstrap intervals over images (2,000 resamples, seed 0).`,
    ),
    { text: 'Execution settings that change results', style: 'h2' },
    { text: JSON.stringify(d.method.execution), style: 'mono' },
  ];
}

const r3 = (x: number): string => String(Math.round(x * 1000) / 1000);

/** The stored domain in words and its budgets per image kind; only for audits with stored-domain cells. */
function storedDomainSection(rows: readonly StoredBudgetRow[]): PdfContent[] {
  return [
    { text: 'Stored domain', style: 'h2' },
    p(
      'Threat model: the attacker edits the image file itself — the stored integer values of the DICOM pixel data (or the 8-bit ' +
        'samples of a PNG/JPEG) at the file\'s own resolution — and the model sees the edited file through the unchanged preprocessing ' +
        '(rescale slope/intercept, VOI window, resize to the model size, mean/std normalisation), all of which lies inside the ' +
        'gradient. Units: su is one step of the stored integer; HU = su·|RescaleSlope| (CT only: a HU budget on an image without ' +
        'Hounsfield units is refused when the plan is expanded); k/255w is k/255 of the displayed window, 255·HU/span with span = ' +
        'window width − 1 for the LINEAR VOI function (width for LINEAR_EXACT and SIGMOID; PNG/JPEG: 255). ' +
        'Integer quantisation: every iterate is rounded to whole stored units and an L∞ ε is floored to whole stored units (a change ' +
        'that is not a whole stored step cannot be written), so max |Δ stored| ≤ ε holds exactly. Clipping: stored values stay within ' +
        'what BitsStored and PixelRepresentation can hold (PNG/JPEG: 0…255). Dice and IoU are measured at the image\'s own size, ' +
        'against the ground truth at that size or, reference-free, against the clean prediction; the perturbation norms, PSNR and SSIM ' +
        'of stored-domain cells are on the display scale (the window mapped to [0, 1]).',
    ),
    p('Stored-domain budgets as run, per attack, ε and kind of image (the same HU or k/255w is a different number of stored units on each):', 'note'),
    {
      table: {
        headerRows: 1,
        widths: ['auto', 'auto', 'auto', 'auto', 'auto', '*', 'auto', 'auto'],
        body: [
          [th('attack'), th('ε as planned'), th('ε su'), th('ε HU'), th('ε k/255w'), th('image'), th('cells'), th('max |Δ| su')],
          ...rows.map((r) => [td(r.attack, { bold: true }), td(r.given), td(r3(r.su)), td(r.HU === null ? '– (not CT)' : r3(r.HU)), td(r3(r.w255)), td(r.image), td(String(r.cells)), td(r3(r.maxDeltaSu))]),
        ],
      },
      layout: RULES_LAYOUT,
    },
  ];
}
