/**
 * The results store: one SQLite file (node-sqlite3-wasm — WebAssembly, so plain Node 20 and Electron's
 * main process open it without a native rebuild). One writer (the runner that owns the audit) and one
 * transaction per finished cell with synchronous=FULL: a run killed at any instant (even `kill -9`) leaves
 * every finished cell and nothing half-written (SQLite's rollback journal undoes an interrupted
 * transaction on the next open). Readers (report, `results`, the app) use the query functions below.
 *
 * Schema version 1 — tables and columns (additive changes only; readers must ignore unknown columns):
 *
 * meta(key PK, value)                      schema_version = '1'
 * audits                                   one row per plan run into this file
 *   audit_id PK        sha256 of the canonical resolved plan JSON (same plan → same id → resume)
 *   name, plan_json    the plan as validated (defaults filled in)
 *   cells_total        cells the plan expands to
 *   status             'running' | 'done' | 'cancelled' | 'failed'
 *   created_at, updated_at   ISO 8601 UTC
 * sessions                                 one row per invocation that worked on an audit (a resume is a new session)
 *   session_id PK, audit_id, mode ('local' | 'queue'), jobs (local workers), provider (cpu/cuda/auto as asked),
 *   threads (intra-op threads per worker; null = ONNX Runtime's default), app_version (package.json),
 *   git_commit (null when not in a git checkout), engine_version (ENGINE_VERSION, also in every cell key),
 *   node_version, platform, host, argv, started_at, ended_at, status, error
 * models                                   every model an audit used
 *   model_sha256 PK (of model.onnx), name, version, dir, manifest_json (vlsm.json as loaded)
 * datasets
 *   dataset_key PK     sha256 of kind, folder, split and splits.json content
 *   name, kind ('dataset' | 'images' | 'dicom'), dir, split, splits_sha256 (null: no splits.json), n_images, ground_truth (0/1)
 * images                                   dataset file hashes
 *   (dataset_key, image_id) PK, path (relative to the dataset folder), image_sha256, mask_sha256 (null: no ground truth)
 * cells                                    one row per finished cell (the unit of work, storage and resume)
 *   (audit_id, cell_key) PK — two audits in one file may share a cell; each keeps its own row
 *   cell_key           sha256 over engine version, model sha256, image and mask sha256, prompt, attack name and
 *                      full parameters, ε, seed and batch context (audit/cells.ts cellKey)
 *   audit_id, ordinal (position in the plan's expansion: ORDER BY ordinal gives plan order), session_id, worker
 *   model_sha256, dataset_key, dataset (name), image_id, image_sha256
 *   prompt_spec ('default' | 'fixed' | 'key p3' | 'variants p7'), prompt (the text the model got)
 *   attack (registry name), label (report row label), units, eps (in `units`), eps_text ('8/255', '0.03 norm.'),
 *   seed, domain ('model' | 'stored'), params_json (full attack parameters: budget, loss, target, options, execution;
 *                      stored-domain cells add `stored`: ε, α and max |Δ| in su/HU/k/255w and the image's
 *                      stored-value mapping — audit/execute-stored.ts StoredCellRecord)
 *   batch_key (null when the cell ran alone; else sha256 of its batch's cells in order, plus its position)
 *   provider (as run: cpu/cuda), threads, gradient_mode ('fused' | 'unfused' | null), iterations, ms
 *   started_at, finished_at   ISO 8601 UTC
 *   reference_kind ('ground-truth' | 'clean-prediction')
 *   clean_dice, clean_iou, clean_hd95, clean_area, adv_dice, adv_iou, adv_hd95, adv_area, preq_dice, preq_iou,
 *   linf255, l2, psnr, ssim, target_dice, success (0/1)     REAL; NaN is stored as NULL here
 *   metrics_json       the full ImageMetrics, NaN/±Infinity/−0 kept (encodeNumbers): the bit-exact record
 * examples                                 adversarial examples of the worst cells only
 *   (audit_id, cell_key) PK, group_key (model_sha256|dataset_key|label), adv_dice (rank: lowest kept)
 *   width, height, channels      at the resolution the attack ran at (model input size; stored domain: the image's own)
 *   clean_png, adversarial_png   8-bit PNGs: the evaluated images (‖δ‖ verifiable from these two)
 *   perturbation_png, amplification  grey 0.5 + δ·amplification (δ in 8-bit levels; stored domain: in stored units, one grey plane)
 *   reference_png, clean_mask_png, adv_mask_png   0/255 masks
 *   Per group the `store.worstExamples` cells with the lowest (adv_dice, cell_key) are kept; the set does
 *   not depend on the order cells finish in.
 */
import { createRequire } from 'node:module';
import type { Database as SqliteDatabase } from 'node-sqlite3-wasm';
import type { ImageMetrics } from '../attacks/evaluate.js';
import { UserError } from '../errors.js';
import type { UniversalDelta } from './universal.js';

// node-sqlite3-wasm is CommonJS without named ESM exports: load it through require in every runtime.
const { Database } = createRequire(import.meta.url)('node-sqlite3-wasm') as typeof import('node-sqlite3-wasm');
type Database = SqliteDatabase;

export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audits (
  audit_id TEXT PRIMARY KEY, name TEXT NOT NULL, plan_json TEXT NOT NULL, cells_total INTEGER NOT NULL,
  status TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT PRIMARY KEY, audit_id TEXT NOT NULL, mode TEXT NOT NULL, jobs INTEGER, provider TEXT,
  threads INTEGER, app_version TEXT, git_commit TEXT, engine_version TEXT NOT NULL, node_version TEXT,
  platform TEXT, host TEXT, argv TEXT, started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL, error TEXT);
CREATE TABLE IF NOT EXISTS models (
  model_sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, version TEXT, dir TEXT, manifest_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS datasets (
  dataset_key TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, dir TEXT NOT NULL, split TEXT,
  splits_sha256 TEXT, n_images INTEGER NOT NULL, ground_truth INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS images (
  dataset_key TEXT NOT NULL, image_id TEXT NOT NULL, path TEXT NOT NULL, image_sha256 TEXT NOT NULL,
  mask_sha256 TEXT, PRIMARY KEY (dataset_key, image_id));
CREATE TABLE IF NOT EXISTS cells (
  cell_key TEXT NOT NULL, audit_id TEXT NOT NULL, ordinal INTEGER NOT NULL, session_id TEXT, worker TEXT,
  model_sha256 TEXT NOT NULL, dataset_key TEXT NOT NULL, dataset TEXT NOT NULL, image_id TEXT NOT NULL,
  image_sha256 TEXT NOT NULL, prompt_spec TEXT NOT NULL, prompt TEXT NOT NULL, attack TEXT NOT NULL,
  label TEXT NOT NULL, units TEXT NOT NULL, eps REAL NOT NULL, eps_text TEXT NOT NULL, seed INTEGER NOT NULL,
  domain TEXT NOT NULL, params_json TEXT NOT NULL, batch_key TEXT, provider TEXT, threads INTEGER,
  gradient_mode TEXT, iterations INTEGER, ms REAL, started_at TEXT, finished_at TEXT, reference_kind TEXT,
  clean_dice REAL, clean_iou REAL, clean_hd95 REAL, clean_area REAL, adv_dice REAL, adv_iou REAL,
  adv_hd95 REAL, adv_area REAL, preq_dice REAL, preq_iou REAL, linf255 REAL, l2 REAL, psnr REAL, ssim REAL,
  target_dice REAL, success INTEGER, metrics_json TEXT NOT NULL, PRIMARY KEY (audit_id, cell_key));
CREATE INDEX IF NOT EXISTS cells_by_audit ON cells (audit_id, ordinal);
CREATE TABLE IF NOT EXISTS examples (
  cell_key TEXT NOT NULL, audit_id TEXT NOT NULL, group_key TEXT NOT NULL, adv_dice REAL,
  width INTEGER NOT NULL, height INTEGER NOT NULL, channels INTEGER NOT NULL,
  clean_png BLOB NOT NULL, adversarial_png BLOB NOT NULL, perturbation_png BLOB NOT NULL, amplification REAL NOT NULL,
  reference_png BLOB NOT NULL, clean_mask_png BLOB NOT NULL, adv_mask_png BLOB NOT NULL, PRIMARY KEY (audit_id, cell_key));
CREATE INDEX IF NOT EXISTS examples_by_group ON examples (audit_id, group_key);
CREATE TABLE IF NOT EXISTS universals (
  delta_key TEXT PRIMARY KEY, sha256 TEXT NOT NULL, channels INTEGER NOT NULL, height INTEGER NOT NULL,
  width INTEGER NOT NULL, delta BLOB NOT NULL, meta_json TEXT NOT NULL, created_at TEXT NOT NULL);
`;

// JSON cannot hold NaN, ±Infinity or −0; they travel as {"$number": "NaN"} so that stored metrics equal
// the computed ones bit for bit.
const NUMBER_KEY = '$number';
export function encodeNumbers(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { [NUMBER_KEY]: Object.is(v, -0) ? '-0' : String(v) } : v));
}
export function decodeNumbers<T>(text: string): T {
  return JSON.parse(text, (_k, v: unknown) => (typeof v === 'object' && v !== null && NUMBER_KEY in v ? Number((v as Record<string, string>)[NUMBER_KEY]) : v)) as T;
}

/** The metrics of one image under one attack: the attack engine's ImageMetrics, stored whole. */
export type StoredMetrics = ImageMetrics;

export interface SessionInfo {
  sessionId: string;
  auditId: string;
  mode: 'local' | 'queue';
  jobs: number | null;
  provider: string | null;
  threads: number | null;
  appVersion: string | null;
  gitCommit: string | null;
  engineVersion: string;
  nodeVersion: string;
  platform: string;
  host: string;
  argv: string;
}

export interface ModelRecord {
  sha256: string;
  name: string;
  version: string | null;
  dir: string;
  manifest: unknown;
}

export interface DatasetRecord {
  key: string;
  name: string;
  kind: 'dataset' | 'images' | 'dicom';
  dir: string;
  split: string | null;
  splitsSha256: string | null;
  images: Array<{ id: string; path: string; imageSha256: string; maskSha256: string | null }>;
  groundTruth: boolean;
}

/** A finished cell as the runner (or a queue worker) reports it. */
export interface CellRecord {
  key: string;
  auditId: string;
  ordinal: number;
  sessionId: string | null;
  worker: string | null;
  modelSha256: string;
  datasetKey: string;
  dataset: string;
  imageId: string;
  imageSha256: string;
  promptSpec: string;
  prompt: string;
  attack: string;
  label: string;
  units: string;
  eps: number;
  epsText: string;
  seed: number;
  domain: string;
  params: unknown;
  batchKey: string | null;
  provider: string | null;
  threads: number | null;
  gradientMode: string | null;
  iterations: number | null;
  ms: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  referenceKind: string;
  metrics: StoredMetrics;
}

export interface ExampleRecord {
  width: number;
  height: number;
  channels: number;
  cleanPng: Uint8Array;
  adversarialPng: Uint8Array;
  perturbationPng: Uint8Array;
  amplification: number;
  referencePng: Uint8Array;
  cleanMaskPng: Uint8Array;
  advMaskPng: Uint8Array;
}

export interface AuditRow {
  auditId: string;
  name: string;
  plan: unknown;
  cellsTotal: number;
  cellsDone: number;
  status: string;
  createdAt: string;
  updatedAt: string;
}

export class StoreError extends UserError {
  override name = 'StoreError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('runtime', message, options);
  }
}

const now = () => new Date().toISOString();
const real = (x: number | undefined): number | null => (x === undefined || Number.isNaN(x) ? null : x);

/** Cell columns in table order after the key, as (column, value of a record). */
const CELL_COLUMNS: Array<[string, (c: CellRecord) => string | number | null]> = [
  ['audit_id', (c) => c.auditId],
  ['ordinal', (c) => c.ordinal],
  ['session_id', (c) => c.sessionId],
  ['worker', (c) => c.worker],
  ['model_sha256', (c) => c.modelSha256],
  ['dataset_key', (c) => c.datasetKey],
  ['dataset', (c) => c.dataset],
  ['image_id', (c) => c.imageId],
  ['image_sha256', (c) => c.imageSha256],
  ['prompt_spec', (c) => c.promptSpec],
  ['prompt', (c) => c.prompt],
  ['attack', (c) => c.attack],
  ['label', (c) => c.label],
  ['units', (c) => c.units],
  ['eps', (c) => c.eps],
  ['eps_text', (c) => c.epsText],
  ['seed', (c) => c.seed],
  ['domain', (c) => c.domain],
  ['params_json', (c) => encodeNumbers(c.params)],
  ['batch_key', (c) => c.batchKey],
  ['provider', (c) => c.provider],
  ['threads', (c) => c.threads],
  ['gradient_mode', (c) => c.gradientMode],
  ['iterations', (c) => c.iterations],
  ['ms', (c) => c.ms],
  ['started_at', (c) => c.startedAt],
  ['finished_at', (c) => c.finishedAt],
  ['reference_kind', (c) => c.referenceKind],
  ['clean_dice', (c) => real(c.metrics.clean.dice)],
  ['clean_iou', (c) => real(c.metrics.clean.iou)],
  ['clean_hd95', (c) => real(c.metrics.clean.hd95)],
  ['clean_area', (c) => real(c.metrics.clean.area)],
  ['adv_dice', (c) => real(c.metrics.adversarial.dice)],
  ['adv_iou', (c) => real(c.metrics.adversarial.iou)],
  ['adv_hd95', (c) => real(c.metrics.adversarial.hd95)],
  ['adv_area', (c) => real(c.metrics.adversarial.area)],
  ['preq_dice', (c) => real(c.metrics.preQuantisation.dice)],
  ['preq_iou', (c) => real(c.metrics.preQuantisation.iou)],
  ['linf255', (c) => real(c.metrics.perturbation.linf255)],
  ['l2', (c) => real(c.metrics.perturbation.l2)],
  ['psnr', (c) => real(Number.isFinite(c.metrics.psnr) ? c.metrics.psnr : NaN)],
  ['ssim', (c) => real(c.metrics.ssim)],
  ['target_dice', (c) => real(c.metrics.targetDice)],
  ['success', (c) => (c.metrics.success ? 1 : 0)],
  ['metrics_json', (c) => encodeNumbers(c.metrics)],
];

const INSERT_CELL = `INSERT OR IGNORE INTO cells (cell_key, ${CELL_COLUMNS.map(([c]) => c).join(', ')}) VALUES (${CELL_COLUMNS.map(() => '?').concat('?').join(', ')})`;

export class AuditStore {
  private constructor(
    private readonly db: Database,
    readonly file: string,
  ) {}

  /** Opens (creating when absent) a store file; refuses a file written by a newer schema. */
  static open(file: string, opts: { readOnly?: boolean } = {}): AuditStore {
    let db: Database;
    try {
      db = new Database(file, opts.readOnly ? { readOnly: true, fileMustExist: true } : undefined);
    } catch (e) {
      throw new StoreError(`Cannot open results store ${file} (${(e as Error).message}).`);
    }
    try {
      if (!opts.readOnly) {
        db.exec('PRAGMA synchronous = FULL;');
        db.exec(SCHEMA);
        db.run('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)', ['schema_version', String(SCHEMA_VERSION)]);
      }
      const v = db.get("SELECT value FROM meta WHERE key = 'schema_version'") as { value: string } | null;
      if (!v) throw new StoreError(`${file} is not a VLSM Audit results store (no schema version).`);
      if (Number(v.value) > SCHEMA_VERSION) throw new StoreError(`${file} was written by a newer version (schema ${v.value}; this one reads ${SCHEMA_VERSION}).`);
    } catch (e) {
      db.close();
      if (e instanceof StoreError) throw e;
      throw new StoreError(`${file} is not a readable results store (${(e as Error).message}).`);
    }
    return new AuditStore(db, file);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /** Registers an audit (or finds it again on resume) and marks it running. */
  beginAudit(auditId: string, name: string, plan: unknown, cellsTotal: number): void {
    const t = now();
    this.transaction(() => {
      this.db.run('INSERT OR IGNORE INTO audits (audit_id, name, plan_json, cells_total, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [auditId, name, JSON.stringify(plan), cellsTotal, 'running', t, t]);
      this.db.run("UPDATE audits SET status = 'running', updated_at = ? WHERE audit_id = ?", [t, auditId]);
    });
  }

  setAuditStatus(auditId: string, status: 'running' | 'done' | 'cancelled' | 'failed'): void {
    this.db.run('UPDATE audits SET status = ?, updated_at = ? WHERE audit_id = ?', [status, now(), auditId]);
  }

  beginSession(s: SessionInfo): void {
    this.db.run(
      'INSERT INTO sessions (session_id, audit_id, mode, jobs, provider, threads, app_version, git_commit, engine_version, node_version, platform, host, argv, started_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [s.sessionId, s.auditId, s.mode, s.jobs, s.provider, s.threads, s.appVersion, s.gitCommit, s.engineVersion, s.nodeVersion, s.platform, s.host, s.argv, now(), 'running'],
    );
  }

  endSession(sessionId: string, status: 'done' | 'cancelled' | 'failed', error?: string): void {
    this.db.run('UPDATE sessions SET ended_at = ?, status = ?, error = ? WHERE session_id = ?', [now(), status, error ?? null, sessionId]);
  }

  putModel(m: ModelRecord): void {
    this.db.run('INSERT OR IGNORE INTO models (model_sha256, name, version, dir, manifest_json) VALUES (?, ?, ?, ?, ?)', [m.sha256, m.name, m.version, m.dir, JSON.stringify(m.manifest)]);
  }

  putDataset(d: DatasetRecord): void {
    this.transaction(() => {
      this.db.run('INSERT OR IGNORE INTO datasets (dataset_key, name, kind, dir, split, splits_sha256, n_images, ground_truth) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [d.key, d.name, d.kind, d.dir, d.split, d.splitsSha256, d.images.length, d.groundTruth ? 1 : 0]);
      const st = this.db.prepare('INSERT OR IGNORE INTO images (dataset_key, image_id, path, image_sha256, mask_sha256) VALUES (?, ?, ?, ?, ?)');
      try {
        for (const im of d.images) st.run([d.key, im.id, im.path, im.imageSha256, im.maskSha256]);
      } finally {
        st.finalize();
      }
    });
  }

  /** Keys of the finished cells of an audit (what a resume skips). */
  doneKeys(auditId: string): Set<string> {
    return new Set((this.db.all('SELECT cell_key FROM cells WHERE audit_id = ?', [auditId]) as Array<{ cell_key: string }>).map((r) => r.cell_key));
  }

  countCells(auditId: string): number {
    return Number((this.db.get('SELECT COUNT(*) AS n FROM cells WHERE audit_id = ?', [auditId]) as { n: number }).n);
  }

  /**
   * Stores one finished cell — and its adversarial example when it ranks among the `worstExamples`
   * lowest adversarial Dice of its group — in ONE transaction. A cell already stored is left as it is
   * (returns false): a cell re-run after a crash or delivered twice by a queue is never duplicated.
   * `example` may be a function: it is called (e.g. to encode PNGs) only when the example is kept.
   */
  putCell(c: CellRecord, example: ExampleRecord | (() => ExampleRecord) | undefined, worstExamples: number): boolean {
    return this.transaction(() => {
      const r = this.db.run(INSERT_CELL, [c.key, ...CELL_COLUMNS.map(([, f]) => f(c))]);
      if (r.changes === 0) return false;
      if (example && worstExamples > 0) this.keepExample(c, example, worstExamples);
      return true;
    });
  }

  private keepExample(c: CellRecord, example: ExampleRecord | (() => ExampleRecord), k: number): void {
    const group = `${c.modelSha256}|${c.datasetKey}|${c.label}`;
    const dice = real(c.metrics.adversarial.dice);
    // Rank (adv_dice, cell_key) ascending, NULL (NaN) Dice last: a total order, so the kept set is
    // the same whatever order the cells arrive in.
    const rank = (d: number | null, key: string): [number, string] => [d ?? Number.POSITIVE_INFINITY, key];
    const kept = this.db.all('SELECT cell_key, adv_dice FROM examples WHERE audit_id = ? AND group_key = ?', [c.auditId, group]) as Array<{ cell_key: string; adv_dice: number | null }>;
    if (kept.length >= k) {
      const worstKept = kept.map((r) => rank(r.adv_dice, r.cell_key)).sort((a, b) => (a[0] - b[0]) || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)).at(-1)!;
      const mine = rank(dice, c.key);
      const better = mine[0] < worstKept[0] || (mine[0] === worstKept[0] && mine[1] < worstKept[1]);
      if (!better) return;
      this.db.run('DELETE FROM examples WHERE audit_id = ? AND cell_key = ?', [c.auditId, worstKept[1]]);
    }
    const e = typeof example === 'function' ? example() : example;
    this.db.run(
      'INSERT INTO examples (cell_key, audit_id, group_key, adv_dice, width, height, channels, clean_png, adversarial_png, perturbation_png, amplification, reference_png, clean_mask_png, adv_mask_png) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [c.key, c.auditId, group, dice, e.width, e.height, e.channels, e.cleanPng, e.adversarialPng, e.perturbationPng, e.amplification, e.referencePng, e.cleanMaskPng, e.advMaskPng],
    );
  }

  /** A trained universal perturbation by its key (audit/universal.ts), or null. */
  universal(key: string): UniversalDelta | null {
    const r = this.db.get('SELECT * FROM universals WHERE delta_key = ?', [key]) as Record<string, string | number | Uint8Array> | null;
    if (!r) return null;
    const meta = decodeNumbers<Pick<UniversalDelta, 'images' | 'updates' | 'lossPerEpoch' | 'ms'>>(String(r.meta_json));
    return { key, sha256: String(r.sha256), channels: Number(r.channels), height: Number(r.height), width: Number(r.width), base64: Buffer.from(r.delta as Uint8Array).toString('base64'), ...meta };
  }

  /** Keeps a trained δ (the first one stored under a key stays). */
  putUniversal(d: UniversalDelta): void {
    const meta = { images: d.images, updates: d.updates, lossPerEpoch: d.lossPerEpoch, ms: d.ms };
    this.db.run('INSERT OR IGNORE INTO universals (delta_key, sha256, channels, height, width, delta, meta_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [d.key, d.sha256, d.channels, d.height, d.width, new Uint8Array(Buffer.from(d.base64, 'base64')), encodeNumbers(meta), new Date().toISOString()]);
  }

  audits(): AuditRow[] {
    const rows = this.db.all('SELECT a.*, (SELECT COUNT(*) FROM cells c WHERE c.audit_id = a.audit_id) AS done FROM audits a ORDER BY created_at, audit_id') as Array<Record<string, string | number>>;
    return rows.map((r) => ({ auditId: String(r.audit_id), name: String(r.name), plan: JSON.parse(String(r.plan_json)), cellsTotal: Number(r.cells_total), cellsDone: Number(r.done), status: String(r.status), createdAt: String(r.created_at), updatedAt: String(r.updated_at) }));
  }

  /** Finished cells in plan order, metrics decoded bit-exact; optionally only one audit's. */
  cells(auditId?: string): CellRecord[] {
    const rows = (auditId ? this.db.all('SELECT * FROM cells WHERE audit_id = ? ORDER BY ordinal, cell_key', [auditId]) : this.db.all('SELECT * FROM cells ORDER BY audit_id, ordinal, cell_key')) as Array<Record<string, string | number | null>>;
    return rows.map(rowToCell);
  }

  /** Raw rows of any table (sessions, models, datasets, images, examples) for reports and exports. */
  rows(table: 'audits' | 'sessions' | 'models' | 'datasets' | 'images' | 'cells' | 'examples' | 'universals', auditId?: string): Array<Record<string, string | number | bigint | Uint8Array | null>> {
    const byAudit = ['sessions', 'cells', 'examples', 'audits'].includes(table) && auditId !== undefined;
    const order = { audits: 'created_at, audit_id', sessions: 'started_at, session_id', models: 'model_sha256', datasets: 'dataset_key', images: 'dataset_key, image_id', cells: 'audit_id, ordinal, cell_key', examples: 'audit_id, group_key, adv_dice, cell_key', universals: 'delta_key' }[table];
    return this.db.all(`SELECT * FROM ${table}${byAudit ? ' WHERE audit_id = ?' : ''} ORDER BY ${order}`, byAudit ? [auditId] : undefined) as Array<Record<string, string | number | bigint | Uint8Array | null>>;
  }

  example(auditId: string, cellKey: string): ExampleRecord | null {
    const r = this.db.get('SELECT * FROM examples WHERE audit_id = ? AND cell_key = ?', [auditId, cellKey]) as Record<string, number | Uint8Array> | null;
    if (!r) return null;
    return {
      width: Number(r.width),
      height: Number(r.height),
      channels: Number(r.channels),
      cleanPng: r.clean_png as Uint8Array,
      adversarialPng: r.adversarial_png as Uint8Array,
      perturbationPng: r.perturbation_png as Uint8Array,
      amplification: Number(r.amplification),
      referencePng: r.reference_png as Uint8Array,
      cleanMaskPng: r.clean_mask_png as Uint8Array,
      advMaskPng: r.adv_mask_png as Uint8Array,
    };
  }
}

function rowToCell(r: Record<string, string | number | null>): CellRecord {
  const s = (k: string) => (r[k] === null ? null : String(r[k]));
  const n = (k: string) => (r[k] === null ? null : Number(r[k]));
  return {
    key: String(r.cell_key),
    auditId: String(r.audit_id),
    ordinal: Number(r.ordinal),
    sessionId: s('session_id'),
    worker: s('worker'),
    modelSha256: String(r.model_sha256),
    datasetKey: String(r.dataset_key),
    dataset: String(r.dataset),
    imageId: String(r.image_id),
    imageSha256: String(r.image_sha256),
    promptSpec: String(r.prompt_spec),
    prompt: String(r.prompt),
    attack: String(r.attack),
    label: String(r.label),
    units: String(r.units),
    eps: Number(r.eps),
    epsText: String(r.eps_text),
    seed: Number(r.seed),
    domain: String(r.domain),
    params: decodeNumbers(String(r.params_json)),
    batchKey: s('batch_key'),
    provider: s('provider'),
    threads: n('threads'),
    gradientMode: s('gradient_mode'),
    iterations: n('iterations'),
    ms: n('ms'),
    startedAt: s('started_at'),
    finishedAt: s('finished_at'),
    referenceKind: String(r.reference_kind),
    metrics: decodeNumbers<StoredMetrics>(String(r.metrics_json)),
  };
}
