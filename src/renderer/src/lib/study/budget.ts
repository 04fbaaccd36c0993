/**
 * The stored-domain budget as the attack panel shows it before a run: ε in the chosen unit converted,
 * through the open image's own chain (`image:units`), to su, HU (CT) and k/255 of the window with the
 * engine's conversion (engine/attacks/domain/units.ts, pure, imported as is) — L∞ floored to whole stored
 * units, as the attack will be. No DOM: unit-tested in Node.
 */
import type { BudgetUnit } from '../../../../engine/api/stored-contract.js';
import { allUnits, describeUnits, toStoredUnits, type EpsSpec, type UnitScale } from '../../../../engine/attacks/domain/units.js';

export interface BudgetView {
  /** "20 su = 20 HU = 12.782/255w", or null when the budget cannot apply. */
  text: string | null;
  /** One sentence saying why not (HU on a non-CT image, below one stored unit, not a number). */
  error: string | null;
}

export function budgetView(scale: UnitScale, value: number, unit: BudgetUnit, norm: 'linf' | 'l2'): BudgetView {
  if (!(Number.isFinite(value) && value > 0)) return { text: null, error: 'ε must be a number greater than 0.' };
  const spec: EpsSpec = unit === '255w' ? { value: value / 255, unit: 'w' } : { value, unit };
  let su: number;
  try {
    su = toStoredUnits(spec, scale);
  } catch (e) {
    return { text: null, error: (e as Error).message };
  }
  if (norm === 'linf') {
    su = Math.floor(su + 1e-9);
    if (su < 1) return { text: null, error: 'This ε is less than one stored unit of this image; give a larger ε.' };
  }
  return { text: describeUnits(allUnits(su, scale)), error: null };
}
