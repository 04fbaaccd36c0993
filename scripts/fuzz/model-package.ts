/**
 * Model-package fuzzing: a valid test package (tests/fixtures/test-vlsm.ts) with its vlsm.json and
 * tokenizer.json damaged — keys removed, values of the wrong type or range, bytes flipped. Loading must
 * succeed or fail with ModelPackageError (or another user error the CLI prints as one line).
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelPackage } from '../../src/engine/model/index.js';
import { writeTestVlsm } from '../../tests/fixtures/test-vlsm.js';
import type { Rng } from './mutate.js';

const int = (r: Rng, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];
const ODD = [null, -1, 0, 1e308, Number.MAX_SAFE_INTEGER, '', 'x', [], {}, [0, 0, 0], true, 'NaN', -0.5];
/** Error classes that are user errors (src/cli/errors.ts prints them as one `vlsm-audit:` line). */
const USER_ERRORS = new Set(['ModelPackageError', 'PromptError', 'RuntimeError', 'OnnxFormatError', 'UsageError']);

function damage(value: unknown, r: Rng, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 4) return pick(r, ODD);
  const obj = (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 0) return pick(r, ODD);
  const k = pick(r, keys);
  const op = int(r, 3);
  if (op === 0 && !Array.isArray(value)) delete obj[k];
  else if (op === 1) obj[k] = pick(r, ODD);
  else obj[k] = damage(obj[k], r, depth + 1);
  return obj;
}

export interface PackageFuzzReport {
  cases: number;
  loaded: number;
  rejected: number;
  failures: string[];
}

export async function fuzzModelPackages(r: Rng, cases: number, sandbox: string): Promise<PackageFuzzReport> {
  const base = join(sandbox, 'pkg-base');
  writeTestVlsm(base);
  const manifest = JSON.parse(readFileSync(join(base, 'vlsm.json'), 'utf8')) as unknown;
  const tokenizer = readFileSync(join(base, 'tokenizer.json'));
  const report: PackageFuzzReport = { cases, loaded: 0, rejected: 0, failures: [] };
  const dir = join(sandbox, 'pkg');
  for (let i = 0; i < cases; i++) {
    rmSync(dir, { recursive: true, force: true });
    cpSync(base, dir, { recursive: true });
    const what = int(r, 3);
    if (what === 0) {
      const t = Buffer.from(tokenizer);
      for (let k = 0; k < 1 + int(r, 8); k++) t[int(r, t.length)] = int(r, 256);
      writeFileSync(join(dir, 'tokenizer.json'), t);
    } else {
      let m = manifest;
      for (let k = 0; k < 1 + int(r, 3); k++) m = damage(m, r);
      writeFileSync(join(dir, 'vlsm.json'), what === 1 ? JSON.stringify(m) : JSON.stringify(m).slice(0, int(r, 400)));
    }
    try {
      await loadModelPackage(dir);
      report.loaded++;
    } catch (e) {
      if (e instanceof Error && USER_ERRORS.has(e.name) && !e.message.includes('\n')) report.rejected++;
      else report.failures.push(`package case ${i}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    }
  }
  return report;
}
