// Judging one vitest run for scripts/test.mjs, from the report scripts/vitest-reporter.mjs writes and
// vitest's exit status. The rules (issue 14): a test that failed, a file that failed to load, a hook
// that threw, an unhandled error, an interrupted run and a non-zero vitest exit are failures; tests a
// failed hook kept from running count as failed, not skipped; every skip carries a reason — the note
// of `ctx.skip(note)` or a `SKIP <reason>` line the file printed — and a skip without one is a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const reporterPath = new URL('./vitest-reporter.mjs', import.meta.url).pathname;

/**
 * @param {object | null} report what vitest-reporter.mjs wrote, or null when it wrote nothing
 * @param {number | null} status vitest's exit status (null when it was killed)
 * @param {string} root paths in the messages are made relative to it
 * @returns {{ passed: number, failed: number, skipped: number, failures: string[], skips: { file: string, test: string, reason: string }[] }}
 */
export function summarise(report, status, root = process.cwd()) {
  const s = { passed: 0, failed: 0, skipped: 0, failures: [], skips: [] };
  const fail = (n, msg) => {
    s.failed += n;
    s.failures.push(msg);
  };
  if (!report) {
    fail(1, `vitest exited ${status} without writing a report`);
    return s;
  }
  for (const m of report.modules) {
    const file = relative(root, m.file);
    const before = s.failed;
    for (const e of m.errors) fail(1, `${file}: failed to load or run: ${e}`);
    const failedSuites = m.suites.filter((x) => x.errors.length > 0);
    const blocked = new Map(failedSuites.map((x) => [x.name, 0]));
    for (const t of m.tests) {
      if (t.state === 'passed') s.passed++;
      else if (t.state === 'failed') fail(1, `${file} › ${t.name}: ${t.errors[0] ?? 'failed'}`);
      else if (t.state === 'skipped' || t.state === 'pending') {
        // A test under a suite whose hook threw was never run: that is the hook's failure, not a skip.
        const hookSuite = t.note === undefined ? t.suites.findLast((n) => blocked.has(n)) : undefined;
        if (hookSuite !== undefined) {
          blocked.set(hookSuite, blocked.get(hookSuite) + 1);
          continue;
        }
        const reason = t.note ?? (m.skipLines.length ? m.skipLines.join('; ') : undefined);
        if (reason === undefined) fail(1, `${file} › ${t.name}: skipped without a reason (use ctx.skip(reason) or print "SKIP <reason>")`);
        else {
          s.skipped++;
          s.skips.push({ file, test: t.name, reason });
        }
      }
    }
    for (const x of failedSuites) {
      const n = blocked.get(x.name);
      fail(Math.max(n, 1), `${file} › ${x.name}: a hook failed: ${x.errors[0]}${n ? ` (${n} test${n > 1 ? 's' : ''} not run)` : ''}`);
    }
    if (m.state === 'failed' && s.failed === before) fail(1, `${file}: vitest marked the file failed`);
  }
  for (const e of report.unhandledErrors) fail(1, `unhandled error: ${e}`);
  if (report.reason === 'interrupted') fail(1, 'the run was interrupted');
  if (status !== 0 && s.failed === 0) fail(1, `vitest exited ${status} although no test failed`);
  return s;
}

/**
 * Runs `vitest run` in `cwd` with the summary reporter beside the default one and judges the result.
 * @param {string} cwd
 * @param {string[]} args extra vitest arguments (config, files)
 * @param {{ env?: NodeJS.ProcessEnv, quiet?: boolean }} [opts]
 */
export function runVitest(cwd, args, opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vlsm-vitest-'));
  const out = join(dir, 'report.json');
  try {
    const r = spawnSync('npx', ['vitest', 'run', ...args, '--reporter=default', `--reporter=${reporterPath}`], {
      cwd,
      stdio: opts.quiet ? 'pipe' : 'inherit',
      encoding: 'utf8',
      env: { ...(opts.env ?? process.env), VLSM_VITEST_REPORT: out },
    });
    const report = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : null;
    return { ...summarise(report, r.status, cwd), status: r.status, output: opts.quiet ? `${r.stdout}${r.stderr}` : '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
