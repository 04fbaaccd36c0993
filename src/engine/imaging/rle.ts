/**
 * DICOM RLE Lossless (PS3.5 Annex G). A frame is a 64-byte header (segment count, then 15 little-endian
 * offsets) followed by PackBits segments: one segment per byte of each sample, most significant byte
 * first, sample by sample (all R MSBs, all R LSBs, all G MSBs, …). Output is pixel-interleaved,
 * little-endian bytes, i.e. the same layout as native Explicit VR Little Endian pixel data.
 */
export function decodeRleFrame(
  encoded: Uint8Array,
  pixels: number,
  samplesPerPixel: number,
  bytesPerSample: number,
): Uint8Array {
  if (encoded.length < 64) throw new Error(`RLE frame is ${encoded.length} bytes, shorter than its 64-byte header`);
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const segments = view.getUint32(0, true);
  const expected = samplesPerPixel * bytesPerSample;
  if (segments !== expected) throw new Error(`RLE frame has ${segments} segments, expected ${expected}`);
  const out = new Uint8Array(pixels * expected);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : encoded.length;
    if (start < 64 || end > encoded.length || end < start) throw new Error(`RLE segment ${s + 1} has invalid offsets`);
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample); // MSB segment first → highest LE byte
    const stride = expected;
    let o = sample * bytesPerSample + byteInSample;
    let written = 0;
    let i = start;
    while (i < end && written < pixels) {
      const n = encoded[i++];
      if (n < 128) {
        // literal run of n+1 bytes
        for (let k = 0; k <= n && written < pixels && i < end; k++, written++, o += stride) out[o] = encoded[i++];
      } else if (n > 128) {
        // replicate the next byte 257-n times (PackBits -n+1)
        const v = encoded[i++];
        for (let k = 0; k < 257 - n && written < pixels; k++, written++, o += stride) out[o] = v;
      } // n === 128 (-128) is a no-op
    }
    if (written < pixels) throw new Error(`RLE segment ${s + 1} decodes to ${written} of ${pixels} bytes`);
  }
  return out;
}
