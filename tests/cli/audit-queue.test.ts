/**
 * Scale-out acceptance: a real redis-server (Debian package) on a random loopback port, a coordinator
 * (`audit PLAN --queue URL`) and two `worker` processes; one worker is killed with SIGKILL mid-run. The
 * coordinator still finishes, and its store equals a local run's: nothing lost, nothing duplicated,
 * same keys and metrics bit for bit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inCI, skipWithoutData } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { cellsDone, SMALL_PLAN_CELLS, startCli, storeFingerprint, waitFor, writeSmallPlan } from './audit-helpers.js';
import { runCli } from './run-cli.js';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis) {
  if (inCI) throw new Error('redis-server (Debian package redis-server) is missing; CI=true requires it for the queue test.');
  console.warn('SKIP queue test: redis-server is not installed (apt-get install redis-server).');
}

const tmp = tempDir();
const started: ChildProcess[] = [];
afterAll(() => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  tmp.remove();
});

/** redis-server on a random free loopback port, no persistence. */
async function startRedis(): Promise<{ url: string; proc: ChildProcess }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 40000);
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(proc);
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitFor(() => out.includes('Ready to accept connections') || proc.exitCode !== null, 10_000, 'redis-server');
    } catch {
      // fall through to the check below
    }
    if (out.includes('Ready to accept connections')) return { url: `redis://127.0.0.1:${port}`, proc };
    proc.kill('SIGKILL');
  }
  throw new Error('redis-server did not start on any of 5 random ports');
}

describe.skipIf(skipWithoutData || !hasRedis)('vlsm-audit audit --queue + worker', () => {
  it('2 workers, one killed with SIGKILL mid-run: every cell stored once, equal to a local run', async () => {
    const plan = writeSmallPlan(tmp.path);
    const local = join(tmp.path, 'local.sqlite');
    const a = runCli(['audit', plan, '--db', local, '--threads', '1']);
    expect(a.status, a.stderr).toBe(0);

    const { url } = await startRedis();
    const queued = join(tmp.path, 'queued.sqlite');
    // short locks so that the killed worker's task goes back to the queue within seconds
    const w1 = startCli(['worker', '--queue', url, '--threads', '1', '--lock-ms', '3000']);
    const w2 = startCli(['worker', '--queue', url, '--threads', '1', '--lock-ms', '3000']);
    started.push(w1.child, w2.child);
    const coord = startCli(['audit', plan, '--db', queued, '--queue', url, '--json']);
    started.push(coord.child);
    // kill worker 1 once it has finished a task and is (most likely) in the middle of its next
    await waitFor(() => /^done: /m.test(w1.stderr()), 180_000, 'worker 1 to finish a task');
    w1.child.kill('SIGKILL');
    expect(await w1.exited).toBeNull();
    const code = await Promise.race([coord.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 400_000))]);
    expect(code, coord.stderr()).toBe(0);
    expect(cellsDone(coord.lines)).toBe(SMALL_PLAN_CELLS);
    w2.child.kill('SIGTERM');
    expect(await w2.exited).toBe(0); // a clean shutdown on SIGTERM

    const x = storeFingerprint(local);
    const y = storeFingerprint(queued);
    expect(y.cells).toHaveLength(SMALL_PLAN_CELLS);
    expect(y.cells).toEqual(x.cells);
    expect(y.examples).toEqual(x.examples);
    expect(y.sessions.map((s) => [s.mode, s.status])).toEqual([['queue', 'done']]);
    // the surviving worker did the rest of the work
    expect((w2.stderr().match(/^done: /gm) ?? []).length).toBeGreaterThan(0);
  }, 600_000);

  it('an unreachable Redis is one sentence, not a hang', () => {
    const r = runCli(['worker', '--queue', 'redis://127.0.0.1:1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^vlsm-audit: Cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(/);
  });
});
