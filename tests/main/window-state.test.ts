/** The desktop window's remembered bounds: round trip, and nothing off-screen or tiny comes back. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW, loadWindowState, sanitizeWindowState, saveWindowState } from '../../src/main/window-state.js';

const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
const dir = mkdtempSync(join(tmpdir(), 'vlsm-winstate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('window state', () => {
  it('round-trips through the file', () => {
    const f = join(dir, 'sub', 'window-state.json');
    saveWindowState(f, { width: 1300, height: 820, x: 40, y: 30, maximized: true });
    expect(loadWindowState(f, screen)).toEqual({ width: 1300, height: 820, x: 40, y: 30, maximized: true });
  });
  it('a corrupt or missing file gives the default window', () => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, '{"width": "huge"');
    expect(loadWindowState(f, screen)).toEqual(DEFAULT_WINDOW);
    expect(loadWindowState(join(dir, 'none.json'), screen)).toEqual(DEFAULT_WINDOW);
  });
  it('a position on a display that is gone is dropped; sizes are clamped to the display and the minimum', () => {
    expect(sanitizeWindowState({ width: 1200, height: 800, x: 5000, y: 100, maximized: false }, screen)).toEqual({ width: 1200, height: 800, maximized: false });
    expect(sanitizeWindowState({ width: 4000, height: 100, x: 1800, y: 10, maximized: false }, screen)).toEqual({ width: 1920, height: 640, x: 0, y: 10, maximized: false });
  });
});
