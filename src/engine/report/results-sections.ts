/** Robustness curves, the per-dataset and per-prompt tables, and the worst cases as figure rows. */
import { curveSvg } from './charts.js';
import { composeFigureRow } from './figures.js';
import { domainOf, domainUnits, fmt, fmtEstimate, fmtRate, unitsNote } from './format.js';
import type { PdfContent, PdfNode } from './pdf-writer.js';
import type { BreakdownRow, ReportData, WorstCase } from './report-data.js';
import { p, PAGE, RULES_LAYOUT, td, th } from './styles.js';

export async function curvesSection(d: ReportData): Promise<PdfContent[]> {
  const attacks = [...new Set(d.curves.map((c) => c.attack))];
  const groups = new Map<string, typeof d.curves>();
  for (const c of d.curves) {
    // one chart per domain and unit: a su sweep and a k/255 sweep never share an axis
    const k = `${c.model} · ${c.dataset} · ${domainOf(c.units)} domain${c.units === 'pixel' ? '' : `, ${UNIT_SHORT[c.units] ?? c.units}`}`;
    groups.set(k, [...(groups.get(k) ?? []), c]);
  }
  const charts: PdfNode[] = [];
  for (const [title, series] of groups) {
    const svg = await curveSvg(
      {
        title,
        xTitle: series[0].units === 'pixel' ? 'ε (k/255)' : `ε (${UNIT_SHORT[series[0].units] ?? series[0].units})`,
        yTitle: 'mean Dice',
        points: series.flatMap((s) => s.points.map((pt) => ({ series: s.attack, eps255: pt.eps255, mean: pt.dice.estimate, low: pt.dice.low, high: pt.dice.high }))),
      },
      attacks,
    );
    charts.push({ svg, width: PAGE.width / 2 - 8 });
  }
  const rows: PdfNode[] = [];
  for (let i = 0; i < charts.length; i += 2) rows.push({ columns: [charts[i], charts[i + 1] ?? { text: '' }], columnGap: 16, margin: [0, 0, 0, 10], unbreakable: true });
  return [
    { text: 'Robustness curves', style: 'h1', pageBreak: 'before' },
    p(
      'Mean Dice against ε for each attack (ε = 0 is the clean image), with the 95 % bootstrap band. A flat curve is a robust model; a curve that falls at small ε is not. ' +
        `Each chart is one threat domain and one unit of ε, named in its title: ${[...new Set(d.curves.map((c) => c.units))].map(domainUnits).join('; ') || 'none'}.`,
    ),
    ...(rows.length ? rows : [p('No finished attack cells: nothing to plot.')]),
  ];
}

const UNIT_SHORT: Record<string, string> = { normalised: 'normalised', su: 'su, stored units', HU: 'HU', '255w': 'k/255 of the window' };

/** Breakdown tables are long: estimate and interval on one line keeps them to one row each. */
const oneLine = (s: string): string => s.replace('\n', ' ');

function breakdownTable(keyTitle: string, attackedTitle: string, rows: BreakdownRow[]): PdfNode {
  return {
    table: {
      headerRows: 1,
      dontBreakRows: true,
      widths: ['*', 'auto', 'auto', 'auto', 'auto', 'auto', 'auto'],
      body: [
        [th(keyTitle), th('model'), th('dataset'), th('n', { alignment: 'right' }), th('clean Dice', { alignment: 'right' }), th(attackedTitle, { alignment: 'right' }), th('attack success', { alignment: 'right' })],
        ...rows.map((r) => [
          td(r.key),
          td(r.model),
          td(r.dataset),
          td(String(r.clean.n), { alignment: 'right' }),
          td(oneLine(fmtEstimate(r.clean)), { alignment: 'right' }),
          td(oneLine(fmtEstimate(r.attacked)), { alignment: 'right' }),
          td(oneLine(fmtRate(r.success)), { alignment: 'right' }),
        ]),
      ],
    },
    layout: RULES_LAYOUT,
    margin: [0, 2, 0, 8],
  };
}

export function tablesSection(d: ReportData): PdfContent[] {
  const headline = d.epsilons.length ? d.epsilons[d.epsilons.length - 1].label : '–';
  return [
    { text: 'Per dataset and per prompt', style: 'h1' },
    { text: 'Per dataset and attack', style: 'h2' },
    p(`Each attack at each ε on its own: mean Dice under that attack, and the share of images it broke. ${unitsNote(d)}`, 'note'),
    breakdownTable('attack', 'Dice under attack', d.perDataset),
    { text: 'Per prompt', style: 'h2' },
    p(`Per prompt wording: the robust Dice (each image's worst case over every attack up to ε = ${headline}) and the share of images some attack broke.`, 'note'),
    breakdownTable('prompt', 'robust Dice', d.perPrompt),
  ];
}

const pngUrl = (b: Uint8Array): string => `data:image/png;base64,${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')}`;

function worstRow(w: WorstCase, index: number): PdfNode[] {
  const head = {
    text: [
      { text: `${index + 1}. ${w.model} · ${w.dataset} · ${w.image}`, bold: true },
      `  —  prompt "${w.prompt}", ${w.attack} at ε = ${w.eps.label}, ${domainUnits(w.eps.units)}: Dice ${fmt(w.cleanDice)} to ${fmt(w.adversarialDice)}`,
      ...(w.stored ? [`. ε = ${w.stored.eps}; max |Δ stored| = ${w.stored.maxDelta}; image ${w.stored.image}, shown at its own size`] : []),
    ],
    style: 'body',
    margin: [0, 6, 0, 3],
  };
  const ids = w.identifiers && Object.keys(w.identifiers).length
    ? [{ text: `Identifiers (included on request): ${Object.entries(w.identifiers).map(([k, v]) => `${k} ${v}`).join('; ')}`, style: 'note' }]
    : [];
  if (!w.images) return [{ stack: [head, ...ids, p('The store kept no images for this cell (only the worst cells per model, dataset and attack are kept).', 'note')], unbreakable: true }];
  const storedPanel = w.images.perturbation && w.stored ? { png: w.images.perturbation, caption: `grey = 0, black/white = −/+${w.stored.scale}` } : undefined;
  const panels = composeFigureRow({ ...w.images, eps: w.eps.units === 'pixel' ? w.eps.value : 0, perturbationPanel: storedPanel });
  const width = (PAGE.width - 4 * 6) / 5;
  // One unbreakable block: a heading never ends a page without its images.
  return [
    {
      stack: [head, ...ids, { columns: panels.map((pn) => ({ width, stack: [{ image: pngUrl(pn.png), width, height: width }, { text: pn.caption, style: 'caption' }] })), columnGap: 6 }],
      unbreakable: true,
    },
  ];
}

export function worstSection(d: ReportData): PdfContent[] {
  return [
    { text: 'Worst cases', style: 'h1', pageBreak: 'before' },
    p(
      'The cells with the lowest adversarial Dice, one row each: the image the model saw with the ground truth (green), the perturbed ' +
        'image as it would be stored, the clean prediction (yellow), the prediction on the perturbed image (red), and the perturbation ' +
        'amplified to the full grey range (its scale under the panel). Images are named by their dataset id, or by content hash for plain and DICOM folders — never by file name. ' +
        'Model-domain rows show the image at the model input size; stored-domain rows show the display rendering of the file at its own size, ' +
        'and their perturbation panel maps the change of the stored values, ±ε in stored units (su, and HU for CT), to black and white.',
    ),
    ...(d.worst.length ? d.worst.flatMap((w, i) => worstRow(w, i)) : [p('No attack cell has finished; there are no worst cases yet.')]),
  ];
}
