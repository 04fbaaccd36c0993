/**
 * The one contract between the UI and the engine (DESIGN.md, "One handler table, two transports").
 * Every call is defined here once — name, argument schema, result schema — and every event likewise.
 * Electron registers the handler table on ipcMain, `vlsm-audit serve` exposes it over HTTP; the renderer's
 * client type is derived from this file, never rewritten. Pure: imports only zod, so the renderer can
 * import its types and Node code its schemas.
 *
 * Naming: `<noun>:<verb>` in kebab-case (`segment:run`, `study:open`); events are bare nouns (`progress`).
 */
import { z } from 'zod';
import { auditCalls } from './audit-calls.js';
import { base64, budgetUnitsResult, domainArgs, storedResult, unitsCalls } from './stored-contract.js';
import { framePixels, maskInfo, pngDataUrl, scanResult, studyInfo } from './study-contract.js';

// the viewer's result schemas live in study-contract.ts; re-exported so callers keep one import
export { framePixels, maskInfo, pngDataUrl, scanResult, studyInfo, type FramePixelsInfo, type MaskInfo, type ScannedSeriesInfo, type ScanResultInfo, type StudyInfo } from './study-contract.js';

/** A path the user chose; the handlers check it further (absolute, exists, granted) before touching it. */
const localPath = (what: string) =>
  z
    .string({ error: `${what} must be a file path (text)` })
    .min(1, `${what} is empty; choose a file`)
    .max(4096, `${what} is longer than 4096 characters`)
    .refine((p) => !p.includes('\0'), `${what} contains a NUL character`);

const frame = z
  .number({ error: 'frame must be a number' })
  .int('frame must be a whole number')
  .min(0, 'frame is 0-based and cannot be negative')
  .max(100_000, 'frame is out of range');


const providerChoice = z.enum(['auto', 'cpu', 'cuda'], { error: 'provider must be "auto", "cpu" or "cuda"' });

export const modelSummary = z.object({
  /** Folder of the package; pass it back as `modelDir`. */
  dir: z.string(),
  name: z.string(),
  version: z.string(),
  architecture: z.string(),
  description: z.string(),
  /** Default prompts per dataset key from the manifest, e.g. {"kvasir-seg": "polyp"}. */
  defaultPrompts: z.record(z.string(), z.string()),
  /** Where it was found: bundled with the app or in a folder given at start-up. */
  origin: z.enum(['bundled', 'extra']),
  /** Set when the folder looks like a package but its manifest is invalid; the model cannot be used. */
  problem: z.string().nullable(),
});
export type ModelSummary = z.infer<typeof modelSummary>;

const k255 = (what: string, max: number) =>
  z.number({ error: `${what} must be a number (k in k/255)` }).positive(`${what} must be greater than 0`).max(max, `${what} is larger than ${max}/255`);

const maskMetrics = z.object({ dice: z.number(), iou: z.number(), hd95: z.number(), area: z.number() });

/** What `attack:run` answers and `result:get` restores (engine: src/engine/api/attack-run.ts). */
export const attackResult = z.object({
  resultId: z.string(),
  createdAt: z.string(),
  model: z.object({ dir: z.string(), name: z.string(), version: z.string(), sha256: z.string() }),
  image: z.object({ path: z.string(), frame: z.number().int().nonnegative(), width: z.number().int(), height: z.number().int() }),
  /** Where the ground truth came from ("mask file …", "DICOM SEG …"), or null: scored against the clean prediction. */
  groundTruth: z.string().nullable(),
  prompt: z.string(),
  attack: z.string(),
  targeted: z.string().nullable(),
  /** model: δ on the model input; stored: δ on the file's stored values at native resolution (`stored` below). */
  domain: z.enum(['model', 'stored']),
  epsUnits: budgetUnitsResult,
  budget: z.object({ norm: z.string(), eps255: z.number(), alpha255: z.number(), steps: z.number(), restarts: z.number(), randomStart: z.boolean(), units: z.string() }),
  seed: z.number(),
  provider: z.string(),
  /** The size every image and mask below has: the model input (model domain) or the image's own (stored domain). */
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
  levels: z.number(),
  cleanInput: pngDataUrl,
  adversarial: pngDataUrl,
  reference: pngDataUrl,
  referenceKind: z.enum(['ground-truth', 'clean-prediction']),
  cleanMask: pngDataUrl,
  adversarialMask: pngDataUrl,
  /** Signed δ per pixel in k/255 units (mean over channels; stored domain: k/255 of the window), Float32 base64. */
  perturbation: base64,
  perturbationMax255: z.number(),
  metrics: z.object({
    clean: maskMetrics,
    adversarial: maskMetrics,
    preQuantisation: z.object({ dice: z.number(), iou: z.number() }),
    linf255: z.number(),
    l2: z.number(),
    l2_255: z.number(),
    changedFraction: z.number(),
    psnr: z.number(),
    ssim: z.number(),
    success: z.boolean(),
    successCriterion: z.string(),
  }),
  trace: z.array(z.number()),
  steps: z.number(),
  ms: z.number(),
  /** Stored domain only: adversarial stored values, Δ map and display chain at native resolution. */
  stored: storedResult.nullable(),
});
export type AttackResultInfo = z.infer<typeof attackResult>;

export const calls = {
  'app:info': {
    summary: 'Product name, version, transport and capabilities.',
    args: z.strictObject({}),
    result: z.object({
      name: z.string(),
      version: z.string(),
      transport: z.enum(['ipc', 'http']),
      platform: z.string(),
      versions: z.object({ node: z.string(), electron: z.string().nullable() }),
      /** True in the desktop app, where `dialog:open` shows the native file dialog. */
      canOpenDialog: z.boolean(),
    }),
  },
  'dialog:open': {
    summary: 'Native file dialog (desktop app only; "new-store" is a save dialog for a results store to create); the chosen path becomes usable by other calls.',
    args: z.strictObject({ kind: z.enum(['study', 'mask', 'model', 'folder', 'export', 'store', 'new-store'], { error: 'kind must be "study", "mask", "model", "folder", "export", "store" or "new-store"' }) }),
    result: z.object({ path: z.string().nullable() }),
  },
  'models:list': {
    summary: 'Model packages bundled with the app or in folders given at start-up.',
    args: z.strictObject({}),
    result: z.object({ models: z.array(modelSummary) }),
  },
  'model:open': {
    summary: 'Read a model package folder the user chose and describe it.',
    args: z.strictObject({ dir: localPath('dir') }),
    result: modelSummary,
  },
  'study:open': {
    summary: 'Decode a local image or DICOM file for display.',
    args: z.strictObject({ path: localPath('path'), frame: frame.optional() }),
    result: studyInfo,
  },
  'mask:open': {
    summary: 'Read a binary ground-truth mask (PNG) for display and scoring.',
    args: z.strictObject({ path: localPath('path') }),
    result: maskInfo.extend({ path: z.string() }),
  },
  'segment:run': {
    summary: 'Segment one image with one prompt; scores against a ground-truth mask when given.',
    args: z.strictObject({
      modelDir: localPath('modelDir'),
      imagePath: localPath('imagePath'),
      prompt: z
        .string({ error: 'prompt must be text' })
        .trim()
        .min(1, 'prompt is empty; type what to segment, e.g. "polyp"')
        .max(500, 'prompt is longer than 500 characters'),
      maskPath: localPath('maskPath').optional(),
      frame: frame.optional(),
      provider: providerChoice.optional(),
    }),
    result: z.object({
      model: z.object({ dir: z.string(), name: z.string(), version: z.string(), sha256: z.string() }),
      prompt: z.string(),
      provider: z.enum(['cpu', 'cuda']),
      /** Inference time in milliseconds (model run only, not decoding). */
      ms: z.number().nonnegative(),
      threshold: z.number(),
      mask: maskInfo,
      /** Present only when maskPath was given. MONAI semantics (src/engine/metrics). */
      metrics: z.object({ dice: z.number(), iou: z.number() }).nullable(),
    }),
  },
  'study:scan': {
    summary: 'Open a folder: DICOM grouped patient → study → series (sorted by position), ground-truth objects, loose images, a dataset listing, and per-file problems.',
    args: z.strictObject({ path: localPath('path') }),
    result: scanResult,
  },
  'image:pixels': {
    summary: 'One frame as real values (modality units / HU, or RGB) with its windows and DICOM descriptor, for the viewer.',
    args: z.strictObject({ path: localPath('path'), frame: frame.optional() }),
    result: framePixels,
  },
  'groundtruth:open': {
    summary: 'A DICOM SEG or RTSTRUCT as masks on the slices of the open series (one entry per segment / ROI).',
    args: z.strictObject({
      path: localPath('path'),
      slices: z.array(z.strictObject({ path: localPath('slice path'), frame: frame })).min(1, 'open the series the ground truth belongs to first').max(5000),
    }),
    result: z.object({
      kind: z.enum(['seg', 'rtstruct']),
      description: z.string().nullable(),
      segments: z.array(
        z.object({
          number: z.number(),
          label: z.string(),
          colour: z.tuple([z.number(), z.number(), z.number()]).nullable(),
          slices: z.array(z.object({ index: z.number().int().nonnegative(), width: z.number().int(), height: z.number().int(), png: pngDataUrl, area: z.number().int() })),
        }),
      ),
      unmatched: z.number().int().nonnegative(),
    }),
  },
  'attack:run': {
    summary: 'Attack one image (the CLI attack): clean and adversarial masks, the quantised adversarial image, the perturbation and metrics; progress per step; cancel with job:cancel.',
    args: z.strictObject({
      modelDir: localPath('modelDir'),
      imagePath: localPath('imagePath'),
      frame: frame.optional(),
      prompt: z.string({ error: 'prompt must be text' }).trim().min(1, 'prompt is empty; type what to segment, e.g. "polyp"').max(500, 'prompt is longer than 500 characters'),
      maskPath: localPath('maskPath').optional(),
      /** A mask drawn from DICOM ground truth (SEG/RTSTRUCT segment on this slice), at the image size. */
      maskPng: pngDataUrl.optional(),
      maskLabel: z.string().max(500).optional(),
      /** An attack kind the engine knows (checked against its list, so new kinds need no contract change). */
      attack: z.string({ error: 'attack must be text' }).min(1, 'attack is empty').max(40),
      eps255: k255('eps255', 255).optional(),
      alpha255: k255('alpha255', 255).optional(),
      steps: z.number().int('steps must be a whole number').min(1, 'steps must be at least 1').max(10_000, 'steps is more than 10000').optional(),
      restarts: z.number().int().min(1).max(100, 'restarts is more than 100').optional(),
      randomStart: z.boolean().optional(),
      seed: z.number().int().min(0).max(0xffffffff, 'seed must be below 2^32').optional(),
      target: z.enum(['none', 'empty'], { error: 'target must be "none" or "empty"' }).optional(),
      provider: providerChoice.optional(),
      ...domainArgs,
    }),
    result: attackResult,
  },
  'model:card': {
    summary: "The model package's card (its README.md: training data, licence, measured metrics), as text.",
    args: z.strictObject({ dir: localPath('dir') }),
    result: z.object({ text: z.string().nullable() }),
  },
  'attacks:list': {
    summary: 'The attack kinds the engine runs, with their default budget (ε and α in k/255, steps).',
    args: z.strictObject({}),
    result: z.object({ attacks: z.array(z.object({ name: z.string(), norm: z.string(), eps255: z.number(), alpha255: z.number(), steps: z.number() })) }),
  },
  'job:cancel': {
    summary: 'Cancel the running call that was started with this requestId; it then answers "cancelled" and leaves nothing behind.',
    args: z.strictObject({ requestId: z.string().regex(/^[\w.:-]{1,100}$/, 'requestId is not a valid id') }),
    result: z.object({ cancelled: z.boolean() }),
  },
  'result:get': {
    summary: 'A result this engine computed earlier in its lifetime (session restore after a reload).',
    args: z.strictObject({ resultId: z.string().regex(/^[\w-]{1,64}$/, 'resultId is not a valid id') }),
    result: attackResult,
  },
  'result:export': {
    summary: 'Write a result (adversarial image, masks, perturbation, metrics.json) into a folder the user chose.',
    args: z.strictObject({ resultId: z.string().regex(/^[\w-]{1,64}$/, 'resultId is not a valid id'), dir: localPath('dir') }),
    result: z.object({ dir: z.string(), files: z.array(z.string()) }),
  },
  'report:export': {
    summary: 'The PDF robustness report of one audit, built from its results store only (docs/report.md).',
    args: z.strictObject({
      db: localPath('db'),
      /** Audit id or a unique prefix; required only when the store holds several audits. */
      auditId: z.string().regex(/^[0-9a-f]{4,64}$/, 'auditId must be an audit id (hex) or its first characters').optional(),
      /** Show folder names and DICOM patient identifiers (removed by default). */
      includeIdentifiers: z.boolean().optional(),
      /** Creation date written into the PDF (ISO 8601); fixed → byte-identical reports. */
      created: z.iso.datetime({ error: 'created must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z' }).optional(),
    }),
    result: z.object({
      auditId: z.string(),
      /** SHA-256 of the report data; `vlsm-audit report --hash` recomputes it from the store. */
      hash: z.string(),
      /** Suggested file name, e.g. "quick-3fa2b1c4d5e6-report.pdf". */
      fileName: z.string(),
      /** The PDF as a data URL (JSON-safe for HTTP, cloneable over IPC). */
      pdf: z.string().refine((s) => s.startsWith('data:application/pdf;base64,'), 'expected a PDF data URL'),
      bytes: z.number().int().positive(),
    }),
  },
  'results:cell': {
    summary: 'One finished cell of an audit: its figures (when the store kept its images) and its source files.',
    args: z.strictObject({
      db: localPath('db'),
      auditId: z.string().regex(/^[0-9a-f]{4,64}$/, 'auditId must be an audit id (hex) or its first characters').optional(),
      cellKey: z.string().regex(/^[0-9a-f]{64}$/, 'cellKey must be the key of a cell (64 hex digits)'),
    }),
    result: z.object({
      auditId: z.string(),
      cellKey: z.string(),
      dataset: z.string(),
      imageId: z.string(),
      prompt: z.string(),
      label: z.string(),
      epsText: z.string(),
      cleanDice: z.number().nullable(),
      advDice: z.number().nullable(),
      /** The audited file and its ground-truth mask (dataset folders only), to open in the viewer. */
      imagePath: z.string().nullable(),
      maskPath: z.string().nullable(),
      /** The report's figure row, or null when the store kept no images for this cell. */
      panels: z.array(z.object({ caption: z.string(), png: pngDataUrl })).nullable(),
    }),
  },
  ...unitsCalls,
  ...auditCalls,
} as const;

export const events = {
  /** Progress of a running call; `requestId` is the id the client passed with the call. */
  progress: z.object({
    requestId: z.string().nullable(),
    call: z.string(),
    stage: z.string(),
    message: z.string(),
    /** 0..1 when known. */
    fraction: z.number().min(0).max(1).nullable(),
  }),
} as const;

export type CallName = keyof typeof calls;
export type EventName = keyof typeof events;
/** What a caller passes (before defaults/trimming). */
export type CallArgs<K extends CallName> = z.input<(typeof calls)[K]['args']>;
/** What a handler receives (after validation). */
export type ParsedArgs<K extends CallName> = z.output<(typeof calls)[K]['args']>;
export type CallResult<K extends CallName> = z.output<(typeof calls)[K]['result']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export const callNames = Object.keys(calls) as CallName[];
export const eventNames = Object.keys(events) as EventName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}

/**
 * Error codes a call can answer with. `bad-args`: the arguments failed the schema; `not-found`/`forbidden`:
 * a path is missing or was not opened by the user; `unsupported`: not available on this transport;
 * `decode-failed`, `model-invalid`, `runtime`: the engine rejected the input; `internal`: a bug.
 * `unauthorized` and `transport` are produced by the HTTP transport and the clients only.
 */
export const errorCodes = [
  'bad-args',
  'unknown-call',
  'not-found',
  'forbidden',
  'unsupported',
  'decode-failed',
  'model-invalid',
  'runtime',
  'cancelled',
  'internal',
  'unauthorized',
  'transport',
] as const;
export type ApiErrorCode = (typeof errorCodes)[number];

export interface ApiErrorBody {
  code: ApiErrorCode;
  /** One sentence for the user, naming the thing and what to do. */
  message: string;
  /** Per-field problems for `bad-args`, e.g. ["prompt: prompt is empty; …"]. */
  issues?: string[];
}

/** Every call answers with this envelope on both transports; errors are values, never thrown across. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };

export interface InvokeOptions {
  /** Echoed in `progress` events of this call. */
  requestId?: string;
}

/** The client the renderer talks to — the preload exposes it over IPC, the HTTP client implements it too. */
export interface ApiClient {
  readonly transport: 'ipc' | 'http';
  invoke<K extends CallName>(call: K, args: CallArgs<K>, options?: InvokeOptions): Promise<ApiResult<CallResult<K>>>;
  /** Subscribe to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** "prompt: prompt is empty …" — one line per zod issue, naming the field. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    if (i.code === 'unrecognized_keys') return `unknown argument${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    const path = i.path.map(String).join('.');
    return path ? `${path}: ${i.message}` : i.message;
  });
}

/** Validate raw arguments for a call: the boundary check both transports run before any handler. */
export function parseArgs<K extends CallName>(call: K, raw: unknown): ApiResult<ParsedArgs<K>> {
  const parsed = calls[call].args.safeParse(raw ?? {});
  if (parsed.success) return { ok: true, value: parsed.data as ParsedArgs<K> };
  const issues = formatIssues(parsed.error);
  return { ok: false, error: { code: 'bad-args', message: `Invalid arguments for ${call}: ${issues.join('; ')}.`, issues } };
}
