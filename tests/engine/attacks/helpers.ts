/** Shared setup of the attack tests: the generated 64² test VLSM and a few real images from ../shared/data. */
import { join } from 'node:path';
import { prepareBatch, type BatchItem } from '../../../src/engine/attacks/prepare.js';
import { createAttackModel, type AttackModel } from '../../../src/engine/attacks/model.js';
import type { AttackBatch } from '../../../src/engine/attacks/types.js';
import { loadDataset, splitIds } from '../../../src/engine/data/dataset.js';
import { loadImage, loadMask } from '../../../src/engine/imaging/index.js';
import { loadModelPackage } from '../../../src/engine/model/package.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';
import { dataPath } from '../../helpers/data.js';

export async function testAttackModel(dir: string): Promise<AttackModel> {
  return createAttackModel(await loadModelPackage(writeTestVlsm(join(dir, 'vlsm'))), { provider: 'cpu', threads: 1 });
}

/** The first `n` test images of a dataset with their masks and the prompt "polyp" (or the given one). */
export async function realItems(dataset: string, n: number, prompt: string, split = 'test'): Promise<BatchItem[]> {
  const ds = loadDataset(dataPath(dataset));
  const ids = splitIds(ds, split).slice(0, n);
  return Promise.all(ids.map(async (id) => ({ id, prompt, image: await loadImage(ds.imagePath(id)), mask: await loadMask(ds.maskPath(id)) })));
}

/** A batch whose reference is the clean prediction (clean Dice = 1), as for images without ground truth. */
export async function realBatch(model: AttackModel, dataset: string, n: number, prompt: string, groundTruth = false): Promise<AttackBatch> {
  const items = await realItems(dataset, n, prompt);
  return prepareBatch(model, groundTruth ? items : items.map(({ mask: _m, ...rest }) => rest));
}
