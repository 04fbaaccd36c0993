/**
 * The import boundaries STYLE.md asks a lint rule for (no ESLint in this project yet): the engine never
 * imports Electron, and only the two wrappers touch ipcMain / ipcRenderer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/data.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|svelte)$/.test(e.name) ? [p] : [];
  });
}

const rel = (p: string) => relative(repoRoot, p);
/** Source without comments, so prose that names ipcMain does not count as using it. */
const code = (f: string) => readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
const src = join(repoRoot, 'src');

describe('import boundaries', () => {
  it('src/engine never imports electron', () => {
    const offenders = sources(join(src, 'engine')).filter((f) => /from\s+['"]electron(\/[^'"]*)?['"]|require\(['"]electron['"]\)/.test(code(f)));
    expect(offenders.map(rel)).toEqual([]);
  });

  it('only src/main/ipc.ts uses ipcMain and only src/preload/index.ts uses ipcRenderer', () => {
    const all = sources(src);
    const use = (word: string) => all.filter((f) => new RegExp(`\\b${word}\\b`).test(code(f))).map(rel);
    expect(use('ipcMain')).toEqual(['src/main/ipc.ts']);
    expect(use('ipcRenderer')).toEqual(['src/preload/index.ts']);
  });

  it('only src/engine/runtime/ort-session.ts imports onnxruntime-node (the runtime seam)', () => {
    const files = [...sources(src), ...sources(join(repoRoot, 'bench'))].filter((f) => /from\s+['"]onnxruntime-node['"]|require\(['"]onnxruntime-node['"]\)/.test(code(f)));
    expect(files.map(rel)).toEqual(['src/engine/runtime/ort-session.ts']);
  });
});
