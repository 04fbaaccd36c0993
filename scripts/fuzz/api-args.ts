/**
 * API argument fuzzing: every call of the contract with hostile arguments (wrong types, huge and odd
 * strings, paths to nothing, folders, devices, other files), through the same dispatch() both transports
 * use. Any answer is fine except a crash, a hang, or `internal` (which means a bug reached the user).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calls } from '../../src/engine/api/contract.js';
import { createApiService } from '../../src/engine/api/handlers.js';
import type { Rng } from './mutate.js';

const int = (r: Rng, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];

function values(sandbox: string, seedFile: string): unknown[] {
  return [
    '', 'x', 'a'.repeat(5000), 'polyp', '\0', '../../../etc/passwd', 'relative/path.dcm', '/dev/null', '/dev/zero', '/proc/self/status',
    sandbox, join(sandbox, 'missing.dcm'), join(sandbox, 'file.txt'), seedFile, join(sandbox, 'sub'), `${sandbox}/../${'x'.repeat(300)}`,
    0, -1, 1, 2.5, 1e308, -1e308, 100_000, 2 ** 53, true, false, null, [], [1, 2], {}, { a: 1 }, 'cpu', 'cuda', 'auto', 'pgd', 'fgsm',
    'study', 'folder', 'export', 'req-1', 'r'.repeat(65),
  ];
}

export interface ApiFuzzReport {
  cases: number;
  byCode: Record<string, number>;
  failures: string[];
}

export async function fuzzApiArgs(r: Rng, cases: number, sandbox: string, seedFile: string): Promise<ApiFuzzReport> {
  mkdirSync(join(sandbox, 'sub'), { recursive: true });
  writeFileSync(join(sandbox, 'file.txt'), 'not an image');
  const pool = values(sandbox, seedFile);
  const service = createApiService({ transport: 'http', app: { name: 'VLSM Audit', version: 'fuzz' }, modelRoots: [], pathMode: 'any-local', threads: 1, log: () => {} });
  const names = Object.keys(calls) as (keyof typeof calls)[];
  const report: ApiFuzzReport = { cases, byCode: {}, failures: [] };
  try {
    for (let i = 0; i < cases; i++) {
      const call = pick(r, names);
      const schema = calls[call].args as unknown as { shape?: Record<string, unknown> };
      let args: unknown;
      if (r() < 0.8 && schema.shape) {
        const obj: Record<string, unknown> = {};
        for (const k of Object.keys(schema.shape)) if (r() < 0.85) obj[k] = pick(r, pool);
        if (r() < 0.1) obj[`extra${int(r, 3)}`] = pick(r, pool);
        args = obj;
      } else {
        args = pick(r, pool);
      }
      const label = `${call} ${JSON.stringify(args)?.slice(0, 120)}`;
      let timer: NodeJS.Timeout | undefined;
      try {
        const res = await Promise.race([
          service.dispatch(call, args, { requestId: `fuzz-${i}` }),
          new Promise<'hang'>((ok) => (timer = setTimeout(() => ok('hang'), 30_000))),
        ]);
        if (res === 'hang') report.failures.push(`hang (> 30 s): ${label}`);
        else if (typeof res !== 'object' || res === null || typeof res.ok !== 'boolean') report.failures.push(`not an envelope: ${label}`);
        else {
          const code = res.ok ? 'ok' : res.error.code;
          report.byCode[code] = (report.byCode[code] ?? 0) + 1;
          if (code === 'internal') report.failures.push(`internal error: ${label}`);
        }
      } catch (e) {
        report.failures.push(`dispatch threw ${(e as Error).name}: ${(e as Error).message} — ${label}`);
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    await service.dispose();
  }
  return report;
}
