/**
 * What survives a reload: where the study came from, the slice, ground truth, model, prompt, attack
 * settings and the id of the last result (which the engine still holds, so it is restored, not rerun).
 * Kept in localStorage of this origin only; nothing leaves the machine.
 */
import type { BudgetUnit } from '../../../engine/api/stored-contract';

export interface SavedSession {
  source: { kind: 'folder' | 'file'; path: string } | null;
  seriesUID: string | null;
  imagePath: string | null;
  index: number;
  groundTruth: { kind: 'file'; path: string } | { kind: 'dicom'; path: string; segment: number } | null;
  modelDir: string | null;
  prompt: string;
  attack: {
    kind: string; eps255: number; alpha255: number; steps: number; restarts: number; seed: number; target: 'none' | 'empty';
    /** Threat domain and the stored-domain ε (absent in sessions saved before issue 15). */
    domain?: 'model' | 'stored';
    stored?: { value: number; unit: BudgetUnit };
  };
  resultId: string | null;
  layout: '1x1' | '2x2';
  anonymise: boolean;
}

const KEY = 'vlsm-audit-session-v1';

export function loadSession(): SavedSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as SavedSession) : null;
  } catch {
    return null;
  }
}

export function saveSession(s: SavedSession): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // storage full or disabled: the session simply is not kept
  }
}
