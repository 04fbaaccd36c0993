/**
 * The permanent fuzz test (issue #14): a fixed seed, a bounded number of mutated DICOM/PNG/JPEG files
 * decoded in job workers as the app decodes them, plus hostile API arguments and damaged model packages
 * (scripts/fuzz/run-fuzz.ts). Fails on a worker crash, a non-project error, a hang, a decode over the
 * memory bound, non-finite or out-of-range pixels, or a codec canary whose decode changed. The longer run
 * for nightly use is `npm run fuzz -- --cases N`; docs/reliability.md has its figures.
 */
import { describe, expect, it } from 'vitest';
import { runFuzz } from '../../scripts/fuzz/run-fuzz.js';
import { dataRoot, hasData, repoRoot } from '../helpers/data.js';

const CASES = 2000;
const SEED = 20261201;

describe('fuzz (seeded, bounded)', () => {
  it(`${CASES} mutated images, API arguments and model packages: no crash, bug, hang, bad pixels or canary change`, async () => {
    const report = await runFuzz({ cases: CASES, seed: SEED, repoRoot, dataRoot: hasData ? dataRoot : undefined, workers: 2 });
    const lines = Object.entries(report.outcomes)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${String(n).padStart(6)}  ${k}`);
    console.log(`${CASES} image cases, ${report.seeds} seeds, ${report.casesPerSecond.toFixed(1)} cases/s, ${report.workersStarted} workers\n${lines.join('\n')}`);
    expect(report.failures).toEqual([]);
    expect(report.outcomes.decoded).toBeGreaterThan(CASES / 20); // the mutations leave many files decodable
    expect(Object.keys(report.outcomes).filter((k) => k.startsWith('rejected')).length).toBeGreaterThan(10);
    expect(report.canaryChecks).toBeGreaterThanOrEqual(2 * Math.ceil(CASES / 250));
    expect(report.api.cases).toBe(CASES / 10);
    expect(report.packages.rejected).toBeGreaterThan(0);
  }, 900_000);
});
