/**
 * Handlers of the workstation calls: folder scan, viewer pixels, DICOM ground truth, attack with cancel,
 * and result restore/export. Split from handlers.ts so the table there stays readable; every path goes
 * through the same path policy first.
 */
import { loadImage, encodeMaskPng, encodePng } from '../imaging/index.js';
import { loadGroundTruth } from '../study/ground-truth.js';
import { loadFramePixels } from '../study/pixels.js';
import { scanFolder } from '../study/scan.js';
import { listAttacks, type AttackService } from './attack-run.js';
import type { CallName, ScannedSeriesInfo } from './contract.js';
import { ApiError } from './errors.js';
import type { Handler } from './handlers.js';
import type { PathPolicy } from './paths.js';

type StudyCalls = 'study:scan' | 'image:pixels' | 'groundtruth:open' | 'attack:run' | 'attacks:list' | 'job:cancel' | 'result:get' | 'result:export';

const pngUrl = (bytes: Uint8Array): string => `data:image/png;base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const countOnes = (m: Uint8Array): number => m.reduce((a, v) => a + (v ? 1 : 0), 0);
/** Thumbnails for at most this many series per scan (each costs one decode). */
const MAX_THUMBNAILS = 64;
const THUMB = 96;

async function thumbnail(path: string, frame: number): Promise<string | null> {
  try {
    const img = await loadImage(path, { frame });
    const scale = Math.min(1, THUMB / Math.max(img.width, img.height));
    const w = Math.max(1, Math.round(img.width * scale));
    const h = Math.max(1, Math.round(img.height * scale));
    const data = new Float32Array(w * h * img.channels);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const sx = Math.min(img.width - 1, Math.floor(x / scale));
        const sy = Math.min(img.height - 1, Math.floor(y / scale));
        for (let c = 0; c < img.channels; c++) data[(y * w + x) * img.channels + c] = img.data[(sy * img.width + sx) * img.channels + c];
      }
    return pngUrl(encodePng({ ...img, width: w, height: h, data }));
  } catch {
    return null;
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
      const scan = await scanFolder(root, (done, total) => ctx.progress('scanning', `Reading ${done}/${total} files`, total ? done / total : null));
      let made = 0;
      const patients = [];
      for (const p of scan.patients) {
        const studies = [];
        for (const s of p.studies) {
          const series: ScannedSeriesInfo[] = [];
          for (const se of s.series) {
            let thumb: string | null = null;
            if (made < MAX_THUMBNAILS) {
              made++;
              // The middle image of the stack: the first slice is often outside the anatomy.
              let k = Math.floor(se.images / 2);
              const inst = se.instances.find((i) => (k -= i.frames) < 0) ?? se.instances[0];
              thumb = await thumbnail(inst.path, inst.frames > 1 ? Math.floor(inst.frames / 2) : 0);
            }
            series.push({ ...se, thumbnail: thumb });
          }
          studies.push({ ...s, series });
        }
        patients.push({ ...p, studies });
      }
      return { ...scan, patients };
    },

    async 'image:pixels'({ path, frame }) {
      const real = await policy.checkFile(path, 'study');
      const px = await loadFramePixels(real, frame ?? 0);
      return { ...px, pixels: b64(px.pixels) };
    },

    async 'groundtruth:open'({ path, slices }) {
      const real = await policy.checkFile(path, 'mask');
      const checked = [];
      for (const s of slices) checked.push({ path: await policy.checkFile(s.path, 'study'), frame: s.frame });
      const gt = await loadGroundTruth(real, checked);
      return {
        ...gt,
        segments: gt.segments.map((seg) => ({
          ...seg,
          slices: seg.slices.map((sl) => ({ index: sl.index, width: sl.width, height: sl.height, area: countOnes(sl.mask), png: pngUrl(encodeMaskPng({ width: sl.width, height: sl.height, data: sl.mask })) })),
        })),
      };
    },

    async 'attack:run'(args, ctx) {
      const modelDir = await policy.checkDir(args.modelDir, 'model');
      const imagePath = await policy.checkFile(args.imagePath, 'study');
      const maskPath = args.maskPath ? await policy.checkFile(args.maskPath, 'mask') : null;
      if (ctx.requestId === null) ctx.progress('starting', 'Started without a requestId: it cannot be cancelled');
      return extra.attacks.run(args, { modelDir, imagePath, maskPath, threads, signal: ctx.signal, progress: ctx.progress });
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
