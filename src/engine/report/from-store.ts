/**
 * Results store → ReportData. Reads the store only (cells, examples, models, datasets, sessions, the
 * plan), through the audit engine's analysis functions where they exist (robust Dice per image, robustness
 * curves), so a report shows the same figures as `vlsm-audit results`. Intervals are 95 % percentile
 * bootstrap intervals (seed 0, 2,000 resamples), so the same store always gives the same report.
 *
 * Nothing here prints a file path. Images of named datasets are shown by their dataset id; images of
 * plain or DICOM folders by content hash, and the folders themselves as "DICOM folder 1" — a folder name
 * or file name may well be a patient's name.
 */
import { createHash } from 'node:crypto';
import { CONTROL_ATTACKS, robustDicePerImage, robustnessCurves } from '../audit/analysis.js';
import type { AuditRow, AuditStore, CellRecord } from '../audit/store.js';
import { bootstrapCi } from '../metrics/index.js';
import { epsColumnLabel, unitsRank } from './format.js';
import { storedWorst } from './stored-data.js';
import { describeLimitations } from './limitations.js';
import { describeMethod } from './method-data.js';
import type { BreakdownRow, CurveSeries, DatasetProvenance, EpsilonColumn, Estimate, ReportData, VerdictRow, WorstCase } from './report-data.js';
import { UserError } from '../errors.js';

export class ReportError extends UserError {
  override name = 'ReportError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('runtime', message, options);
  }
}

type Row = Record<string, string | number | bigint | Uint8Array | null>;
const str = (v: Row[string]): string => (v === null || v === undefined ? '' : String(v));

function estimate(values: readonly number[]): Estimate {
  const ci = bootstrapCi(values, { seed: 0, resamples: 2000 });
  const n = ci.valid;
  return { estimate: ci.estimate, low: n >= 2 ? ci.low : NaN, high: n >= 2 ? ci.high : NaN, n };
}

const group = <T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> => {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
};

const isAttack = (c: CellRecord): boolean => !CONTROL_ATTACKS.includes(c.attack);
const sampleKey = (c: { modelSha256: string; dataset: string; imageId: string }, prompt: string): string => `${c.modelSha256}|${c.dataset}|${c.imageId}|${prompt}`;

export function pickAudit(store: AuditStore, auditId?: string): AuditRow {
  const audits = store.audits();
  if (audits.length === 0) throw new ReportError(`${store.file} holds no audit yet; run one with "vlsm-audit audit PLAN --db ${store.file}".`);
  if (auditId === undefined) {
    if (audits.length > 1) throw new ReportError(`${store.file} holds ${audits.length} audits (${audits.map((a) => `${a.auditId.slice(0, 12)} "${a.name}"`).join(', ')}); choose one with --audit ID.`);
    return audits[0];
  }
  const hits = audits.filter((a) => a.auditId === auditId || a.auditId.startsWith(auditId));
  if (hits.length !== 1) throw new ReportError(`${store.file} holds ${hits.length === 0 ? 'no' : 'more than one'} audit with id ${auditId}; its audits are ${audits.map((a) => a.auditId.slice(0, 12)).join(', ')}.`);
  return hits[0];
}

export interface StoreReportOptions {
  auditId?: string;
  /** How many worst cases to show (default 6, at most 2 per model, dataset and attack). */
  worst?: number;
  /** Show dataset folder names and read DICOM identifiers of the worst cases' files. */
  includeIdentifiers?: boolean;
  /** Called with each worst case's source file when identifiers are included. */
  identifiersOf?: (file: string) => Record<string, string> | null;
}

export function reportDataFromStore(store: AuditStore, opts: StoreReportOptions = {}): ReportData {
  const audit = pickAudit(store, opts.auditId);
  const cells = store.cells(audit.auditId);
  const models = store.rows('models').filter((m) => cells.some((c) => c.modelSha256 === m.model_sha256));
  const modelName = new Map(models.map((m) => [str(m.model_sha256), str(m.name)]));
  const datasetRows = store.rows('datasets').filter((d) => cells.some((c) => c.datasetKey === d.dataset_key));
  const imageRows = store.rows('images');
  const sessions = store.rows('sessions', audit.auditId);

  // Folder datasets get neutral names unless identifiers were asked for.
  const dsLabel = new Map<string, string>();
  const counters: Record<string, number> = {};
  for (const d of datasetRows) {
    const kind = str(d.kind);
    const label = kind === 'dataset' || opts.includeIdentifiers ? str(d.name) : `${kind === 'dicom' ? 'DICOM' : 'image'} folder ${(counters[kind] = (counters[kind] ?? 0) + 1)}`;
    dsLabel.set(str(d.name), label);
  }
  const dsKind = new Map(datasetRows.map((d) => [str(d.name), str(d.kind)]));
  const dn = (name: string): string => dsLabel.get(name) ?? name;
  const mn = (sha: string): string => modelName.get(sha) ?? sha.slice(0, 12);
  const imageLabel = (c: CellRecord): string => (dsKind.get(c.dataset) === 'dataset' ? c.imageId : `sha256 ${c.imageSha256.slice(0, 16)}`);

  const attacked = cells.filter(isAttack);
  const epsilons: EpsilonColumn[] = [...group(attacked, (c) => `${c.units}|${c.eps}`).values()]
    .map((g) => ({ units: g[0].units, value: g[0].eps, label: epsColumnLabel(g[0].units, g[0].eps, g[0].epsText) }))
    .sort((a, b) => unitsRank(a.units) - unitsRank(b.units) || (a.units < b.units ? -1 : a.units > b.units ? 1 : a.value - b.value));
  const headline = epsilons.at(-1);

  const curves = robustnessCurves(cells, { seed: 0 });
  const robust = robustDicePerImage(cells);
  const anySuccess = new Map<string, boolean>();
  for (const c of attacked) anySuccess.set(sampleKey(c, c.prompt), (anySuccess.get(sampleKey(c, c.prompt)) ?? false) || c.metrics.success);
  const robustPrompt = new Map<string, string>();
  for (const c of attacked) robustPrompt.set(c.key, c.prompt);

  const verdict: VerdictRow[] = [];
  for (const g of group(robust, (r) => `${r.modelSha256}|${r.dataset}`).values()) {
    const { modelSha256, dataset } = g[0];
    const wins = g.map((r) => {
      const prompt = robustPrompt.get(r.worstCell) ?? '';
      return anySuccess.get(sampleKey(r, prompt)) ? 1 : 0;
    });
    const success = estimate(wins);
    const mine = curves.filter((cv) => cv.modelSha256 === modelSha256 && cv.dataset === dataset && !CONTROL_ATTACKS.includes(cv.attack));
    verdict.push({
      model: mn(modelSha256),
      dataset: dn(dataset),
      samples: g.length,
      clean: estimate(g.map((r) => r.cleanDice)),
      atEps: epsilons.map((e) => {
        const pts = mine.filter((cv) => cv.units === e.units).flatMap((cv) => cv.points.filter((p) => p.eps === e.value).map((p) => ({ p, label: cv.label })));
        const worst = pts.sort((a, b) => a.p.dice - b.p.dice || (a.label < b.label ? -1 : 1))[0];
        if (!worst) return { estimate: NaN, low: NaN, high: NaN, n: 0, attack: '' };
        const ci = worst.p.diceCi;
        return { estimate: worst.p.dice, low: ci.valid >= 2 ? ci.low : NaN, high: ci.valid >= 2 ? ci.high : NaN, n: ci.valid, attack: worst.label };
      }),
      robust: estimate(g.map((r) => r.robustDice)),
      success: { ...success, successes: wins.reduce<number>((a, b) => a + b, 0) },
    });
  }

  const curveSeries: CurveSeries[] = curves
    .filter((cv) => !CONTROL_ATTACKS.includes(cv.attack))
    .map((cv) => {
      const first = cv.points[0];
      const clean = { eps: 0, eps255: 0, dice: { estimate: first?.cleanDice ?? NaN, low: NaN, high: NaN, n: first?.n ?? 0 } };
      return {
        model: mn(cv.modelSha256),
        dataset: dn(cv.dataset),
        attack: cv.label,
        units: cv.units,
        points: [
          clean,
          ...cv.points.map((pt) => ({
            eps: pt.eps,
            eps255: cv.units === 'pixel' ? pt.eps * 255 : pt.eps,
            dice: { estimate: pt.dice, low: pt.diceCi.valid >= 2 ? pt.diceCi.low : NaN, high: pt.diceCi.valid >= 2 ? pt.diceCi.high : NaN, n: pt.diceCi.valid },
          })),
        ],
      };
    });

  const perDataset: BreakdownRow[] = [...group(attacked, (c) => `${c.modelSha256}|${c.dataset}|${c.label}|${c.units}|${c.eps}`).values()].map((g) => ({
    key: `${g[0].label} at ${epsColumnLabel(g[0].units, g[0].eps, g[0].epsText)}`,
    model: mn(g[0].modelSha256),
    dataset: dn(g[0].dataset),
    clean: estimate(g.map((c) => c.metrics.clean.dice)),
    attacked: estimate(g.map((c) => c.metrics.adversarial.dice)),
    success: estimate(g.map((c) => (c.metrics.success ? 1 : 0))),
  }));

  const perPrompt: BreakdownRow[] = [...group(robust, (r) => `${r.modelSha256}|${r.dataset}|${robustPrompt.get(r.worstCell) ?? ''}`).values()].map((g) => {
    const prompt = robustPrompt.get(g[0].worstCell) ?? '';
    return {
      key: `"${prompt}"`,
      model: mn(g[0].modelSha256),
      dataset: dn(g[0].dataset),
      clean: estimate(g.map((r) => r.cleanDice)),
      attacked: estimate(g.map((r) => r.robustDice)),
      success: estimate(g.map((r) => (anySuccess.get(sampleKey(r, prompt)) ? 1 : 0))),
    };
  });

  const worst = worstCasesWithImages(store, audit.auditId, cells, opts.worst ?? 6).map((c): WorstCase => {
    const ex = store.example(audit.auditId, c.key);
    const w: WorstCase = {
      model: mn(c.modelSha256),
      dataset: dn(c.dataset),
      image: imageLabel(c),
      prompt: c.prompt,
      attack: c.label,
      eps: { units: c.units, value: c.eps, label: epsColumnLabel(c.units, c.eps, c.epsText) },
      cleanDice: c.metrics.clean.dice,
      adversarialDice: c.metrics.adversarial.dice,
      images: ex
        ? {
            original: ex.cleanPng, adversarial: ex.adversarialPng, groundTruth: c.referenceKind === 'ground-truth' ? ex.referencePng : null, cleanPrediction: ex.cleanMaskPng, adversarialPrediction: ex.advMaskPng,
            // the stored domain's panel is Δ in stored units (the 8-bit display pair loses sub-step changes)
            ...(c.domain === 'stored' ? { perturbation: ex.perturbationPng } : {}),
          }
        : null,
      ...(c.domain === 'stored' ? { stored: storedWorst(c) } : {}),
    };
    if (opts.includeIdentifiers && opts.identifiersOf) {
      const file = sourceFile(datasetRows, imageRows, c);
      const ids = file ? opts.identifiersOf(file) : null;
      if (ids) w.identifiers = ids;
    }
    return w;
  });

  const datasets: DatasetProvenance[] = datasetRows.map((d) => {
    const imgs = imageRows.filter((i) => i.dataset_key === d.dataset_key);
    const hash = createHash('sha256').update(imgs.map((i) => `${str(i.image_sha256)}:${str(i.mask_sha256)}`).sort().join('\n')).digest('hex');
    return {
      name: dn(str(d.name)),
      kind: str(d.kind),
      split: d.split === null ? null : str(d.split),
      images: Number(d.n_images),
      hash,
      referenceFree: Number(d.ground_truth) === 0,
      dicom: str(d.kind) === 'dicom' || imgs.some((i) => /\.dcm$/i.test(str(i.path)) || !/\.[a-z]+$/i.test(str(i.path))),
    };
  });

  const last = sessions.at(-1);
  const providers = [...new Set(attacked.map((c) => c.provider ?? 'unknown'))];
  const threads = [...new Set(attacked.map((c) => c.threads).filter((t): t is number => t !== null))];
  const data: ReportData = {
    audit: {
      id: audit.auditId.slice(0, 12),
      name: audit.name,
      description: (audit.plan as { description?: string }).description ?? null,
      status: audit.status,
      cellsDone: audit.cellsDone,
      cellsTotal: audit.cellsTotal,
      createdAt: audit.createdAt,
      startedAt: sessions.length ? str(sessions[0].started_at) : null,
      finishedAt: last && last.ended_at !== null ? str(last.ended_at) : null,
    },
    epsilons,
    verdict,
    curves: curveSeries,
    perDataset,
    perPrompt,
    worst,
    method: describeMethod(audit.plan, cells),
    limitations: [],
    provenance: {
      app: { name: 'VLSM Audit', version: last ? str(last.app_version) || 'unknown' : 'unknown', commit: last && last.git_commit !== null ? str(last.git_commit) : null },
      models: models.map((m) => ({ name: str(m.name), version: str(m.version), sha256: str(m.model_sha256), manifest: JSON.parse(str(m.manifest_json)) as unknown })),
      datasets,
      provider: providers.join(', '),
      threads: threads.length === 1 ? threads[0] : null,
      engine: last ? str(last.engine_version) : null,
      plan: opts.includeIdentifiers ? audit.plan : withoutFolderPaths(audit.plan),
      timestamps: [
        { label: 'audit created', value: audit.createdAt },
        ...sessions.map((s, i) => ({ label: `session ${i + 1} (${str(s.mode)}, ${str(s.status)})`, value: `${str(s.started_at)} to ${s.ended_at === null ? 'not ended' : str(s.ended_at)}` })),
        { label: 'last change', value: audit.updatedAt },
      ],
    },
  };
  data.limitations = describeLimitations(data, cells);
  if (headline === undefined) data.limitations.unshift('No attack cell has finished: the report shows the plan only.');
  return data;
}

/**
 * Worst cells that have stored images, lowest adversarial Dice first: the worst of every model × dataset
 * comes first (so each dataset is shown), then the rest, at most two per model × dataset × attack.
 */
function worstCasesWithImages(store: AuditStore, auditId: string, cells: readonly CellRecord[], k: number): CellRecord[] {
  const byKey = new Map(cells.map((c) => [c.key, c]));
  const examples = store.rows('examples', auditId).map((r) => byKey.get(str(r.cell_key))).filter((c): c is CellRecord => c !== undefined && isAttack(c));
  const d = (c: CellRecord): number => (Number.isNaN(c.metrics.adversarial.dice) ? Infinity : c.metrics.adversarial.dice);
  examples.sort((a, b) => d(a) - d(b) || a.metrics.adversarial.dice - b.metrics.adversarial.dice || (a.key < b.key ? -1 : 1));
  const firsts = new Map<string, CellRecord>();
  for (const c of examples) if (!firsts.has(`${c.modelSha256}|${c.datasetKey}`)) firsts.set(`${c.modelSha256}|${c.datasetKey}`, c);
  const perGroup = new Map<string, number>();
  const out: CellRecord[] = [];
  for (const c of [...firsts.values(), ...examples]) {
    const g = `${c.modelSha256}|${c.datasetKey}|${c.label}`;
    if (out.includes(c) || (perGroup.get(g) ?? 0) >= 2) continue;
    perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
    out.push(c);
    if (out.length >= k) break;
  }
  return out.sort((a, b) => d(a) - d(b) || (a.key < b.key ? -1 : 1));
}

function sourceFile(datasets: Row[], images: Row[], c: CellRecord): string | null {
  const d = datasets.find((x) => x.dataset_key === c.datasetKey);
  const im = images.find((x) => x.dataset_key === c.datasetKey && x.image_id === c.imageId);
  return d && im ? `${str(d.dir)}/${str(im.path)}` : null;
}

/** The plan as shown: folders of plain/DICOM datasets replaced, since their names can identify patients. */
export function withoutFolderPaths(plan: unknown): unknown {
  const p = structuredClone(plan) as { datasets?: Array<Record<string, unknown>> };
  for (const d of p.datasets ?? []) if (d.kind !== 'dataset' && typeof d.path === 'string') d.path = '(folder not shown; see the dataset hash)';
  return p;
}
