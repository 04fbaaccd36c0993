/**
 * Where the real datasets live (../shared/data beside the checkout, or $VLSM_DATA) and how tests that
 * need them behave when they are missing: skipped with the reason locally, failed under CI=true.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dataRoot = process.env.VLSM_DATA ? resolve(process.env.VLSM_DATA) : resolve(repoRoot, '..', 'shared', 'data');
export const dataPath = (...parts: string[]): string => join(dataRoot, ...parts);
export const hasData = existsSync(join(dataRoot, 'README.md'));
export const inCI = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Use as `describe.skipIf(skipWithoutData)(...)`. Under CI a missing data folder is an error, not a
 * skip, so a green CI run always means the real-data tests ran.
 */
export const skipWithoutData = !hasData && !inCI;
if (!hasData) {
  const msg = `real-data tests: ${dataRoot} not found (set VLSM_DATA or place the shared data beside the checkout)`;
  if (inCI) throw new Error(`${msg}; CI=true requires it.`);
  console.warn(`SKIP ${msg}; those tests are skipped.`);
}

/**
 * The outside robustness test's reproducer files (../shared/repro beside the checkout; each is a mutated
 * ../shared/data seed, so they are read from there, never copied into the repository). Same rule as the
 * data: skipped with the reason locally, a failure under CI=true.
 */
export const reproRoot = resolve(repoRoot, '..', 'shared', 'repro');
export const reproPath = (file: string): string => join(reproRoot, file);
export const hasRepro = existsSync(join(reproRoot, 'README.md'));
export const skipWithoutRepro = !hasRepro && !inCI;
if (!hasRepro) {
  const msg = `reproducer tests: ${reproRoot} not found (place the shared folder beside the checkout)`;
  if (inCI) throw new Error(`${msg}; CI=true requires it.`);
  console.warn(`SKIP ${msg}; those tests are skipped.`);
}
