// Types for scripts/test-summary.mjs (plain JS so that `node scripts/test.mjs` runs without a build).
export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
  skips: { file: string; test: string; reason: string }[];
}
export function summarise(report: object | null, status: number | null, root?: string): Summary;
export function runVitest(
  cwd: string,
  args: string[],
  opts?: { env?: NodeJS.ProcessEnv; quiet?: boolean },
): Summary & { status: number | null; output: string };
