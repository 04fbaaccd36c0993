/**
 * Colour conversions for DICOM photometric interpretations (PS3.3 C.7.6.3.1.2). All functions work on
 * pixel-interleaved samples and return new arrays.
 */

/** Planar configuration 1 (RRR…GGG…BBB…) → pixel-interleaved (RGBRGB…). */
export function planarToInterleaved(planar: Float64Array, samples: number): Float64Array {
  const n = Math.floor(planar.length / samples);
  const out = new Float64Array(n * samples);
  for (let c = 0; c < samples; c++) for (let i = 0; i < n; i++) out[i * samples + c] = planar[c * n + i];
  return out;
}

/**
 * YBR_FULL_422 as stored natively: each horizontal pixel pair is Y0 Y1 Cb Cr. Returns full YBR_FULL
 * (Y Cb Cr per pixel), the chroma repeated for both pixels of the pair.
 */
export function expandYbr422(packed: Float64Array, width: number, height: number): Float64Array {
  const out = new Float64Array(width * height * 3);
  let src = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x += 2) {
      const y0 = packed[src];
      const y1 = packed[src + 1];
      const cb = packed[src + 2];
      const cr = packed[src + 3];
      src += 4;
      const o = (y * width + x) * 3;
      out[o] = y0;
      out[o + 1] = cb;
      out[o + 2] = cr;
      if (x + 1 < width) {
        out[o + 3] = y1;
        out[o + 4] = cb;
        out[o + 5] = cr;
      }
    }
  }
  return out;
}

/**
 * YCbCr (full range, ITU-R BT.601 as in PS3.3 C.7.6.3.1.2) → RGB, rounded and clipped to [0, maxValue]:
 * R = Y + 1.402 (Cr−h), G = Y − 0.344136 (Cb−h) − 0.714136 (Cr−h), B = Y + 1.772 (Cb−h), h = (maxValue+1)/2.
 */
export function ybrFullToRgb(ybr: Float64Array, maxValue: number): Float64Array {
  const out = new Float64Array(ybr.length);
  const half = (maxValue + 1) / 2;
  const clip = (v: number): number => Math.min(maxValue, Math.max(0, Math.round(v)));
  for (let i = 0; i + 2 < ybr.length; i += 3) {
    const y = ybr[i];
    const cb = ybr[i + 1] - half;
    const cr = ybr[i + 2] - half;
    out[i] = clip(y + 1.402 * cr);
    out[i + 1] = clip(y - 0.344136 * cb - 0.714136 * cr);
    out[i + 2] = clip(y + 1.772 * cb);
  }
  return out;
}
