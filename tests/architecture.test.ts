/**
 * Layering rules from DESIGN.md / STYLE.md, checked on the sources: the engine stays pure Node (no
 * Electron), only the runtime seam imports onnxruntime-node, and only the IPC wrappers touch
 * ipcMain / ipcRenderer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/data.js';

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (/\.(ts|svelte)$/.test(e.name)) out.push(p);
  }
  return out;
}
const importsOf = (file: string, pkg: RegExp) =>
  [...readFileSync(join(repoRoot, file), 'utf8').matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)['"]([^'"]+)['"]/g)].some((m) => pkg.test(m[1]));

describe('architecture', () => {
  it('src/engine never imports electron', () => {
    expect(sources('src/engine').filter((f) => importsOf(f, /^electron(\/|$)/))).toEqual([]);
  });
  it('only src/engine/runtime/ort-session.ts imports onnxruntime-node', () => {
    const files = [...sources('src'), ...sources('bench')].filter((f) => importsOf(f, /^onnxruntime-node/));
    expect(files.map((f) => relative('.', f))).toEqual(['src/engine/runtime/ort-session.ts']);
  });
  it('ipcMain and ipcRenderer are imported only by the IPC wrappers (main/ipc.ts, preload)', () => {
    const importRe = /import\s*\{[^}]*\bipc(Main|Renderer)\b[^}]*\}\s*from\s*['"]electron['"]/;
    const users = sources('src').filter((f) => importRe.test(readFileSync(join(repoRoot, f), 'utf8')));
    expect(users.sort()).toEqual(['src/main/ipc.ts', 'src/preload/index.ts']);
  });
});
