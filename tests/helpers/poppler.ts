/**
 * Debian poppler-utils for the report tests: every page rendered with pdftoppm (a page that fails to
 * render fails the test) and the text read with pdftotext. Missing tools skip the tests locally with the
 * reason and fail them under CI=true, where .ci/run installs poppler-utils.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inCI } from './data.js';

export const hasPoppler = spawnSync('pdftotext', ['-v'], { encoding: 'utf8' }).status === 0;
export const skipWithoutPoppler = !hasPoppler && !inCI;
if (!hasPoppler) {
  const msg = 'report tests: pdftotext/pdftoppm not found (Debian package poppler-utils)';
  if (inCI) throw new Error(`${msg}; CI=true requires it.`);
  console.warn(`SKIP ${msg}; those tests are skipped.`);
}

/** Text of the whole document, layout kept (so table rows stay on one line). */
export function pdfText(pdf: string): string {
  return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' });
}

export function pdfPages(pdf: string): number {
  const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
  return Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? NaN);
}

/** Render every page at `dpi` into `dir`; returns the PNG paths in page order. Throws if any page fails. */
export function renderPages(pdf: string, dir: string, dpi = 40): string[] {
  // pdftoppm exits 0 after many recoverable errors; any "Error" on stderr counts as a broken page.
  const r = spawnSync('pdftoppm', ['-r', String(dpi), '-png', pdf, join(dir, 'page')], { encoding: 'utf8' });
  if (r.status !== 0 || /error/i.test(r.stderr)) throw new Error(`pdftoppm failed on ${pdf}: ${r.stderr.trim() || `exit ${r.status}`}`);
  return readdirSync(dir)
    .filter((f) => /^page-\d+\.png$/.test(f))
    .sort((a, b) => Number(/\d+/.exec(a)?.[0]) - Number(/\d+/.exec(b)?.[0]))
    .map((f) => join(dir, f));
}
