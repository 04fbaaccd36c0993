/**
 * The handler table: one function per call of the contract, implemented over the engine, plus
 * `dispatch()`, the single entry both transports use. Arguments are validated against the contract
 * before a handler runs and results checked after; whatever a handler throws comes back as a typed
 * error envelope, never as a crash of the transport.
 */
import { encodeMaskPng } from '../imaging/index.js';
import { loadImageJob, loadMaskJob, openMaskJob, openStudyJob } from '../jobs/index.js';
import { dice, iou } from '../metrics/index.js';
import {
  calls,
  isCallName,
  parseArgs,
  type ApiResult,
  type CallName,
  type CallResult,
  type EventName,
  type EventPayload,
  type ParsedArgs,
} from './contract.js';
import { addBundledModelRoot } from '../audit/cells.js';
import { AuditRuns, createAuditHandlers } from './audit-handlers.js';
import { ApiError, toErrorBody } from './errors.js';
import { describeModelDir, listModels, SegmenterCache, type ModelRoot } from './models.js';
import { createPathPolicy, type PathKind } from './paths.js';
import { asGiven } from './as-given.js';
import { AttackService } from './attack-run.js';
import { createStudyHandlers } from './study-handlers.js';
import { cellFigures } from './cell-figures.js';
import { exportReport } from './report-export.js';

export interface CallContext {
  readonly call: CallName;
  readonly requestId: string | null;
  progress(stage: string, message: string, fraction?: number | null): void;
  /** Aborted by `job:cancel` with this call's requestId (or when the service is disposed). */
  readonly signal: AbortSignal;
}

export type Handler<K extends CallName> = (args: ParsedArgs<K>, ctx: CallContext) => Promise<CallResult<K>>;
export type HandlerTable = { [K in CallName]: Handler<K> };

export interface ServiceOptions {
  transport: 'ipc' | 'http';
  app: { name: string; version: string };
  /** Where model packages are listed from; these folders are also always readable. */
  modelRoots: readonly ModelRoot[];
  /**
   * `granted-only` (desktop app): only paths chosen in `dialog:open` or under a model root may be read.
   * `any-local` (serve): any local path, since only the token holder — the local user — can call.
   */
  pathMode: 'granted-only' | 'any-local';
  /** The native dialog, where the host has one. */
  openDialog?: (kind: PathKind) => Promise<string | null>;
  /** Execution provider for calls that do not name one (default auto: CUDA when installed). */
  provider?: 'auto' | 'cpu' | 'cuda';
  /** ONNX Runtime thread count for CPU inference (default: all cores). */
  threads?: number;
  log?: (msg: string, err: unknown) => void;
}

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export interface ApiService {
  readonly table: HandlerTable;
  /** Validate, run and wrap one call. Never throws. */
  dispatch(call: string, rawArgs: unknown, meta?: { requestId?: unknown }): Promise<ApiResult<unknown>>;
  /** Receive every event (progress …); returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
  dispose(): Promise<void>;
}

const pngUrl = (bytes: Uint8Array): string => `data:image/png;base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;

function countForeground(data: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) n++;
  return n;
}

export function createHandlers(
  opts: ServiceOptions,
  segmenters: SegmenterCache,
  extra: { attacks: AttackService; cancel(requestId: string): boolean } = { attacks: new AttackService(), cancel: () => false },
  audits = new AuditRuns(),
): HandlerTable {
  const policy = createPathPolicy({ mode: opts.pathMode, roots: opts.modelRoots.map((r) => r.dir) });
  // a plan may name bundled models ("film-unet"); the app's working folder is not the repository
  for (const r of opts.modelRoots) if (r.origin === 'bundled') addBundledModelRoot(r.dir);

  return {
    ...createStudyHandlers(policy, extra, opts.threads),
    async 'app:info'() {
      return {
        name: opts.app.name,
        version: opts.app.version,
        transport: opts.transport,
        platform: process.platform,
        versions: { node: process.versions.node, electron: process.versions.electron ?? null },
        canOpenDialog: opts.openDialog !== undefined,
      };
    },

    async 'dialog:open'({ kind }) {
      if (!opts.openDialog) {
        throw new ApiError('unsupported', 'The file dialog exists only in the desktop app; type the full path of the file instead.');
      }
      const path = await opts.openDialog(kind);
      if (path !== null) await policy.grant(path);
      return { path };
    },

    async 'models:list'() {
      return { models: await listModels(opts.modelRoots) };
    },

    async 'model:open'({ dir }) {
      const real = await policy.checkDir(dir, 'model');
      const summary = describeModelDir(real, 'extra');
      if (!summary) throw new ApiError('model-invalid', `${dir} is not a model package: it has no vlsm.json, model.onnx or preprocessor_config.json.`);
      return summary;
    },

    // Decoding runs in a job worker (src/engine/jobs): a hostile or huge file is bounded in time and memory
    // there and never stalls the other calls of this service.
    async 'study:open'({ path, frame }, ctx) {
      const real = await policy.checkFile(path, 'study');
      ctx.progress('decoding', `Decoding ${path}`);
      const { png, ...study } = await asGiven(path, real, (file) => openStudyJob(file, frame, { signal: ctx.signal, onProgress: (p) => ctx.progress(p.stage, p.message, p.fraction) }));
      return { path: real, ...study, png: pngUrl(png) };
    },

    async 'mask:open'({ path }, ctx) {
      const real = await policy.checkFile(path, 'mask');
      const { png, ...mask } = await asGiven(path, real, (p) => openMaskJob(p, { signal: ctx.signal }));
      return { path: real, ...mask, png: pngUrl(png) };
    },

    async 'segment:run'({ modelDir, imagePath, prompt, maskPath, frame, provider }, ctx) {
      const dir = await policy.checkDir(modelDir, 'model');
      const image = await policy.checkFile(imagePath, 'study');
      const maskFile = maskPath === undefined ? null : await policy.checkFile(maskPath, 'mask');

      ctx.progress('loading-model', `Loading model ${dir}`, 0.1);
      const segmenter = await segmenters.get(dir, provider ?? opts.provider ?? 'auto');
      ctx.progress('decoding', `Decoding ${imagePath}`, 0.3);
      const img = await asGiven(imagePath, image, (p) => loadImageJob(p, { frame }, { signal: ctx.signal }));
      const gt = maskFile === null ? null : maskPath === undefined ? null : await asGiven(maskPath, maskFile, (p) => loadMaskJob(p, { signal: ctx.signal }));
      if (gt && (gt.width !== img.width || gt.height !== img.height)) {
        throw new ApiError(
          'bad-args',
          `The mask ${maskPath} is ${gt.width}×${gt.height} but the image is ${img.width}×${img.height}; choose the mask that belongs to this image.`,
        );
      }
      ctx.progress('segmenting', `Segmenting "${prompt}" on ${segmenter.provider.toUpperCase()}`, 0.5);
      const [seg] = await segmenter.segment([img], [prompt]);
      const mask = seg.mask;
      const pkg = segmenter.pkg;
      ctx.progress('done', 'Done', 1);
      return {
        model: { dir: pkg.dir, name: pkg.manifest.name, version: pkg.manifest.version, sha256: pkg.sha256 },
        prompt,
        provider: segmenter.provider,
        ms: seg.ms,
        threshold: pkg.manifest.threshold,
        mask: { width: mask.width, height: mask.height, area: countForeground(mask.data), png: pngUrl(encodeMaskPng(mask)) },
        metrics: gt ? { dice: dice(mask, gt), iou: iou(mask, gt) } : null,
      };
    },

    async 'report:export'(args, ctx) {
      return exportReport(args, await policy.checkFile(args.db, 'store'), ctx);
    },

    async 'results:cell'(args) {
      return cellFigures(args, await policy.checkFile(args.db, 'store'));
    },

    ...createAuditHandlers(policy, audits, { threads: opts.threads }),
  };
}

const REQUEST_ID = /^[\w.:-]{1,100}$/;

export function createApiService(opts: ServiceOptions): ApiService {
  const listeners = new Set<EventListener>();
  const segmenters = new SegmenterCache(2, opts.threads);
  const attacks = new AttackService();
  const running = new Map<string, AbortController>();
  const audits = new AuditRuns();
  const table = createHandlers(opts, segmenters, {
    attacks,
    cancel(requestId) {
      const c = running.get(requestId);
      c?.abort();
      return c !== undefined;
    },
  }, audits);
  const emit: EventListener = (event, payload) => {
    for (const l of listeners) {
      try {
        l(event, payload);
      } catch (e) {
        (opts.log ?? console.error)('[api] event listener failed', e);
      }
    }
  };

  async function dispatch(call: string, rawArgs: unknown, meta: { requestId?: unknown } = {}): Promise<ApiResult<unknown>> {
    if (!isCallName(call)) {
      return { ok: false, error: { code: 'unknown-call', message: `Unknown call "${String(call).slice(0, 80)}"; the app and its window are out of step — restart the app.` } };
    }
    const args = parseArgs(call, rawArgs);
    if (!args.ok) return args;
    const requestId = typeof meta.requestId === 'string' && REQUEST_ID.test(meta.requestId) ? meta.requestId : null;
    const controller = new AbortController();
    if (requestId !== null) running.set(requestId, controller);
    const ctx: CallContext = {
      call,
      requestId,
      signal: controller.signal,
      progress: (stage, message, fraction = null) => emit('progress', { requestId, call, stage, message, fraction }),
    };
    try {
      const handler = table[call] as unknown as (a: unknown, c: CallContext) => Promise<unknown>;
      const value = await handler(args.value, ctx);
      const checked = calls[call].result.safeParse(value);
      if (!checked.success) {
        (opts.log ?? console.error)(`[api] ${call} returned a result that breaks the contract`, checked.error);
        return { ok: false, error: { code: 'internal', message: `${call} produced an invalid result; this is a bug — the details are in the log.` } };
      }
      return { ok: true, value: checked.data };
    } catch (e) {
      return { ok: false, error: toErrorBody(call, e, opts.log) };
    } finally {
      if (requestId !== null && running.get(requestId) === controller) running.delete(requestId);
    }
  }

  return {
    table,
    dispatch,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: async () => {
      for (const c of running.values()) c.abort();
      audits.cancelAll();
      await Promise.all([segmenters.dispose(), attacks.dispose()]);
    },
  };
}
