/** JPEG files (not DICOM-encapsulated) through the same libjpeg-turbo WASM codec as DICOM baseline JPEG. */
import { jpegFrameHeader } from './codestream.js';
import { decodeJpegBaseline, prepareCodec } from './codecs.js';
import { describeThrown, ImageDecodeError } from './errors.js';
import { assertFinite } from './finite.js';
import { checkImageSize } from './limits.js';
import type { RasterImage } from './types.js';

/** Width and height from the first SOFn marker, so huge images are refused before decoding. */
export function jpegSize(bytes: Uint8Array): [number, number] | undefined {
  const f = jpegFrameHeader(bytes);
  return f ? [f.width, f.height] : undefined;
}

export async function decodeJpegFile(bytes: Uint8Array, label: string, path?: string, beforeDecode?: (samples: number) => void): Promise<RasterImage> {
  const frame = jpegFrameHeader(bytes);
  if (!frame) throw new ImageDecodeError(`${label}: not a readable JPEG file (no frame header found; truncated or corrupt)`);
  checkImageSize(label, frame.width, frame.height, Math.max(1, frame.components));
  if (frame.precision !== 8) {
    throw new ImageDecodeError(`${label}: ${frame.precision}-bit JPEG is not supported (8-bit grey or colour only)`);
  }
  await prepareCodec('jpeg-baseline');
  beforeDecode?.(frame.width * frame.height * Math.max(1, frame.components));
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
  assertFinite(label, data, channels);
  return { width: out.width, height: out.height, channels, data, levels: 255, source: { format: 'jpeg', path } };
}
