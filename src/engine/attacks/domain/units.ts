/**
 * Budget units of the two threat domains (docs/attacks.md "Domains") and their conversions:
 *   su     stored units: one step of the file's stored integer (DICOM pixel data, or an 8-bit pixel);
 *   HU     modality units after rescale slope/intercept (Hounsfield units for CT): HU = su·|slope|;
 *   k/255w a fraction of the displayed window: 1/255w moves the display by one 8-bit grey step,
 *          f = HU / span with span = w − 1 for the LINEAR VOI function (PS3.3 C.11.2.1.2.1: w − 1 modality
 *          units span [0,1]) and span = w for LINEAR_EXACT and SIGMOID (slope at the centre: 1/w).
 * For PNG/JPEG: slope 1, no window (span = levels, 255 for 8-bit), and no HU.
 */
import { UserError } from '../../errors.js';
import type { VoiFunction } from '../../imaging/voi.js';

export type Domain = 'model' | 'stored';
export type EpsUnit = 'su' | 'HU' | 'w';

/** A budget as the user gave it: `w` values are fractions of the window (2/255w → 2/255). */
export interface EpsSpec {
  value: number;
  unit: EpsUnit;
}

/** What the conversion needs to know about an image's stored → display mapping. */
export interface UnitScale {
  /** |RescaleSlope| (1 for PNG/JPEG). */
  slope: number;
  /** Modality units that span the display range [0,1] (see the header). */
  span: number;
  /** True when modality units are Hounsfield units (CT). */
  hu: boolean;
}

/** One radius in all three units; `HU` is null where modality units are not HU (non-CT, PNG/JPEG). */
export interface EpsAllUnits {
  su: number;
  HU: number | null;
  /** Modality units (equal to HU for CT). */
  modality: number;
  /** k of k/255w. */
  w255: number;
}

/** A budget that cannot apply to this image (a user mistake: `bad-args` in the API, a usage error in the CLI). */
export class BudgetUnitError extends UserError {
  override name = 'BudgetUnitError';
  constructor(message: string) {
    super('bad-args', message);
  }
}

/** The stored-domain radius when none is given (CLI and API): 20 su for L∞, 500 su for L2. */
export function defaultStoredEps(norm: 'linf' | 'l2'): string {
  return norm === 'l2' ? '500su' : '20su';
}

/** "20su", "10HU", "2/255w", "0.5w"; a bare number or fraction ("8/255") means k/255 of the display (w). */
export function parseEps(text: string): EpsSpec {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e-?\d+)?)\s*(?:\/\s*([0-9]*\.?[0-9]+))?\s*(su|hu|w)?\s*$/i.exec(text);
  if (!m) throw new BudgetUnitError(`"${text}" is not a budget: give a number with a unit, e.g. 20su, 10HU or 2/255w.`);
  const value = Number(m[1]) / (m[2] !== undefined ? Number(m[2]) : 1);
  if (!Number.isFinite(value) || value < 0) throw new BudgetUnitError(`"${text}" is not a finite budget ≥ 0.`);
  const u = (m[3] ?? 'w').toLowerCase();
  if (m[2] !== undefined && u !== 'w') throw new BudgetUnitError(`"${text}": fractions (k/255) are for window units only; write ${m[1]}${m[3]} without the denominator.`);
  return { value, unit: u === 'su' ? 'su' : u === 'hu' ? 'HU' : 'w' };
}

/** span of a VOI window in modality units (see the header). */
export function windowSpan(width: number, fn: VoiFunction): number {
  return fn === 'LINEAR' ? width - 1 : width;
}

/** Any unit → stored units (real-valued; callers floor for L∞). */
export function toStoredUnits(eps: EpsSpec, s: UnitScale): number {
  if (eps.unit === 'su') return eps.value;
  if (eps.unit === 'HU') {
    if (!s.hu) throw new BudgetUnitError('ε in HU needs a CT image (modality units of this image are not Hounsfield units); use su or k/255w.');
    return eps.value / s.slope;
  }
  return (eps.value * s.span) / s.slope;
}

/** Stored units → all three units. */
export function allUnits(su: number, s: UnitScale): EpsAllUnits {
  const modality = su * s.slope;
  return { su, HU: s.hu ? modality : null, modality, w255: (255 * modality) / s.span };
}

/** "20 su = 20 HU = 12.8/255w" (rounded for people; metrics.json keeps the numbers). */
export function describeUnits(e: EpsAllUnits): string {
  const r = (x: number) => String(Math.round(x * 1000) / 1000);
  return `${r(e.su)} su = ${e.HU === null ? `${r(e.modality)} modality units` : `${r(e.HU)} HU`} = ${r(e.w255)}/255w`;
}
