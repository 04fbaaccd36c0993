/**
 * The decode budget, checked from headers before anything is allocated or decompressed. A small file can
 * declare a huge image (a 1.3 KB JPEG 2000 DICOM declaring 16384² decoded to 5.6 GB), so the budget is on
 * what a frame decodes to, not on the file:
 *
 *   samples per frame = width × height × samples per pixel ≤ maxFrameSamples
 *     default 4096 × 4096 × 3 = 50,331,648 (a 4k RGB frame; any CT/MR/CR/DX/US frame fits);
 *     the pipeline holds a few float copies of a frame, ~1.5 GB at this size
 *   each side ≤ maxSide (default 16384)
 *   file size ≤ maxFileBytes (default 1 GiB; multi-frame series are decoded frame by frame, so only one
 *     frame's budget is ever decoded at once)
 *
 * Override with environment variables (read when first needed; a decode worker inherits them):
 *   VLSM_DECODE_MAX_FRAME_SAMPLES, VLSM_DECODE_MAX_SIDE, VLSM_DECODE_MAX_FILE_MB
 * or with setDecodeLimits() in-process. docs/reliability.md lists them with the worker's memory/time bounds.
 */
import { ImageDecodeError } from './errors.js';

export interface DecodeLimits {
  maxFrameSamples: number;
  maxSide: number;
  maxFileBytes: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxFrameSamples: 4096 * 4096 * 3,
  maxSide: 16384,
  maxFileBytes: 1024 * 2 ** 20,
});

/** Largest side we decode (default; see getDecodeLimits for the one in force). */
export const MAX_SIDE = DEFAULT_DECODE_LIMITS.maxSide;
/** Default largest number of samples one frame may decode to. */
export const MAX_FRAME_SAMPLES = DEFAULT_DECODE_LIMITS.maxFrameSamples;

let current: DecodeLimits | undefined;

function envLimit(name: string, fallback: number, scale = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return Math.floor(fallback * scale);
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new ImageDecodeError(`${name} must be a positive number (got "${raw}")`);
  return Math.floor(v * scale);
}

export function getDecodeLimits(): Readonly<DecodeLimits> {
  current ??= {
    maxFrameSamples: envLimit('VLSM_DECODE_MAX_FRAME_SAMPLES', DEFAULT_DECODE_LIMITS.maxFrameSamples),
    maxSide: envLimit('VLSM_DECODE_MAX_SIDE', DEFAULT_DECODE_LIMITS.maxSide),
    maxFileBytes: envLimit('VLSM_DECODE_MAX_FILE_MB', DEFAULT_DECODE_LIMITS.maxFileBytes / 2 ** 20, 2 ** 20),
  };
  return current;
}

/** Overrides some limits for this process (tests, embedding); `undefined` restores env/defaults. */
export function setDecodeLimits(limits: Partial<DecodeLimits> | undefined): void {
  current = undefined;
  if (limits) current = { ...getDecodeLimits(), ...limits };
}

const mega = (n: number): string => `${Math.round(n / 1e5) / 10} M`;

/**
 * Throws before anything is allocated when a frame claims a size we refuse to decode. `samples` is the
 * number of samples per pixel the decoder will produce.
 */
export function checkImageSize(label: string, width: number, height: number, samples = 1): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ImageDecodeError(`${label}: invalid image size ${width}x${height}`);
  }
  const { maxSide, maxFrameSamples } = getDecodeLimits();
  if (width > maxSide || height > maxSide) {
    throw new ImageDecodeError(`${label}: image of ${width}x${height} is too large to decode (limit ${maxSide} px per side; VLSM_DECODE_MAX_SIDE)`);
  }
  const total = width * height * samples;
  if (total > maxFrameSamples) {
    throw new ImageDecodeError(
      `${label}: image of ${width}x${height}${samples > 1 ? `x${samples} samples` : ''} is too large to decode ` +
        `(${mega(total)} samples per frame, limit ${mega(maxFrameSamples)}; VLSM_DECODE_MAX_FRAME_SAMPLES)`,
    );
  }
}

/** Refuses a file larger than the budget before it is read. */
export function checkFileSize(label: string, bytes: number): void {
  const { maxFileBytes } = getDecodeLimits();
  if (bytes > maxFileBytes) {
    throw new ImageDecodeError(
      `${label}: file of ${Math.round(bytes / 2 ** 20)} MB is larger than the ${Math.round(maxFileBytes / 2 ** 20)} MB limit (VLSM_DECODE_MAX_FILE_MB)`,
    );
  }
}
