/**
 * Prompt robustness — how much the mask depends on the phrasing of the prompt.
 *
 * Threat model: the attacker (or an unlucky user) chooses among the prompt variants of a target — the
 * dataset's p0–p9 phrasings or the manifest's list — with the image unchanged; forward passes only.
 * Every variant is evaluated per image against the reference (ground truth, or the clean prediction
 * with the batch's own prompt when there is none — reports say which); the worst prompt is the one with
 * the lowest Dice. `worstPromptAttack` then runs any image attack with each image's worst prompt (the
 * combination worst-prompt × PGD).
 * Example (run by tests/engine/attacks/prompts.test.ts):
 *   const [r] = await promptRobustness(model, batch, [['polyp', 'a pink round polyp']]);
 */
import { dice, iou } from '../metrics/overlap.js';
import { predict } from './evaluate.js';
import type { AttackModel } from './model.js';
import { masksFromLogits } from './prepare.js';
import type { AttackBatch, AttackOptions, AttackResult } from './types.js';

export interface PromptScore {
  prompt: string;
  dice: number;
  iou: number;
  area: number;
}

export interface PromptRobustness {
  id: string;
  referenceKind: AttackBatch['referenceKind'];
  scores: PromptScore[];
  worst: PromptScore;
  best: PromptScore;
  /** best − worst Dice. */
  spread: number;
}

/** `variants[b]` lists the prompts to try on image b (one list for all images when of length 1). */
export async function promptRobustness(model: AttackModel, batch: AttackBatch, variants: readonly (readonly string[])[]): Promise<PromptRobustness[]> {
  const { width: w, height: h, channels: C } = batch;
  const plane = w * h;
  const per = C * plane;
  const out: PromptRobustness[] = [];
  for (let b = 0; b < batch.batch; b++) {
    const prompts = variants.length === 1 ? variants[0] : variants[b];
    if (!prompts || prompts.length === 0) throw new RangeError(`No prompt variants for image ${batch.ids?.[b] ?? b}.`);
    const k = prompts.length;
    const x = new Float32Array(k * per);
    for (let j = 0; j < k; j++) x.set(batch.x.subarray(b * per, (b + 1) * per), j * per);
    const masks = masksFromLogits(await predict(model, { ...batch, batch: k, prompts }, x), model.threshold);
    const ref = { width: w, height: h, data: batch.reference.subarray(b * plane, (b + 1) * plane) };
    const scores = prompts.map((prompt, j) => {
      const pred = { width: w, height: h, data: masks.subarray(j * plane, (j + 1) * plane) };
      return { prompt, dice: dice(pred, ref), iou: iou(pred, ref), area: pred.data.reduce((a, v) => a + v, 0) / plane };
    });
    // ties: the first listed prompt wins, so results do not depend on sort stability
    const worst = scores.reduce((a, s) => (s.dice < a.dice ? s : a));
    const best = scores.reduce((a, s) => (s.dice > a.dice ? s : a));
    out.push({ id: batch.ids?.[b] ?? String(b), referenceKind: batch.referenceKind, scores, worst, best, spread: best.dice - worst.dice });
  }
  return out;
}

export type ImageAttack = (model: AttackModel, batch: AttackBatch, opts: AttackOptions) => Promise<AttackResult>;

/** Runs `attack` with each image's worst prompt: the worst case over phrasing and pixels together. */
export async function worstPromptAttack(
  model: AttackModel,
  batch: AttackBatch,
  variants: readonly (readonly string[])[],
  attack: ImageAttack,
  opts: AttackOptions,
): Promise<{ prompts: PromptRobustness[]; result: AttackResult }> {
  const prompts = await promptRobustness(model, batch, variants);
  const result = await attack(model, { ...batch, prompts: prompts.map((p) => p.worst.prompt) }, opts);
  return { prompts, result: { ...result, attack: `worst-prompt×${result.attack}` } };
}
