/**
 * Lazy, once-only loading of the WASM / CJS pixel codecs. They are CommonJS packages that find their .wasm
 * beside themselves, so they are loaded with createRequire; their Emscripten stdout/stderr is silenced.
 * Each decode function takes one encoded frame and returns the codec's samples plus what it says it made.
 */
import { createRequire } from 'node:module';
import type { PixelCodec } from './transfer-syntax.js';

const require = createRequire(import.meta.url);

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface EmscriptenDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getInterleaveMode?(): number;
  delete(): void;
}

interface EmscriptenModule {
  JPEGDecoder: new () => EmscriptenDecoder;
  JpegLSDecoder: new () => EmscriptenDecoder;
  J2KDecoder: new () => EmscriptenDecoder;
}

type ModuleFactory = (opts: { print: (s: string) => void; printErr: (s: string) => void }) => Promise<EmscriptenModule>;

interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
}

/** What a codec produced for one frame; samples are interleaved per pixel. */
export interface CodecOutput {
  width: number;
  height: number;
  components: number;
  bitsPerSample: number;
  /** Integer samples, signed only when the codec says the codestream is signed. */
  samples: Uint8Array | Uint16Array | Int16Array;
  signed: boolean;
}

const PACKAGES = {
  'jpeg-baseline': '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
  'jpeg-ls': '@cornerstonejs/codec-charls/decodewasmjs',
  jpeg2000: '@cornerstonejs/codec-openjpeg/decodewasmjs',
} as const;

const loading = new Map<string, Promise<EmscriptenModule>>();
const ready = new Map<string, EmscriptenModule>();
let lossless: (new () => LosslessDecoder) | undefined;

async function loadModule(pkg: string): Promise<void> {
  if (ready.has(pkg)) return;
  let m = loading.get(pkg);
  if (!m) {
    const factory = require(pkg) as ModuleFactory;
    const quiet = (): void => {};
    m = factory({ print: quiet, printErr: quiet });
    loading.set(pkg, m);
  }
  ready.set(pkg, await m);
}

/**
 * Loads (once) what `codec` needs; native and RLE need nothing. After it resolves, the decode functions
 * below run synchronously.
 */
export async function prepareCodec(codec: PixelCodec): Promise<void> {
  if (codec === 'jpeg-baseline' || codec === 'jpeg-ls' || codec === 'jpeg2000') await loadModule(PACKAGES[codec]);
  if (codec === 'jpeg-lossless' && !lossless) {
    lossless = (require('@cornerstonejs/jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder }).Decoder;
  }
}

function loaded(codec: keyof typeof PACKAGES): EmscriptenModule {
  const m = ready.get(PACKAGES[codec]);
  if (!m) throw new Error(`codec ${codec} used before prepareCodec('${codec}')`);
  return m;
}

/** Runs an Emscripten decoder on its own instance (OpenJPEG reuses the last image otherwise). */
function runDecoder(decoder: EmscriptenDecoder, encoded: Uint8Array): CodecOutput {
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const bytes = decoder.getDecodedBuffer();
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes); // the decoded buffer is a view into WASM memory, reused by the next decode
    const signed = info.isSigned === true;
    const samples =
      info.bitsPerSample > 8
        ? signed
          ? new Int16Array(copy.buffer, 0, copy.length >> 1)
          : new Uint16Array(copy.buffer, 0, copy.length >> 1)
        : copy;
    let out: CodecOutput = {
      width: info.width,
      height: info.height,
      components: info.componentCount,
      bitsPerSample: info.bitsPerSample,
      samples,
      signed,
    };
    // CharLS returns interleave mode "none" (0) as planes; make it pixel-interleaved like everything else.
    if (decoder.getInterleaveMode && info.componentCount > 1 && decoder.getInterleaveMode() === 0) {
      out = { ...out, samples: interleavePlanes(samples, info.componentCount) };
    }
    return out;
  } finally {
    decoder.delete();
  }
}

export function interleavePlanes<T extends Uint8Array | Uint16Array | Int16Array>(planar: T, components: number): T {
  const out = planar.slice() as T;
  const n = Math.floor(planar.length / components);
  for (let c = 0; c < components; c++) for (let i = 0; i < n; i++) out[i * components + c] = planar[c * n + i];
  return out;
}

export function decodeJpegBaseline(encoded: Uint8Array): CodecOutput {
  const m = loaded('jpeg-baseline');
  return runDecoder(new m.JPEGDecoder(), encoded);
}

export function decodeJpegLs(encoded: Uint8Array): CodecOutput {
  const m = loaded('jpeg-ls');
  return runDecoder(new m.JpegLSDecoder(), encoded);
}

export function decodeJpeg2000(encoded: Uint8Array): CodecOutput {
  const m = loaded('jpeg2000');
  return runDecoder(new m.J2KDecoder(), encoded);
}

/**
 * JPEG lossless (process 14). The decoder does not report the frame size; the caller states it and gets
 * raw unsigned samples back (8- or 16-bit by `bytesPerSample`).
 */
export function decodeJpegLossless(
  encoded: Uint8Array,
  width: number,
  height: number,
  components: number,
  bytesPerSample: number,
): CodecOutput {
  const Decoder = lossless;
  if (!Decoder) throw new Error("codec jpeg-lossless used before prepareCodec('jpeg-lossless')");
  const copy = new Uint8Array(encoded); // own ArrayBuffer at offset 0 (Buffer#slice would be a view of the file)
  const samples = new Decoder().decode(copy.buffer, 0, copy.length, bytesPerSample);
  return {
    width,
    height,
    components,
    bitsPerSample: bytesPerSample * 8,
    samples: samples instanceof Uint16Array ? samples : new Uint8Array(samples.buffer, samples.byteOffset, samples.length),
    signed: false,
  };
}
