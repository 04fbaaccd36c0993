/**
 * The desktop window's size, position and maximised state, kept across launches in a small JSON file in
 * the user's app-data folder. What is read back is validated and clamped: a corrupt file or a position on
 * a display that is no longer attached gives a sensible default window, never an invisible one.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface WindowState {
  width: number;
  height: number;
  /** Absent: let the system place the window. */
  x?: number;
  y?: number;
  maximized: boolean;
}

export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW: WindowState = { width: 1440, height: 900, maximized: false };
const MIN = { width: 960, height: 640 };

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Parsed and made safe for the displays' work areas (window fully visible, at least the minimum size). */
export function sanitizeWindowState(raw: unknown, displays: readonly Area[]): WindowState {
  if (typeof raw !== 'object' || raw === null) return { ...DEFAULT_WINDOW };
  const r = raw as Record<string, unknown>;
  if (!finite(r.width) || !finite(r.height)) return { ...DEFAULT_WINDOW };
  const state: WindowState = { width: Math.max(MIN.width, Math.round(r.width)), height: Math.max(MIN.height, Math.round(r.height)), maximized: r.maximized === true };
  const { x, y } = r;
  if (finite(x) && finite(y)) {
    const d = displays.find((a) => x >= a.x && y >= a.y && x < a.x + a.width && y < a.y + a.height);
    if (d) {
      state.width = Math.min(state.width, d.width);
      state.height = Math.min(state.height, d.height);
      state.x = Math.min(Math.round(x), d.x + d.width - state.width);
      state.y = Math.min(Math.round(y), d.y + d.height - state.height);
    }
  }
  return state;
}

export function loadWindowState(file: string, displays: readonly Area[]): WindowState {
  try {
    return sanitizeWindowState(JSON.parse(readFileSync(file, 'utf8')), displays);
  } catch {
    return { ...DEFAULT_WINDOW };
  }
}

/** Written whole (temporary file, then rename) so a crash cannot leave half a file. */
export function saveWindowState(file: string, state: WindowState): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(state));
    renameSync(`${file}.tmp`, file);
  } catch {
    // not being able to remember the window is not worth an error dialog
  }
}
