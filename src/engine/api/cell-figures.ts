/**
 * The `results:cell` call: one finished cell of an audit with the report's figure row (original + ground
 * truth, perturbed, clean and adversarial prediction, amplified perturbation) when the store kept its
 * images (the worst cells), and the source files so the viewer can open the image with its ground truth.
 */
import { join } from 'node:path';
import { AuditStore, StoreError } from '../audit/store.js';
import { composeFigureRow } from '../report/figures.js';
import { pickAudit, ReportError } from '../report/from-store.js';
import type { CallResult, ParsedArgs } from './contract.js';
import { ApiError } from './errors.js';

const png = (b: Uint8Array): string => `data:image/png;base64,${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')}`;
const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function cellFigures(args: ParsedArgs<'results:cell'>, db: string): CallResult<'results:cell'> {
  let store: AuditStore;
  try {
    store = AuditStore.open(db, { readOnly: true });
  } catch (e) {
    throw e instanceof StoreError ? new ApiError('bad-args', e.message) : e;
  }
  try {
    const audit = pickAudit(store, args.auditId);
    const cell = store.cells(audit.auditId).find((c) => c.key === args.cellKey);
    if (!cell) throw new ApiError('not-found', `Audit ${audit.auditId.slice(0, 12)} has no finished cell ${args.cellKey.slice(0, 12)}; refresh the results.`);
    const ds = store.rows('datasets').find((d) => d.dataset_key === cell.datasetKey);
    const im = store.rows('images').find((i) => i.dataset_key === cell.datasetKey && i.image_id === cell.imageId);
    const imagePath = ds && im ? join(String(ds.dir), String(im.path)) : null;
    const maskPath = ds && im && im.mask_sha256 !== null && ds.kind === 'dataset' ? join(String(ds.dir), 'masks', `${cell.imageId}.png`) : null;
    const ex = store.example(audit.auditId, cell.key);
    const panels = ex
      ? composeFigureRow({
          original: ex.cleanPng,
          adversarial: ex.adversarialPng,
          groundTruth: cell.referenceKind === 'ground-truth' ? ex.referencePng : null,
          cleanPrediction: ex.cleanMaskPng,
          adversarialPrediction: ex.advMaskPng,
          eps: cell.units === 'pixel' ? cell.eps : 0,
        }).map((p) => ({ caption: p.caption, png: png(p.png) }))
      : null;
    return {
      auditId: audit.auditId,
      cellKey: cell.key,
      dataset: cell.dataset,
      imageId: cell.imageId,
      prompt: cell.prompt,
      label: cell.label,
      epsText: cell.epsText,
      cleanDice: finite(cell.metrics.clean.dice),
      advDice: finite(cell.metrics.adversarial.dice),
      imagePath,
      maskPath,
      panels,
    };
  } catch (e) {
    if (e instanceof ReportError) throw new ApiError('bad-args', e.message);
    throw e;
  } finally {
    store.close();
  }
}
