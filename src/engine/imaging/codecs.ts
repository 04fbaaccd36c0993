/**
 * The WASM / CJS pixel codecs. They are CommonJS packages that find their .wasm beside themselves, so they
 * are loaded with createRequire; their Emscripten stdout/stderr is silenced. Each decode function takes one
 * encoded frame and returns the codec's samples plus what it says it made.
 *
 * Codec state: an Emscripten instance that has thrown may have leaked or corrupted its heap (a C++
 * exception unwinds without freeing; ~280 rejected JPEG-LS frames were enough to break every later decode
 * with "memory access out of bounds"). So an instance is used until its first error and then discarded; a
 * fresh one is made from the compiled module (cached, so a restart costs an instantiation, not a compile).
 * The replacement starts at once; `prepareCodec` waits for it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PixelCodec } from './transfer-syntax.js';

// Not named `require`: electron-vite adds its own top-level `const require` to bundle chunks that call
// `require(`, and a second declaration makes the whole chunk (and the app's main bundle) fail to load.
const requireCjs = createRequire(import.meta.url);

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

/** The slice of the WebAssembly JS API used here (the project's lib settings do not include its types). */
interface WasmModule {
  readonly kind?: 'wasm-module';
}
interface WasmInstance {
  readonly exports: object;
}
const Wasm = (globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => WasmModule; Instance: new (m: WasmModule, imports: object) => WasmInstance };
}).WebAssembly;

type ModuleFactory = (opts: {
  print: (s: string) => void;
  printErr: (s: string) => void;
  instantiateWasm?: (imports: object, receive: (i: WasmInstance, m: WasmModule) => void) => object;
}) => Promise<EmscriptenModule>;

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

type WasmCodec = keyof typeof PACKAGES;

const loading = new Map<WasmCodec, Promise<EmscriptenModule>>();
const ready = new Map<WasmCodec, EmscriptenModule>();
const compiled = new Map<WasmCodec, WasmModule>();
let lossless: (new () => LosslessDecoder) | undefined;
/** Instances made per codec (the first plus one per discard); tests read it. */
export const codecInstances: Record<WasmCodec, number> = { 'jpeg-baseline': 0, 'jpeg-ls': 0, jpeg2000: 0 };

function newInstance(codec: WasmCodec): Promise<EmscriptenModule> {
  const pkg = PACKAGES[codec];
  const factory = requireCjs(pkg) as ModuleFactory;
  let wasm = compiled.get(codec);
  if (!wasm) {
    // the package's loader and its .wasm share a base name (dist/charlswasm_decode.js → .wasm)
    wasm = new Wasm.Module(readFileSync(requireCjs.resolve(pkg).replace(/\.js$/, '.wasm')));
    compiled.set(codec, wasm);
  }
  const module = wasm;
  const quiet = (): void => {};
  codecInstances[codec]++;
  const m = factory({
    print: quiet,
    printErr: quiet,
    instantiateWasm(imports, receive) {
      const instance = new Wasm.Instance(module, imports);
      receive(instance, module);
      return instance.exports;
    },
  }).then((mod) => {
    ready.set(codec, mod);
    loading.delete(codec);
    return mod;
  });
  m.catch(() => loading.delete(codec));
  loading.set(codec, m);
  return m;
}

async function loadModule(codec: WasmCodec): Promise<void> {
  if (ready.has(codec)) return;
  await (loading.get(codec) ?? newInstance(codec));
}

/** Drops an instance that threw and starts its replacement (see the file header). */
function discard(codec: WasmCodec): void {
  ready.delete(codec);
  if (!loading.has(codec)) void newInstance(codec).catch(() => undefined);
}

/**
 * Loads what `codec` needs (once, or again after a discard); native and RLE need nothing. After it
 * resolves, the decode functions below run synchronously.
 */
export async function prepareCodec(codec: PixelCodec): Promise<void> {
  if (codec === 'jpeg-baseline' || codec === 'jpeg-ls' || codec === 'jpeg2000') await loadModule(codec);
  if (codec === 'jpeg-lossless' && !lossless) {
    lossless = (requireCjs('@cornerstonejs/jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder }).Decoder;
  }
}

function loaded(codec: WasmCodec): EmscriptenModule {
  const m = ready.get(codec);
  if (!m) {
    if (loading.has(codec)) throw new Error(`the ${codec} decoder is being restarted after an error in an earlier frame; try again`);
    throw new Error(`codec ${codec} used before prepareCodec('${codec}')`);
  }
  return m;
}

/** Runs an Emscripten decoder on its own instance (OpenJPEG reuses the last image otherwise). */
function runDecoder(codec: WasmCodec, encoded: Uint8Array): CodecOutput {
  const m = loaded(codec);
  let decoder: EmscriptenDecoder | undefined;
  try {
    decoder = codec === 'jpeg-baseline' ? new m.JPEGDecoder() : codec === 'jpeg-ls' ? new m.JpegLSDecoder() : new m.J2KDecoder();
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
          ? new Int16Array(copy.buffer, 0, Math.floor(copy.length / 2))
          : new Uint16Array(copy.buffer, 0, Math.floor(copy.length / 2))
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
    try {
      decoder.delete();
    } finally {
      decoder = undefined;
    }
    return out;
  } catch (e) {
    discard(codec); // never decode with an instance that has thrown
    throw e;
  } finally {
    if (decoder) {
      try {
        decoder.delete();
      } catch {
        // the instance is discarded anyway
      }
    }
  }
}

export function interleavePlanes<T extends Uint8Array | Uint16Array | Int16Array>(planar: T, components: number): T {
  const out = planar.slice() as T;
  const n = Math.floor(planar.length / components);
  for (let c = 0; c < components; c++) for (let i = 0; i < n; i++) out[i * components + c] = planar[c * n + i];
  return out;
}

export function decodeJpegBaseline(encoded: Uint8Array): CodecOutput {
  return runDecoder('jpeg-baseline', encoded);
}

export function decodeJpegLs(encoded: Uint8Array): CodecOutput {
  return runDecoder('jpeg-ls', encoded);
}

export function decodeJpeg2000(encoded: Uint8Array): CodecOutput {
  return runDecoder('jpeg2000', encoded);
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
