/**
 * The job pool against real worker processes (the `selftest:run` task misbehaves on request): results
 * and typed arrays cross the boundary, the bounds stop a runaway worker, errors keep their class, and a
 * worker that failed or was cancelled is never reused.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ImageDecodeError } from '../../../src/engine/imaging/errors.js';
import { JobError, JobPool, type JobProgress } from '../../../src/engine/jobs/index.js';

const pools: JobPool[] = [];
function pool(opts: ConstructorParameters<typeof JobPool>[0] = {}): JobPool {
  const p = new JobPool({ maxWorkers: 1, ...opts });
  pools.push(p);
  return p;
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the job to fail');
}

describe('JobPool', () => {
  it('returns results with typed arrays, reports progress and reuses a worker after a success', async () => {
    const p = pool();
    const value = { samples: new Float32Array([0.25, Number.NaN, 1]), nested: [1, 'two'] };
    expect(await p.run('selftest:run', { kind: 'echo', value })).toEqual(value);
    const seen: JobProgress[] = [];
    expect(await p.run('selftest:run', { kind: 'progress', steps: 3, ms: 1 }, { onProgress: (x) => seen.push(x) })).toBe(3);
    expect(seen.map((s) => s.fraction)).toEqual([1 / 3, 2 / 3, 1]);
    expect(await p.run('selftest:run', { kind: 'count' })).toBe(3); // third job in the same process
    expect(p.stats().workersStarted).toBe(1);
  });

  it('stops a job stuck in synchronous code at its time bound while the caller keeps running', async () => {
    const p = pool({ timeoutMs: 600 });
    let callerTicks = 0;
    const tick = setInterval(() => callerTicks++, 20);
    const e = await rejection(p.run('selftest:run', { kind: 'spin', ms: 60_000 }));
    clearInterval(tick);
    expect(e).toBeInstanceOf(JobError);
    expect((e as JobError).reason).toBe('timeout');
    expect(e.message).toMatch(/did not finish within 0\.6 s/);
    expect(callerTicks).toBeGreaterThan(3); // the caller's event loop ran during the spin
  });

  it('lets a task tighten its time bound but never extend it', async () => {
    const p = pool({ timeoutMs: 60_000 });
    const e = await rejection(p.run('selftest:run', { kind: 'deadline', limitMs: 300, ms: 60_000 }));
    expect((e as JobError).reason).toBe('timeout');
    expect((e as JobError).limit).toBe(300);
    const q = pool({ timeoutMs: 800 });
    const f = await rejection(q.run('selftest:run', { kind: 'deadline', limitMs: 120_000, ms: 60_000 }));
    expect((f as JobError).limit).toBe(800);
  });

  it('kills a worker whose resident memory passes the bound', async () => {
    const p = pool({ memoryMb: 300, timeoutMs: 60_000 });
    const e = await rejection(p.run('selftest:run', { kind: 'allocate', mb: 4000, stepMb: 32 }));
    expect((e as JobError).reason).toBe('memory');
    expect(e.message).toMatch(/more than 300 MB/);
    expect(p.stats().peakRssMb).toBeGreaterThan(300);
    expect(p.stats().peakRssMb).toBeLessThan(1500); // polled every 50 ms: caught long before 4000 MB
  });

  it('reports a dead worker as crashed and runs the next job in a fresh one', async () => {
    const p = pool();
    expect(await p.run('selftest:run', { kind: 'count' })).toBe(1);
    const e = await rejection(p.run('selftest:run', { kind: 'exit', code: 3 }));
    expect((e as JobError).reason).toBe('crashed');
    expect(e.message).toMatch(/exit code 3/);
    expect(await p.run('selftest:run', { kind: 'count' })).toBe(1);
  });

  it('rebuilds known error classes, keeps bare throws as named errors, and discards the failed worker', async () => {
    const p = pool();
    const decode = await rejection(p.run('selftest:run', { kind: 'throw', name: 'ImageDecodeError', message: 'x.dcm: corrupt' }));
    expect(decode).toBeInstanceOf(ImageDecodeError);
    expect(decode.message).toBe('x.dcm: corrupt');
    const bare = await rejection(p.run('selftest:run', { kind: 'throw-string', message: 'dicomParser: oops' }));
    expect(bare.name).toBe('NonErrorThrown');
    expect(bare.message).toBe('dicomParser: oops');
    expect(await p.run('selftest:run', { kind: 'count' })).toBe(1);
    expect(p.stats().workersStarted).toBe(3);
  });

  it('cancels a running job: no progress after the cancel, and its worker is not reused', async () => {
    const p = pool({ cancelGraceMs: 200 });
    const abort = new AbortController();
    const seen: number[] = [];
    const job = p.run('selftest:run', { kind: 'progress', steps: 50, ms: 20 }, {
      signal: abort.signal,
      onProgress: (x) => {
        seen.push(x.fraction ?? -1);
        if (seen.length === 2) abort.abort();
      },
    });
    const e = await rejection(job);
    expect((e as JobError).reason).toBe('cancelled');
    expect(seen).toHaveLength(2);
    expect(await p.run('selftest:run', { kind: 'count' })).toBe(1);
    const pre = new AbortController();
    pre.abort();
    expect(((await rejection(p.run('selftest:run', { kind: 'count' }, { signal: pre.signal }))) as JobError).reason).toBe('cancelled');
  });

  it('queues beyond maxWorkers, refuses beyond maxQueue and rejects waiting jobs on close', async () => {
    const p = pool({ maxWorkers: 1, maxQueue: 1 });
    const first = p.run('selftest:run', { kind: 'sleep', ms: 300 });
    const second = p.run('selftest:run', { kind: 'count' });
    expect(((await rejection(p.run('selftest:run', { kind: 'count' }))) as JobError).reason).toBe('queue-full');
    await first;
    expect(await second).toBe(2); // ran after the first, in the same worker
    const running = p.run('selftest:run', { kind: 'sleep', ms: 60_000 });
    await p.close();
    expect(((await rejection(running)) as JobError).reason).toBe('closed');
  });
});
