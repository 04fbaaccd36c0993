/**
 * The decoder side of the fuzz harness (scripts/fuzz/): decodes one mutated file the way the app does
 * (loadImage, in this worker, under the same size-scaled time bound as imaging-tasks.ts) and classifies
 * the outcome instead of throwing, so a worker survives thousands of rejected cases; and decodes the codec
 * canaries, whose checksums must not change however many corrupt files went through the same codecs.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ImageDecodeError, loadImage } from '../imaging/index.js';
import { frameDecodeMs } from './imaging-tasks.js';
import type { TaskContext } from './tasks.js';

export type FuzzDecodeOutcome =
  | { outcome: 'decoded'; width: number; height: number; channels: number; problem: string | null }
  | { outcome: 'rejected'; message: string; problem: string | null }
  | { outcome: 'bug'; name: string; message: string; stack: string };

export type FuzzArgs = { kind: 'decode'; bytes: Uint8Array; label: string } | { kind: 'canary'; paths: string[] };

/** What is wrong with a successful decode, if anything: every sample finite and in [0, 1]. */
function checkRaster(data: Float32Array): string | null {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) return `non-finite sample ${v} at ${i}`;
    if (v < 0 || v > 1) return `sample ${v} at ${i} outside [0, 1]`;
  }
  return null;
}

async function decodeCase(bytes: Uint8Array, ctx: TaskContext): Promise<FuzzDecodeOutcome> {
  try {
    const img = await loadImage(bytes, { beforeFrameDecode: (n) => ctx.limitTime(frameDecodeMs(n)) });
    const problem = checkRaster(img.data) ?? (img.data.length === img.width * img.height * img.channels ? null : 'sample count does not match the size');
    return { outcome: 'decoded', width: img.width, height: img.height, channels: img.channels, problem };
  } catch (e) {
    if (e instanceof ImageDecodeError) {
      // a user-facing error: one line, naming the source
      const problem = e.message.includes('\n') ? 'message has several lines' : e.message.startsWith('image bytes') ? null : 'message does not name the source';
      return { outcome: 'rejected', message: e.message, problem };
    }
    const err = e instanceof Error ? e : new Error(`non-Error thrown: ${String(e)}`);
    return { outcome: 'bug', name: err.name, message: err.message, stack: err.stack ?? '' };
  }
}

/** sha256 of each canary's decoded samples (or of its error message). */
async function canaries(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    try {
      const img = await loadImage(new Uint8Array(await readFile(p)));
      out.push(createHash('sha256').update(new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength)).digest('hex'));
    } catch (e) {
      out.push(`error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

export async function fuzzTask(args: FuzzArgs, ctx: TaskContext): Promise<FuzzDecodeOutcome | string[]> {
  return args.kind === 'decode' ? decodeCase(args.bytes, ctx) : canaries(args.paths);
}
