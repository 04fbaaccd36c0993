import { UserError } from '../errors.js';

/**
 * The one error type of the imaging engine. Its message is a sentence a user can act on and always names
 * the file (or "image bytes" when decoding from memory), e.g.
 * "x.dcm: unsupported transfer syntax 1.2.840.10008.1.2.4.51 (JPEG Extended 12-bit)".
 */
export class ImageDecodeError extends UserError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('decode-failed', message, options);
    this.name = 'ImageDecodeError';
  }
}

/** Label used in messages for a file path or for in-memory bytes. */
export function sourceLabel(path: string | undefined): string {
  return path ?? 'image bytes';
}

/**
 * Text of anything thrown by a dependency. dicom-parser throws plain objects `{exception, dataSet}` and
 * strings, Emscripten codecs throw numbers or strings; none of them may reach a user raw.
 */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && e !== null && 'exception' in e) {
    const ex = (e as { exception: unknown }).exception;
    return typeof ex === 'string' ? ex : String(ex);
  }
  // Emscripten codecs throw a bare C++ exception pointer (a number) on any decoding error
  if (typeof e === 'number') return 'the decoder rejected the data (corrupt or truncated)';
  return `decoder failure (${String(e)})`;
}
