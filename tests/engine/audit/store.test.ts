/**
 * Results store: a cell survives close/reopen bit for bit (NaN, −0 included), a duplicate cell is
 * ignored, only the worst examples of a group are kept whatever the arrival order, and a file from a
 * newer schema or not a store at all is refused with one sentence.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditStore, type CellRecord, type ExampleRecord } from '../../../src/engine/audit/store.js';
import { tempDir } from '../../helpers/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

function cell(key: string, advDice: number, ordinal = 0): CellRecord {
  return {
    key,
    auditId: 'a1',
    ordinal,
    sessionId: 's1',
    worker: 'local-0',
    modelSha256: 'm'.repeat(64),
    datasetKey: 'd1',
    dataset: 'kvasir-seg',
    imageId: `img-${key}`,
    imageSha256: 'i'.repeat(64),
    promptSpec: 'default',
    prompt: 'polyp',
    attack: 'pgd',
    label: 'pgd',
    units: 'pixel',
    eps: 8 / 255,
    epsText: '8/255',
    seed: 0,
    domain: 'model',
    params: { budget: { eps: 8 / 255, steps: 10 } },
    batchKey: null,
    provider: 'cpu',
    threads: 1,
    gradientMode: 'fused',
    iterations: 10,
    ms: 12.5,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    referenceKind: 'ground-truth',
    metrics: {
      id: `img-${key}`,
      clean: { dice: 0.9, iou: 0.8, hd95: 3, area: 0.1 },
      adversarial: { dice: advDice, iou: -0, hd95: Infinity, area: 0 },
      preQuantisation: { dice: 0.1, iou: 0.05 },
      perturbation: { linf: 8 / 255, l2: 1.5, linf255: 8, l2255: 382.5, l0: 0.9 },
      psnr: 30.1,
      ssim: NaN,
      success: true,
    },
  };
}

const png = (b: number) => new Uint8Array([137, 80, 78, 71, b]);
const example: ExampleRecord = { width: 2, height: 2, channels: 3, cleanPng: png(1), adversarialPng: png(2), perturbationPng: png(3), amplification: 4, referencePng: png(5), cleanMaskPng: png(6), advMaskPng: png(7) };

describe('AuditStore', () => {
  it('keeps a cell bit for bit across close and reopen, and ignores the same key twice', () => {
    const file = join(tmp.path, 'a.sqlite');
    const s = AuditStore.open(file);
    s.beginAudit('a1', 'test', { version: 1 }, 3);
    expect(s.putCell(cell('k1', 0.25), undefined, 0)).toBe(true);
    expect(s.putCell(cell('k1', 0.5), undefined, 0)).toBe(false);
    s.close();
    const r = AuditStore.open(file);
    const [c] = r.cells('a1');
    expect(c.metrics.adversarial.dice).toBe(0.25);
    expect(Object.is(c.metrics.adversarial.iou, -0)).toBe(true);
    expect(c.metrics.adversarial.hd95).toBe(Infinity);
    expect(c.metrics.ssim).toBeNaN();
    expect(c.eps).toBe(8 / 255);
    expect(r.countCells('a1')).toBe(1);
    expect(r.audits()[0]).toMatchObject({ auditId: 'a1', cellsTotal: 3, cellsDone: 1, status: 'running' });
    expect(r.rows('cells')[0].ssim).toBeNull(); // NaN is NULL in the REAL column, kept in metrics_json
    r.close();
  });

  it('keeps the k lowest-Dice examples of a group, whatever order the cells arrive in', () => {
    const dices = [0.7, 0.1, 0.5, 0.3, 0.9, 0.2];
    const kept: string[][] = [];
    for (const order of [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [2, 5, 0, 3, 1, 4]]) {
      const s = AuditStore.open(join(tmp.path, `ex-${order.join('')}.sqlite`));
      s.beginAudit('a1', 'test', {}, dices.length);
      for (const i of order) s.putCell(cell(`k${i}`, dices[i], i), example, 2);
      kept.push(s.rows('examples', 'a1').map((r) => String(r.cell_key)));
      expect(s.example('a1', 'k1')?.adversarialPng).toEqual(png(2));
      s.close();
    }
    expect(kept[0]).toEqual(['k1', 'k5']);
    expect(kept[1]).toEqual(kept[0]);
    expect(kept[2]).toEqual(kept[0]);
  });

  it('refuses a file that is not a store, in one sentence naming it', () => {
    const file = join(tmp.path, 'not-a-db.sqlite');
    writeFileSync(file, 'hello, this is text and not SQLite at all '.repeat(40));
    expect(() => AuditStore.open(file)).toThrow(/not-a-db\.sqlite is not a readable results store/);
  });
});
