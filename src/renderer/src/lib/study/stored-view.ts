/**
 * A stored-domain result as the viewer shows it (issue 15): the perturbed study as real values in the
 * original's own units (modality values = stored·slope + intercept, HU for CT; PNG/JPEG samples as
 * stored), with the original's window and inversion, so one window/level applies to both; and the Δ map
 * in stored units (×slope = HU for CT) for the heat layer, its legend and the readout under the cursor.
 * No DOM and no Cornerstone: unit-tested in Node.
 */
import type { FramePixelsInfo } from '../../../../engine/api/contract.js';
import type { StoredResultInfo } from '../../../../engine/api/stored-contract.js';
import type { ViewImage } from '../viewport/view-image.js';
import { base64Bytes, base64Float32, toViewImage } from './frame-arrays.js';

export function base64Float64(b64: string): Float64Array {
  const bytes = base64Bytes(b64);
  return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
}

export interface StoredViews {
  original: ViewImage;
  perturbed: ViewImage;
  /** Δ stored per pixel (su), as an image with a symmetric window. */
  delta: ViewImage;
  /** The largest |Δ| in su (the heat map's full colour). */
  deltaMax: number;
}

function range(a: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < lo) lo = a[i];
    if (a[i] > hi) hi = a[i];
  }
  return [lo, hi];
}

/** The original frame (as `image:pixels` sent it) and the result's stored block → three viewer images of one size. */
export function storedViews(s: StoredResultInfo, frame: FramePixelsInfo): StoredViews {
  if (frame.width !== s.width || frame.height !== s.height || frame.channels !== s.channels) {
    throw new Error(`The result is ${s.width}×${s.height}×${s.channels} but the open frame is ${frame.width}×${frame.height}×${frame.channels}.`);
  }
  const original = toViewImage(frame, 0);
  const adv = base64Float64(s.adversarialStored);
  const plane = s.width * s.height;
  // grey: the original's modality LUT (engine: storedToRaster); colour: planar stored → interleaved RGB like image:pixels
  const data = s.channels === 1
    ? Float32Array.from(adv, (v) => v * s.rescale.slope + s.rescale.intercept)
    : Uint8Array.from({ length: 3 * plane }, (_, k) => adv[(k % 3) * plane + Math.floor(k / 3)]);
  const [min, max] = s.channels === 1 ? range(data) : [0, 255];
  const perturbed: ViewImage = { ...original, data, min, max };
  const d = base64Float32(s.delta);
  const deltaMax = Math.max(s.linf.su, 1e-6);
  const delta: ViewImage = { ...original, channels: 1, data: d, min: -deltaMax, max: deltaMax, window: { center: 0, width: 2 * deltaMax }, invert: false, modality: 'OT', units: 'su' };
  return { original, perturbed, delta, deltaMax };
}

const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(Math.round(x * 1000) / 1000)}`;

/** "Δ +3 su = +3 HU" — Δ in stored units, and in HU on CT (or modality units where a rescale changes them). */
export function deltaText(s: StoredResultInfo, su: number): string {
  const m = su * s.rescale.slope;
  if (s.scale.hu) return `Δ ${signed(su)} su = ${signed(m)} HU`;
  return s.rescale.slope !== 1 ? `Δ ${signed(su)} su = ${signed(m)} modality units` : `Δ ${signed(su)} su`;
}

/** The Δ at an image pixel of the result (row-major), for the readout under the cursor. */
export function deltaAt(s: StoredResultInfo, delta: Float32Array, x: number, y: number): string {
  if (x < 0 || y < 0 || x >= s.width || y >= s.height) return '';
  return deltaText(s, delta[y * s.width + x]);
}

/** The legend's end labels: "±12 su" and, for CT, "±12 HU". */
export function deltaLegend(s: StoredResultInfo): { max: string; hu: string | null } {
  const max = Math.round(s.linf.su * 1000) / 1000;
  return { max: `${max} su`, hu: s.scale.hu ? `${Math.round(s.linf.su * Math.abs(s.rescale.slope) * 1000) / 1000} HU` : null };
}
