/**
 * The `attack:run` arguments for what is open: the ground truth (a mask file, or the slice's DICOM
 * SEG/RTSTRUCT mask sent as a PNG) and the budget of the chosen threat domain (k/255 of the model input,
 * or a stored-domain ε with its unit).
 */
import type { CallArgs } from '../../../engine/api/contract';
import type { BudgetUnit } from '../../../engine/api/stored-contract';
import { maskToPngUrl, type Mask } from './study/decode';

type Base = Omit<CallArgs<'attack:run'>, 'maskPath' | 'maskPng' | 'maskLabel' | 'domain' | 'eps' | 'alpha' | 'eps255' | 'alpha255'>;

export function attackRunArgs(
  base: Base,
  gt: { maskPath: string | null; mask: Mask | null; label: string },
  budget: { domain: 'model' | 'stored'; stored: { value: number; unit: BudgetUnit }; eps255: number; alpha255: number },
): CallArgs<'attack:run'> {
  const truth = gt.mask ? (gt.maskPath ? { maskPath: gt.maskPath } : { maskPng: maskToPngUrl(gt.mask), maskLabel: gt.label }) : {};
  const eps = budget.domain === 'stored' ? { domain: 'stored' as const, eps: { ...budget.stored } } : { eps255: budget.eps255, alpha255: budget.alpha255 };
  return { ...base, ...truth, ...eps };
}
