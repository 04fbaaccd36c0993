#!/usr/bin/env node
// The project's one test command (`npm test`): type-checks, builds what the tests run (the CLI with
// tsc, the app with electron-vite), runs the vitest suites, and ends with one summary line
// `N passed, N failed, N skipped` that CI reads. Each check step counts as one test. How a vitest run
// is judged (failed hooks, load errors, exit status, skip reasons) is in scripts/test-summary.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runVitest } from './test-summary.mjs';

const root = new URL('..', import.meta.url).pathname;
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const skips = [];

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
  process.stdout.write(`\n=== ${name}\n`);
  const r = runVitest(root, configArgs);
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
  failures.push(...r.failures.map((f) => `${name}: ${f}`));
  skips.push(...r.skips);
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
if (skips.length) {
  // Every skip says why, grouped by reason so a missing dataset or tool reads as one line.
  const byReason = new Map();
  for (const k of skips) byReason.set(k.reason, [...(byReason.get(k.reason) ?? []), k]);
  process.stdout.write('Skipped:\n');
  for (const [reason, list] of byReason) {
    const files = [...new Set(list.map((k) => k.file))];
    process.stdout.write(`  - ${list.length} test${list.length > 1 ? 's' : ''} in ${files.join(', ')}: ${reason}\n`);
  }
}
if (failures.length) process.stdout.write(`Failed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(totals.failed === 0 ? 0 : 1);
