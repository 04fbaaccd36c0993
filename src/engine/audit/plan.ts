/**
 * The audit plan: what to run, as data (JSON or YAML: plan-text.ts), validated by one zod schema.
 * docs/audits.md documents every field; examples/ holds real plans. The plan says WHAT is measured;
 * how it is executed (local workers, a queue, threads) is chosen at run time and never changes a result.
 *
 * Shape (defaults in brackets):
 *   version 1, name, description?
 *   models      bundled names (resources/models/<name>) or model package folders
 *   dataRoot    folder that dataset `name`s resolve in [../shared/data, relative to the working folder]
 *   datasets    { kind: 'dataset', name | path, split [test], limit?, ids? }   images/ + masks/ + splits.json
 *               { kind: 'images', path, limit? }   a folder of PNG/JPEG/DICOM images, no ground truth:
 *                                                  the reference is the clean prediction (reference-free)
 *               { kind: 'dicom', path, groundTruth: 'seg' | 'rtstruct' | 'none', limit?, segments?, emptySlices? }
 *                                                  with SEG/RTSTRUCT: one image per slice × segment with a
 *                                                  non-empty mask (audit/dicom-datasets.ts)
 *   prompts     [{ mode: 'default' }]: per dataset key p1 when it has prompts, else the model's default
 *               { mode: 'fixed', text }  { mode: 'key', key: 'p3' }  { mode: 'variants', key: 'p7' } (every
 *               phrasing stored under the key, one cell each)
 *   attacks     [{ name, eps: [values], units [pixel], domain [model], norm?, alpha?, steps?, restarts [1],
 *                 randomStart [false], schedule [constant], earlyStop [false], loss [dicece 1/1],
 *                 target [none], options?, datasets? (only these dataset names) }]
 *               `name` is resolved through src/engine/attacks at run time (audit/attack-registry.ts), so
 *               attack kinds added there need no change here. ε values are numbers or "k/255" strings in
 *               `units`; `units` is a free string checked against the units the engine knows (EPS_UNITS),
 *               so a new unit is one entry there. domain 'stored' (stored-plan.ts): δ in the file's own
 *               stored values at native resolution, units 'su' | 'HU' | '255w', gradient attacks only.
 *   seeds       [0]
 *   execution   { batch [1], levels [255], channels [auto] }: these change results, so they are part of
 *               every cell key; threads, provider and workers are run-time options.
 *   store       { worstExamples [3] }: adversarial examples kept per (model, dataset, attack).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import * as attacks from '../attacks/index.js';
import { parseFraction } from '../attacks/budget.js';
import { UserError } from '../errors.js';
import { knownAttacks, resolveAttack } from './attack-registry.js';
import { STORED_EPS_UNITS, validateStoredAttack } from './stored-plan.js';
import { parsePlanText } from './plan-text.js';

/** ε units of the model domain (DESIGN.md "Attack semantics"); the stored domain's are STORED_EPS_UNITS. */
export const EPS_UNITS: readonly string[] = ['pixel', 'normalised'];

/** Loss kinds of the attack engine (its LOSS_KINDS list where it exports one). */
export function lossKinds(): readonly string[] {
  return ((attacks as unknown as { LOSS_KINDS?: readonly string[] }).LOSS_KINDS ?? ['dicece', 'bce', 'dice']) as readonly string[];
}

/** A radius or step: a number, or a fraction such as "8/255". */
const Amount = z.union([z.number().nonnegative(), z.string().min(1)]);

const LossSchema = z
  .object({
    /** Checked against the losses the engine has (lossKinds()), so new losses need no schema change. */
    kind: z.string().default('dicece'),
    lambdaDice: z.number().nonnegative().default(1),
    lambdaCe: z.number().nonnegative().default(1),
  })
  .strict();

export const AttackSpecSchema = z
  .object({
    name: z.string().min(1),
    /** Row label in reports (default: the name). */
    label: z.string().min(1).optional(),
    eps: z.array(Amount).min(1),
    units: z.string().default('pixel'),
    domain: z.enum(['model', 'stored']).default('model'),
    norm: z.enum(['linf', 'l2']).optional(),
    /** Step size in `units` (default 2/255; L2: ε/5). */
    alpha: Amount.optional(),
    /** Iterations or queries (default 40; square: 1000). */
    steps: z.number().int().positive().optional(),
    restarts: z.number().int().positive().default(1),
    randomStart: z.boolean().default(false),
    schedule: z.enum(['constant', 'cosine']).default('constant'),
    earlyStop: z.boolean().default(false),
    loss: LossSchema.default({ kind: 'dicece', lambdaDice: 1, lambdaCe: 1 }),
    /** 'erase': targeted toward the empty mask. */
    target: z.enum(['none', 'erase']).default('none'),
    /** Attack-specific parameters, passed through to the attack and part of the cell key. */
    options: z.record(z.string(), z.unknown()).optional(),
    /** Run this attack only on these datasets (by folder name); default: every dataset. */
    datasets: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

const DatasetSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('dataset'),
      name: z.string().min(1).optional(),
      path: z.string().min(1).optional(),
      split: z.string().default('test'),
      limit: z.number().int().positive().optional(),
      ids: z.array(z.string()).min(1).optional(),
    })
    .strict()
    .refine((d) => (d.name === undefined) !== (d.path === undefined), { message: 'give a dataset either `name` (a folder in dataRoot) or `path`, not both' }),
  z.object({ kind: z.literal('images'), path: z.string().min(1), limit: z.number().int().positive().optional() }).strict(),
  z
    .object({
      kind: z.literal('dicom'),
      path: z.string().min(1),
      groundTruth: z.enum(['seg', 'rtstruct', 'none']).default('none'),
      limit: z.number().int().positive().optional(),
      /** SEG segments / RTSTRUCT ROIs to audit, by label (case-insensitive) or number; default: every one. */
      segments: z.array(z.union([z.string().min(1), z.number().int().nonnegative()])).min(1).optional(),
      /** Also audit the slices where the chosen segment's mask is empty [false]. */
      emptySlices: z.boolean().optional(),
    })
    .strict(),
]);

const PromptSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('default') }).strict(),
  z.object({ mode: z.literal('fixed'), text: z.string().min(1) }).strict(),
  z.object({ mode: z.literal('key'), key: z.string().regex(/^p\d+$/) }).strict(),
  z.object({ mode: z.literal('variants'), key: z.string().regex(/^p\d+$/) }).strict(),
]);

export const PlanSchema = z
  .object({
    version: z.literal(1),
    name: z.string().min(1),
    description: z.string().optional(),
    models: z.array(z.string().min(1)).min(1),
    dataRoot: z.string().default('../shared/data'),
    datasets: z.array(DatasetSchema).min(1),
    prompts: z.array(PromptSchema).min(1).default([{ mode: 'default' }]),
    attacks: z.array(AttackSpecSchema).min(1),
    seeds: z.array(z.number().int().min(0).max(0xffffffff)).min(1).default([0]),
    execution: z
      .object({
        /** Images per model call; with batch > 1 random draws cover the batch, so it is in the cell key. */
        batch: z.number().int().positive().default(1),
        /** Stored lattice the adversarial image is quantised to (255 = 8-bit; 0 = none). */
        levels: z.number().int().min(0).default(255),
        /** 'auto': grey images get one perturbation for the three planes; 3: always RGB (normalised units). */
        channels: z.union([z.literal('auto'), z.literal(3)]).default('auto'),
      })
      .strict()
      .default({ batch: 1, levels: 255, channels: 'auto' }),
    store: z.object({ worstExamples: z.number().int().min(0).default(3) }).strict().default({ worstExamples: 3 }),
  })
  .strict();

export type AuditPlan = z.infer<typeof PlanSchema>;
export type AttackSpec = AuditPlan['attacks'][number];
export type DatasetSpec = AuditPlan['datasets'][number];
export type PromptSpec = AuditPlan['prompts'][number];

export class PlanError extends UserError {
  override name = 'PlanError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad-args', message, options);
  }
}

/** "8/255" or 0.03 → number; a bad value is a PlanError naming where it is. */
export function amount(v: number | string, where: string): number {
  const n = typeof v === 'number' ? v : parseFraction(v);
  if (!(n >= 0)) throw new PlanError(`${where} must be a number or a fraction like 8/255, got ${JSON.stringify(v)}.`);
  return n;
}

const STORED_HINT = (units: string): string => ((STORED_EPS_UNITS as readonly string[]).includes(units) ? ` (${units} is a stored-domain unit: add "domain": "stored")` : '');

/** Validates a parsed plan: schema first, then what the schema cannot say (units, ε values). */
export function validatePlan(raw: unknown, source = 'the plan'): AuditPlan {
  const r = PlanSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new PlanError(`${source}: ${at}: ${issue.message}.`);
  }
  const plan = r.data;
  plan.datasets.forEach((d, i) => {
    if (d.kind === 'dicom' && d.groundTruth === 'none' && (d.segments || d.emptySlices !== undefined)) throw new PlanError(`${source}: datasets.${i}: segments and emptySlices choose SEG / RTSTRUCT ground truth; set groundTruth to "seg" or "rtstruct".`);
  });
  plan.attacks.forEach((a, i) => {
    if (!resolveAttack(a.name)) throw new PlanError(`${source}: attacks.${i}: unknown attack "${a.name}" (known: ${knownAttacks().join(', ')}).`);
    if (!lossKinds().includes(a.loss.kind)) throw new PlanError(`${source}: attacks.${i}.loss.kind must be one of ${lossKinds().join(', ')}, got "${a.loss.kind}".`);
    if (a.domain === 'stored') return validateStoredAttack(a, `${source}: attacks.${i}`);
    if (!EPS_UNITS.includes(a.units)) throw new PlanError(`${source}: attacks.${i}.units must be one of ${EPS_UNITS.join(', ')}, got "${a.units}"${STORED_HINT(a.units)}.`);
    a.eps.forEach((e, j) => amount(e, `${source}: attacks.${i}.eps.${j}`));
    if (a.alpha !== undefined && !(amount(a.alpha, `${source}: attacks.${i}.alpha`) > 0)) throw new PlanError(`${source}: attacks.${i}.alpha must be greater than 0.`);
  });
  return plan;
}

/** Reads and validates a plan file, JSON or YAML by its extension (plan-text.ts); errors name the file. */
export function loadPlan(file: string): AuditPlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PlanError(`Cannot read plan ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  let raw: unknown;
  try {
    raw = parsePlanText(text, file);
  } catch (e) {
    throw new PlanError((e as Error).message, { cause: e });
  }
  return validatePlan(raw, `Plan ${file}`);
}
