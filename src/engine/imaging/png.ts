/** PNG decode/encode with pngjs. Grey (+alpha) PNGs stay 1 channel; 16-bit PNGs keep their 65535 levels. */
import { PNG, type PNGWithMetadata } from 'pngjs';
import { describeThrown, ImageDecodeError } from './errors.js';
import { assertFinite } from './finite.js';
import { checkImageSize } from './limits.js';
import type { RasterImage } from './types.js';

/** Width, height and samples per pixel from IHDR, read before pngjs allocates anything. */
function ihdrSize(bytes: Uint8Array): [number, number, number] | undefined {
  const isIhdr = bytes.length >= 26 && String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]) === 'IHDR';
  if (!isIhdr) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // samples per pixel as stored: grey 1, grey+alpha 2, RGB 3, palette 3 (after lookup), RGBA 4
  const samples = ({ 0: 1, 4: 2, 2: 3, 3: 3, 6: 4 } as Record<number, number>)[bytes[25]] ?? 4;
  return [v.getUint32(16), v.getUint32(20), samples];
}

export function decodePng(bytes: Uint8Array, label: string, path?: string, beforeDecode?: (samples: number) => void): RasterImage {
  const size = ihdrSize(bytes);
  if (!size) throw new ImageDecodeError(`${label}: not a readable PNG file (no IHDR header; truncated or corrupt)`);
  checkImageSize(label, size[0], size[1], size[2]);
  beforeDecode?.(size[0] * size[1] * size[2]);
  let png: PNGWithMetadata;
  try {
    // 16-bit data stays 16-bit (pngjs would otherwise scale it to 8 bits)
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (e) {
    throw new ImageDecodeError(`${label}: not a readable PNG file (${describeThrown(e)})`, { cause: e });
  }
  const grey = png.colorType === 0 || png.colorType === 4;
  const channels = grey ? 1 : 3;
  const sixteen = png.depth === 16;
  const max = sixteen ? 65535 : 255;
  const src: ArrayLike<number> = sixteen
    ? new Uint16Array(png.data.buffer, png.data.byteOffset, Math.floor(png.data.byteLength / 2)) // not `>> 1`: int32 overflows past 2 GB
    : png.data;
  const n = png.width * png.height;
  if (src.length < n * 4) throw new ImageDecodeError(`${label}: not a readable PNG file (it decoded to fewer pixels than its header says)`);
  const data = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) data[i * channels + c] = src[i * 4 + c] / max;
  }
  assertFinite(label, data, channels);
  return { width: png.width, height: png.height, channels, data, levels: max, source: { format: 'png', path } };
}

/** 8-bit grey or RGB PNG of [0,1] samples, round(x·255) after clipping. */
export function encodePngBytes(width: number, height: number, channels: 1 | 3, samples: ArrayLike<number>, scale: number): Uint8Array {
  const png = new PNG({ width, height, colorType: channels === 1 ? 0 : 2, inputColorType: channels === 1 ? 0 : 2, inputHasAlpha: false });
  const buf = Buffer.alloc(width * height * channels);
  for (let i = 0; i < buf.length; i++) buf[i] = Math.min(255, Math.max(0, Math.round(samples[i] * scale)));
  png.data = buf;
  const out = PNG.sync.write(png, { colorType: channels === 1 ? 0 : 2, inputColorType: channels === 1 ? 0 : 2, inputHasAlpha: false });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
