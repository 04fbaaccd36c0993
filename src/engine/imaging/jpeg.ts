/** JPEG files (not DICOM-encapsulated) through the same libjpeg-turbo WASM codec as DICOM baseline JPEG. */
import { decodeJpegBaseline, prepareCodec } from './codecs.js';
import { describeThrown, ImageDecodeError } from './errors.js';
import { checkImageSize } from './limits.js';
import type { RasterImage } from './types.js';

/** Width and height from the first SOFn marker, so huge images are refused before decoding. */
export function jpegSize(bytes: Uint8Array): [number, number] | undefined {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1];
    const len = (bytes[i + 2] << 8) | bytes[i + 3];
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return [(bytes[i + 7] << 8) | bytes[i + 8], (bytes[i + 5] << 8) | bytes[i + 6]];
    i += 2 + len;
  }
  return undefined;
}

export async function decodeJpegFile(bytes: Uint8Array, label: string, path?: string): Promise<RasterImage> {
  const size = jpegSize(bytes);
  if (!size) throw new ImageDecodeError(`${label}: not a readable JPEG file (no frame header found; truncated or corrupt)`);
  checkImageSize(label, size[0], size[1]);
  await prepareCodec('jpeg-baseline');
  let out;
  try {
    out = decodeJpegBaseline(bytes);
  } catch (e) {
    throw new ImageDecodeError(`${label}: not a readable JPEG file (${describeThrown(e)})`, { cause: e });
  }
  if (out.bitsPerSample !== 8 || (out.components !== 1 && out.components !== 3)) {
    throw new ImageDecodeError(`${label}: JPEG with ${out.components} components of ${out.bitsPerSample} bits is not supported (8-bit grey or colour only)`);
  }
  const channels = out.components as 1 | 3;
  const n = out.width * out.height * channels;
  if (out.samples.length < n) throw new ImageDecodeError(`${label}: JPEG decoded to fewer samples than its size says (truncated?)`);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = out.samples[i] / 255;
  return { width: out.width, height: out.height, channels, data, levels: 255, source: { format: 'jpeg', path } };
}
