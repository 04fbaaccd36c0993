/**
 * The test runner judged by running it: `npm test` once printed "0 failed" and exited 0 while a suite's
 * beforeAll had thrown (issue 14). Runs vitest with scripts/test-summary.mjs on the tiny fixture project
 * tests/fixtures/runner (one file per way a run can go wrong) and checks each is counted as it must be.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runVitest, summarise } from '../../scripts/test-summary.mjs';
import { repoRoot } from '../helpers/data.js';

const config = ['--config', join('tests', 'fixtures', 'runner', 'vitest.config.ts')];
const run = (...files: string[]) => runVitest(repoRoot, [...config, ...files], { quiet: true });

describe('scripts/test-summary.mjs on real vitest runs', () => {
  it('a clean run passes and exits 0', () => {
    const r = run('pass.case');
    expect(r.status).toBe(0);
    expect([r.passed, r.failed, r.skipped]).toEqual([1, 0, 0]);
  }, 60_000);

  it('a failed hook, a file that cannot load, a failed test, a reasonless skip and an unhandled error all fail', () => {
    const r = run('fail.case', 'hook.case', 'load.case', 'skip-silent.case', 'unhandled.case');
    expect(r.status).not.toBe(0);
    const has = (re: RegExp) => expect(r.failures.some((f) => re.test(f)), `${re} in\n${r.failures.join('\n')}`).toBe(true);
    has(/fail\.case\.ts › is wrong: expected 1 to be 2/);
    // The two tests behind the throwing beforeAll are failures, not skips.
    has(/hook\.case\.ts › needs a browser: a hook failed: Failed to launch chromium \(2 tests not run\)/);
    has(/load\.case\.ts: failed to load or run: cannot load this file/);
    has(/skip-silent\.case\.ts › forgotten: skipped without a reason/);
    has(/unhandled error: late failure/);
    // passes: fail.case 1, hook.case 1 (outside the suite), unhandled.case 1
    expect(r.passed).toBe(3);
    expect(r.failed).toBe(1 + 2 + 1 + 1 + 1);
    expect(r.skipped).toBe(0);
  }, 60_000);

  it('skips with a reason are counted and keep it', () => {
    const r = run('skip-note.case', 'skip-reason.case');
    expect(r.status).toBe(0);
    expect(r.failed).toBe(0);
    expect(r.skips.map((k) => k.reason).sort()).toEqual(['fixture data: /nowhere not found', 'tool not installed']);
  }, 60_000);
});

describe('summarise on crafted reports', () => {
  const mod = (over: object) => ({ file: '/r/a.test.ts', state: 'passed', errors: [], suites: [], tests: [], skipLines: [], ...over });
  const report = (modules: object[], over: object = {}) => ({ reason: 'passed', unhandledErrors: [], modules, ...over });

  it('no report is a failure naming the exit status', () => {
    expect(summarise(null, 1).failures).toEqual(['vitest exited 1 without writing a report']);
  });

  it('a non-zero exit with every test passed is a failure', () => {
    const s = summarise(report([mod({ tests: [{ name: 't', suites: [], state: 'passed', errors: [] }] })]), 1, '/r');
    expect([s.passed, s.failed]).toEqual([1, 1]);
    expect(s.failures).toEqual(['vitest exited 1 although no test failed']);
  });

  it('a file marked failed without a failing test is a failure', () => {
    expect(summarise(report([mod({ state: 'failed' })]), 1, '/r').failures).toEqual(['a.test.ts: vitest marked the file failed']);
  });

  it('an afterAll that throws after its tests passed is one failure', () => {
    const s = summarise(report([mod({ suites: [{ name: 's', errors: ['cleanup'] }], tests: [{ name: 's > t', suites: ['s'], state: 'passed', errors: [] }] })]), 1, '/r');
    expect([s.passed, s.failed]).toEqual([1, 1]);
    expect(s.failures).toEqual(['a.test.ts › s: a hook failed: cleanup']);
  });

  it('an interrupted run is a failure', () => {
    expect(summarise(report([], { reason: 'interrupted' }), 0).failures).toEqual(['the run was interrupted']);
  });
});
