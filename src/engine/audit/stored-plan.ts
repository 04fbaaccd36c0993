/**
 * Stored-domain attacks in audit plans (`"domain": "stored"`, docs/audits.md "Stored domain"): δ lives in
 * the file's own stored values at native resolution (src/engine/attacks/domain), and ε is swept in
 *   su    stored units (one step of the stored integer),
 *   HU    modality units after rescale — Hounsfield units, so CT images only,
 *   255w  k/255 of the displayed window (ε values are k: 2 means 2/255w; "2/255" is accepted too).
 * Only gradient attacks run there (attackStored differentiates the whole preprocessing chain); square and
 * the clean/noise controls are refused here with the reason. Every image of a stored-domain attack is read
 * when the plan is expanded (checkStoredTasks): an image the stored domain cannot take (colour DICOM), a HU
 * sweep over a non-CT image, or an L∞ ε under one stored unit fails the PLAN up front, naming the image —
 * never a cell half-way through a long audit.
 */
import { ATTACK_KINDS, makeBudget, needsGradients, type AttackKind, type Budget, type LossSpec } from '../attacks/index.js';
import { parseFraction } from '../attacks/budget.js';
import { loadStoredImage, unitScale, type StoredImage } from '../attacks/domain/stored-image.js';
import { toStoredUnits, type EpsSpec } from '../attacks/domain/units.js';
import type { AttackSetting, Task } from './cells.js';
import { PlanError, type AttackSpec } from './plan.js';

/** ε units of the stored domain. */
export const STORED_EPS_UNITS = ['su', 'HU', '255w'] as const;
export type StoredUnits = (typeof STORED_EPS_UNITS)[number];

/** Attack kinds that run in the stored domain: every gradient attack of the registry. */
export const STORED_ATTACKS: readonly string[] = ATTACK_KINDS.filter((k) => needsGradients(k as AttackKind));

const isStoredUnits = (u: string): u is StoredUnits => (STORED_EPS_UNITS as readonly string[]).includes(u);

/** A plan value in stored units → a number in `units` (255w: k of k/255w). */
export function storedAmount(v: number | string, units: StoredUnits, where: string): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (units === '255w' && /\/\s*255\s*$/.test(v)) n = parseFraction(v) * 255;
  else n = /^\s*[0-9]*\.?[0-9]+(e-?\d+)?\s*$/i.test(v) ? Number(v) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) {
    const form = units === '255w' ? 'a number k (k/255 of the window) or "k/255"' : `a number of ${units}`;
    throw new PlanError(`${where} must be ${form} greater than 0, got ${JSON.stringify(v)}.`);
  }
  return n;
}

/** What the schema cannot check about a stored-domain attack; errors name the field and the fix. */
export function validateStoredAttack(a: AttackSpec, where: string): void {
  if (!isStoredUnits(a.units)) {
    throw new PlanError(`${where}.units must be ${STORED_EPS_UNITS.join(', ')} for a stored-domain attack (ε in the file's stored values), got "${a.units}"; pixel and normalised units belong to the model domain.`);
  }
  if (!STORED_ATTACKS.includes(a.name)) {
    throw new PlanError(`${where}: attack "${a.name}" does not run in the stored domain; use one of ${STORED_ATTACKS.join(', ')} (gradient attacks through the preprocessing chain), or run ${a.name} with "domain": "model".`);
  }
  a.eps.forEach((e, j) => storedAmount(e, a.units as StoredUnits, `${where}.eps.${j}`));
  if (a.alpha !== undefined) storedAmount(a.alpha, a.units, `${where}.alpha`);
}

/** ε in plan units → the EpsSpec attackStored takes. */
export function toEpsSpec(value: number, units: string): EpsSpec {
  if (units === 'su') return { value, unit: 'su' };
  if (units === 'HU') return { value, unit: 'HU' };
  if (units === '255w') return { value: value / 255, unit: 'w' };
  throw new PlanError(`"${units}" is not a stored-domain unit (${STORED_EPS_UNITS.join(', ')}).`);
}

export function storedEpsText(value: number, units: string): string {
  const n = String(Number(value.toPrecision(6)));
  return units === '255w' ? `${n}/255w` : `${n} ${units}`;
}

/**
 * One setting per ε and seed. The budget holds ε and α in the plan's units (α default ε/4, as attackStored)
 * with `units` set to them, so the cell key (budget, loss, target, options, domain) tells 5 su from 5 HU.
 */
export function storedAttackSettings(spec: AttackSpec, seeds: readonly number[], where: string, norm: Budget['norm'], defaultSteps: number): AttackSetting[] {
  const units = spec.units as StoredUnits;
  return spec.eps.flatMap((e, j) => {
    const eps = storedAmount(e, units, `${where}.eps.${j}`);
    const alpha = spec.alpha !== undefined ? storedAmount(spec.alpha, units, `${where}.alpha`) : eps / 4;
    const budget = makeBudget({ norm, eps, alpha, steps: spec.steps ?? defaultSteps, restarts: spec.restarts, randomStart: spec.randomStart, units: units as unknown as Budget['units'], schedule: spec.schedule, earlyStop: spec.earlyStop });
    return seeds.map((seed) => ({
      name: spec.name, label: spec.label ?? spec.name, units, eps, epsText: storedEpsText(eps, units), domain: 'stored' as const, seed, budget,
      loss: spec.loss as LossSpec, target: spec.target, options: spec.options ?? {}, datasets: spec.datasets ?? null,
    }));
  });
}

/**
 * Reads every image of the stored-domain tasks once and fails the plan on what would fail its cells: an
 * image the stored domain cannot read, ε in HU on a non-CT image, an L∞ ε under one stored unit.
 */
export async function checkStoredTasks(tasks: readonly Task[]): Promise<void> {
  const images = new Map<string, Promise<StoredImage>>();
  for (const t of tasks) {
    if (t.setting.domain !== 'stored') continue;
    const s = t.setting;
    for (const im of t.images) {
      const key = `${im.path}#${im.frame ?? 0}`;
      if (!images.has(key)) images.set(key, loadStoredImage(im.path, im.frame ?? 0));
      let img: StoredImage;
      try {
        img = await images.get(key)!;
      } catch (e) {
        throw new PlanError(`Attack ${s.label} runs in the stored domain, but image ${im.id} of dataset ${t.dataset} cannot be read as stored values: ${(e as Error).message}`);
      }
      const scale = unitScale(img);
      if (s.units === 'HU' && !scale.hu) {
        const what = img.format === 'dicom' ? `a ${img.modality ?? 'DICOM'} image without Hounsfield units` : `a ${img.format.toUpperCase()} image`;
        throw new PlanError(`Attack ${s.label} sweeps ε in HU, but image ${im.id} of dataset ${t.dataset} is ${what}; HU needs CT images with a rescale. Use su or 255w, or restrict the attack with "datasets".`);
      }
      if (s.budget.norm === 'linf' && Math.floor(toStoredUnits(toEpsSpec(s.eps, s.units), scale) + 1e-9) < 1) {
        throw new PlanError(`Attack ${s.label} at ε = ${s.epsText} is less than one stored unit of image ${im.id} of dataset ${t.dataset} (${toStoredUnits(toEpsSpec(s.eps, s.units), scale).toPrecision(3)} su); a stored change must be a whole stored step — give a larger ε.`);
      }
    }
  }
}
