/**
 * Handlers of the workstation calls: folder scan, viewer pixels, DICOM ground truth, attack with cancel,
 * and result restore/export. Split from handlers.ts so the table there stays readable; every path goes
 * through the same path policy first.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodePool, JobError, type TaskArgs, type TaskName, type TaskResult } from '../jobs/index.js';
import { listAttacks, type AttackService } from './attack-run.js';
import type { CallName } from './contract.js';
import type { groundTruthTask, ScanWithThumbnails } from './workstation-tasks.js';
import { ApiError } from './errors.js';
import type { CallContext, Handler } from './handlers.js';
import type { PathPolicy } from './paths.js';

type StudyCalls = 'study:scan' | 'image:pixels' | 'image:units' | 'groundtruth:open' | 'attack:run' | 'attacks:list' | 'model:card' | 'job:cancel' | 'result:get' | 'result:export';

const pngUrl = (bytes: Uint8Array): string => `data:image/png;base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** File work in the shared decode pool (src/engine/jobs): off this event loop, bounded, cancellable. */
async function inWorker<K extends TaskName>(task: K, args: TaskArgs<K>, ctx: CallContext, what: string, timeoutMs?: number): Promise<TaskResult<K>> {
  try {
    return await decodePool().run(task, args, { signal: ctx.signal, onProgress: (p) => ctx.progress(p.stage, p.message, p.fraction), label: what, timeoutMs });
  } catch (e) {
    if (!(e instanceof JobError)) throw e;
    if (e.reason === 'cancelled') throw new ApiError('cancelled', `Stopped ${what}.`);
    throw new ApiError('decode-failed', `${what} failed: ${e.message}`);
  }
}

export function createStudyHandlers(
  policy: PathPolicy,
  extra: { attacks: AttackService; cancel(requestId: string): boolean },
  threads?: number,
): { [K in StudyCalls]: Handler<K> } & Partial<Record<Exclude<CallName, StudyCalls>, never>> {
  return {
    async 'study:scan'({ path }, ctx) {
      const root = await policy.checkDir(path, 'folder');
      const scan: ScanWithThumbnails = await inWorker('study:scan', { path: root }, ctx, `scanning ${root}`, 10 * 60_000);
      const patients = scan.patients.map((p) => ({
        ...p,
        studies: p.studies.map((st) => ({ ...st, series: st.series.map((se) => ({ ...se, thumbnail: se.thumbnail ? pngUrl(se.thumbnail) : null })) })),
      }));
      return { ...scan, patients };
    },

    async 'image:pixels'({ path, frame }, ctx) {
      const real = await policy.checkFile(path, 'study');
      const px = await inWorker('image:pixels', { path: real, frame: frame ?? 0 }, ctx, `decoding ${real}`);
      return { ...px, pixels: b64(px.pixels) };
    },

    async 'image:units'({ path, frame }, ctx) {
      const real = await policy.checkFile(path, 'study');
      return inWorker('image:units', { path: real, frame: frame ?? 0 }, ctx, `reading the stored values of ${real}`);
    },

    async 'groundtruth:open'({ path, slices }, ctx) {
      const real = await policy.checkFile(path, 'mask');
      const checked = [];
      for (const s of slices) checked.push({ path: await policy.checkFile(s.path, 'study'), frame: s.frame });
      const gt: Awaited<ReturnType<typeof groundTruthTask>> = await inWorker('groundtruth:open', { path: real, slices: checked }, ctx, `reading ground truth ${real}`);
      return { ...gt, segments: gt.segments.map((seg) => ({ ...seg, slices: seg.slices.map((sl) => ({ ...sl, png: pngUrl(sl.png) })) })) };
    },

    async 'attack:run'(args, ctx) {
      const modelDir = await policy.checkDir(args.modelDir, 'model');
      const imagePath = await policy.checkFile(args.imagePath, 'study');
      const maskPath = args.maskPath ? await policy.checkFile(args.maskPath, 'mask') : null;
      if (ctx.requestId === null) ctx.progress('starting', 'Started without a requestId: it cannot be cancelled');
      return extra.attacks.run(args, { modelDir, imagePath, maskPath, threads, signal: ctx.signal, progress: ctx.progress });
    },

    async 'model:card'({ dir }) {
      const real = await policy.checkDir(dir, 'model');
      try {
        const text = await readFile(join(real, 'README.md'), 'utf8');
        return { text: text.length > 64_000 ? `${text.slice(0, 64_000)}\n…` : text };
      } catch {
        return { text: null };
      }
    },

    async 'attacks:list'() {
      return { attacks: listAttacks() };
    },

    async 'job:cancel'({ requestId }) {
      return { cancelled: extra.cancel(requestId) };
    },

    async 'result:get'({ resultId }) {
      return extra.attacks.get(resultId);
    },

    async 'result:export'({ resultId, dir }) {
      const real = await policy.checkDir(dir, 'export');
      if (!real) throw new ApiError('bad-args', 'Choose a folder to export to.');
      return extra.attacks.export(resultId, real);
    },
  };
}
