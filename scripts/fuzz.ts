/**
 * `npm run fuzz -- --cases N [--seed S] [--workers W] [--json]`: the seeded fuzz run of scripts/fuzz/
 * (mutated DICOM/PNG/JPEG, API arguments, model packages) for nightly use; CI runs a shorter one
 * (tests/engine/fuzz.test.ts). Exits 1 when any case failed, printing each failure and how to rerun.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFuzz } from './fuzz/run-fuzz.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`vlsm-audit fuzz: --${name} must be a positive integer (got "${args[i + 1]}")\n`);
    process.exit(2);
  }
  return v;
};
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataRoot = process.env.VLSM_DATA ? resolve(process.env.VLSM_DATA) : resolve(repoRoot, '..', 'shared', 'data');
const cases = flag('cases', 2000);
const seed = flag('seed', 1);
const report = await runFuzz({
  cases,
  seed,
  workers: flag('workers', 2),
  repoRoot,
  dataRoot: existsSync(join(dataRoot, 'README.md')) ? dataRoot : undefined,
  log: (l) => process.stderr.write(`${l}\n`),
});
if (args.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  process.stdout.write(`${cases} image cases from ${report.seeds} seeds in ${report.seconds.toFixed(1)} s (${report.casesPerSecond.toFixed(1)} image cases/s), seed ${seed}\n`);
  for (const [k, n] of Object.entries(report.outcomes).sort((a, b) => b[1] - a[1])) process.stdout.write(`${String(n).padStart(7)}  ${k}\n`);
  process.stdout.write(`API: ${JSON.stringify(report.api.byCode)}; model packages: ${report.packages.loaded} loaded, ${report.packages.rejected} rejected; ${report.canaryChecks} canary checks; ${report.workersStarted} decode workers started\n`);
}
for (const f of report.failures) process.stderr.write(`FAIL ${f}\n`);
if (report.failures.length > 0) {
  process.stderr.write(`${report.failures.length} failure(s); rerun with: npm run fuzz -- --cases ${cases} --seed ${seed}\n`);
  process.exitCode = 1;
}
