#!/usr/bin/env node
// The project's one test command (`npm test`): type-checks, builds what the tests run (the CLI with
// tsc, the app with electron-vite), runs the vitest suites, and ends with one summary line
// `N passed, N failed, N skipped` that CI reads. Each check step counts as one test.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function step(name, cmd, args) {
  process.stdout.write(`\n=== ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status === 0) totals.passed++;
  else {
    totals.failed++;
    failures.push(name);
  }
  return r.status === 0;
}

function vitest(name, configArgs) {
  const dir = mkdtempSync(join(tmpdir(), 'vlsm-vitest-'));
  const report = join(dir, 'report.json');
  process.stdout.write(`\n=== ${name}\n`);
  const r = spawnSync('npx', ['vitest', 'run', ...configArgs, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], {
    cwd: root,
    stdio: 'inherit',
    env: process.env,
  });
  if (!existsSync(report)) {
    totals.failed++;
    failures.push(`${name} (vitest exited ${r.status} without a report)`);
    return;
  }
  const j = JSON.parse(readFileSync(report, 'utf8'));
  totals.passed += j.numPassedTests;
  totals.failed += j.numFailedTests;
  totals.skipped += j.numPendingTests + (j.numTodoTests ?? 0);
  // A suite that failed to load (syntax error, throwing import) has no tests but is a failure.
  for (const s of j.testResults) {
    if (s.status === 'failed' && s.assertionResults.length === 0) {
      totals.failed++;
      failures.push(`${name}: ${s.name} failed to load`);
    }
  }
  for (const s of j.testResults)
    for (const a of s.assertionResults) if (a.status === 'failed') failures.push(`${name}: ${a.fullName}`);
  rmSync(dir, { recursive: true, force: true });
}

step('typecheck (node, engine, cli, tests)', 'npx', ['tsc', '-p', 'tsconfig.node.json', '--noEmit']);
if (existsSync(join(root, 'tsconfig.web.json'))) {
  step('typecheck (renderer, svelte-check)', 'npx', ['svelte-check', '--tsconfig', 'tsconfig.web.json', '--fail-on-warnings']);
}
step('build CLI (tsc → dist/)', 'npx', ['tsc', '-p', 'tsconfig.cli.json']);
if (existsSync(join(root, 'electron.vite.config.ts'))) step('build app (electron-vite build)', 'npx', ['electron-vite', 'build']);
vitest('unit and integration tests (vitest)', []);
if (existsSync(join(root, 'vitest.e2e.config.ts'))) vitest('end-to-end tests (Playwright, Chromium)', ['--config', 'vitest.e2e.config.ts']);

process.stdout.write('\n');
if (failures.length) process.stdout.write(`Failed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(totals.failed === 0 ? 0 : 1);
