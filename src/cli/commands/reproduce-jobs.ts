/**
 * `vlsm-audit reproduce --jobs N`: the protocol cut into shards that up to N child processes of this CLI
 * run (the hidden `reproduce-worker` command, reproduce-worker.ts), merged back in image order so that
 * the document is byte-identical to the serial run's.
 *
 * A shard is one model on one dataset over a contiguous range of WHOLE batches. An image's result depends
 * on its batch, not only on itself: every batch is attacked with the same seed, and a random draw (the
 * uniform-noise row, PGD's random start) covers the whole [B,C,H,W] batch, so the noise an image gets
 * depends on its position in the batch. Cut at multiples of --batch, every batch holds the same images in
 * the same order and sees the same seed as in the serial run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageMetrics } from '../../engine/attacks/index.js';
import type { ProtocolRow, ProtocolSettings } from './reproduce.js';
import { UserError } from '../../engine/errors.js';

/** One table of the document: one model on one dataset. */
export interface ProtocolPart {
  /** "film-unet ph2": names the part in progress lines and errors. */
  label: string;
  modelDir: string;
  dataDir: string;
  ids: readonly string[];
  rows: readonly ProtocolRow[];
}

/** Everything a worker needs for one shard, so that it reads no options of its own. */
export interface ShardSpec {
  modelDir: string;
  dataDir: string;
  ids: readonly string[];
  rows: readonly ProtocolRow[];
  settings: ProtocolSettings;
  /** File the worker writes encodeMetrics(rows × images) to. */
  out: string;
}

export type ToWorker = { type: 'shard'; shard: ShardSpec };
export type FromWorker = { type: 'progress'; done: number } | { type: 'done' } | { type: 'error'; message: string };

/** A shard's child failed (its own error, or it died); the message names the shard. */
export class ShardError extends UserError {
  override name = 'ShardError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('runtime', message, options);
  }
}

/** The compiled CLI entry beside this file (dist/cli/index.js), whatever launched the parent. */
const CLI_ENTRY = fileURLToPath(new URL('../index.js', import.meta.url));

/**
 * [start, end) image ranges that cut n images into at most `parts` runs of whole batches, as even as
 * whole batches allow (sizes differ by at most one batch); only the last range may end in a short batch.
 */
export function shardRanges(n: number, batch: number, parts: number): Array<[number, number]> {
  const batches = Math.ceil(n / batch);
  const k = Math.min(parts, batches);
  return Array.from({ length: k }, (_, i) => [Math.floor((i * batches) / k) * batch, Math.min(n, Math.floor(((i + 1) * batches) / k) * batch)]);
}

// JSON cannot hold NaN, ±Infinity (SSIM of tiny images, PSNR of unchanged ones, empty-mask distances) or
// −0; they travel as {"$number": "NaN"} so that the merged metrics equal the serial ones bit for bit.
const NUMBER_KEY = '$number';

export function encodeMetrics(metrics: readonly (readonly ImageMetrics[])[]): string {
  return JSON.stringify(metrics, (_key, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { [NUMBER_KEY]: Object.is(v, -0) ? '-0' : String(v) } : v));
}

export function decodeMetrics(text: string): ImageMetrics[][] {
  return JSON.parse(text, (_key, v: unknown) => (typeof v === 'object' && v !== null && NUMBER_KEY in v ? Number((v as Record<string, string>)[NUMBER_KEY]) : v)) as ImageMetrics[][];
}

/** One `\r` progress line per part, as the serial run writes, from the workers' counts added up. */
function progressLines(parts: readonly ProtocolPart[]) {
  const done = parts.map(() => 0);
  const started = parts.map(() => 0);
  let width = 0;
  const write = (text: string, end = '') => {
    process.stderr.write(`\r${text.padEnd(width)}${end}`);
    width = end ? 0 : text.length;
  };
  return {
    start(part: number) {
      started[part] ||= performance.now();
    },
    add(part: number, images: number) {
      done[part] += images;
      const p = parts[part];
      const line = `${p.label} ${done[part]}/${p.ids.length}`;
      if (done[part] < p.ids.length) write(line);
      else write(line, ` (${((performance.now() - started[part]) / 1000).toFixed(0)} s)\n`);
    },
    /** Ends an unfinished line, so that an error message starts on its own. */
    interrupt() {
      if (width > 0) process.stderr.write('\n');
      width = 0;
    },
  };
}

/**
 * Runs every part's shards in up to `jobs` workers (each with `threads` intra-op threads) and returns,
 * per part, per row, the per-image metrics in image order. A failing shard kills every worker and
 * rejects with a ShardError naming it.
 */
export async function runJobs(parts: readonly ProtocolPart[], settings: ProtocolSettings, opts: { jobs: number; threads: number }): Promise<ImageMetrics[][][]> {
  const tmp = mkdtempSync(join(tmpdir(), 'vlsm-reproduce-'));
  // Part-major order: the workers share a part at a time, and each loads a model once per model.
  const shards = parts.flatMap((p, part) => shardRanges(p.ids.length, settings.batch, opts.jobs).map(([start, end]) => ({ part, start, end })));
  const results: ImageMetrics[][][] = shards.map(() => []);
  const progress = progressLines(parts);
  const describe = (i: number) => {
    const s = shards[i];
    return `shard ${i + 1}/${shards.length} (${parts[s.part].label}, test images ${s.start + 1}–${s.end})`;
  };
  try {
    await new Promise<void>((resolveAll, reject) => {
      const workers: ChildProcess[] = [];
      let next = 0;
      let exited = 0;
      let failed = false;
      const fail = (i: number, message: string) => {
        if (failed) return;
        failed = true;
        for (const w of workers) w.kill();
        progress.interrupt();
        reject(new ShardError(`${describe(i)} failed: ${message}`));
      };
      const startWorker = () => {
        const child = fork(CLI_ENTRY, ['reproduce-worker', '--threads', String(opts.threads)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
        workers.push(child);
        let current = -1;
        let lastDone = 0;
        let stderr = '';
        child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
        const give = () => {
          if (next === shards.length) {
            current = -1;
            child.disconnect(); // the worker frees its model and exits
            return;
          }
          current = next++;
          lastDone = 0;
          const s = shards[current];
          const p = parts[s.part];
          progress.start(s.part);
          const msg: ToWorker = { type: 'shard', shard: { modelDir: p.modelDir, dataDir: p.dataDir, ids: p.ids.slice(s.start, s.end), rows: p.rows, settings, out: join(tmp, `shard-${current}.json`) } };
          child.send(msg);
        };
        child.on('message', (m: FromWorker) => {
          if (failed || current < 0) return;
          if (m.type === 'progress') {
            progress.add(shards[current].part, m.done - lastDone);
            lastDone = m.done;
          } else if (m.type === 'done') {
            results[current] = decodeMetrics(readFileSync(join(tmp, `shard-${current}.json`), 'utf8'));
            give();
          } else {
            fail(current, m.message);
          }
        });
        child.on('error', (e) => fail(Math.max(current, 0), e.message));
        child.on('exit', (code, signal) => {
          if (current >= 0) {
            const last = stderr.trim().split('\n').at(-1);
            fail(current, `the worker exited with ${signal ?? `code ${code}`}${last ? ` (${last})` : ''}`);
          } else if (++exited === workers.length && !failed) {
            resolveAll();
          }
        });
        give();
      };
      if (shards.length === 0) resolveAll();
      for (let i = 0; i < Math.min(opts.jobs, shards.length); i++) startWorker();
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // Shards are in part order and, within a part, in image order: concatenating them per row restores it.
  return parts.map((p, part) => p.rows.map((_, k) => shards.flatMap((s, i) => (s.part === part ? results[i][k] : []))));
}
