/**
 * Parses DICOM bytes with dicom-parser and turns everything it can throw (plain objects, strings, Errors)
 * into ImageDecodeError. Handles two cases dicom-parser does not: a File Meta without TransferSyntaxUID
 * and a bare dataset without the 128-byte preamble; for both the encoding is guessed from the first element.
 * dicom-parser accepts elements whose declared length runs past the end of the file and throws a bare
 * string only later, when a value is read: the parsed dataset is checked here so that such a file is
 * rejected at once, and its accessors are guarded so that no later read can throw a non-Error.
 */
import { createRequire } from 'node:module';
import type { DataSet } from 'dicom-parser';
import { describeThrown, ImageDecodeError } from './errors.js';

// Not named `require`: electron-vite adds its own top-level `const require` to bundle chunks that call
// `require(`, and a second declaration makes the whole chunk (and the app's main bundle) fail to load.
const requireCjs = createRequire(import.meta.url);
type DicomParserModule = typeof import('dicom-parser');
let parserModule: DicomParserModule | undefined;

export function dicomParser(): DicomParserModule {
  parserModule ??= requireCjs('dicom-parser') as DicomParserModule;
  return parserModule;
}

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const DEFLATED = '1.2.840.10008.1.2.1.99';

/** True when the bytes carry the Part-10 "DICM" marker at offset 128. */
export function hasDicmPrefix(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** Heuristic for a dataset without preamble: first element in group 0002 or 0008 (little endian). */
export function looksLikeBareDataset(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const group = bytes[0] | (bytes[1] << 8);
  return (group === 0x0002 || group === 0x0008) && bytes[2] < 0x80 && bytes[3] === 0x00;
}

/** Explicit VR when bytes 4..5 of the element at `pos` are two upper-case letters (a VR), else implicit. */
function guessTransferSyntax(bytes: Uint8Array, pos: number): string {
  const a = bytes[pos + 4];
  const b = bytes[pos + 5];
  const upper = (c: number | undefined): boolean => c !== undefined && c >= 0x41 && c <= 0x5a;
  return upper(a) && upper(b) ? EXPLICIT_LE : IMPLICIT_LE;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export interface ParsedDicom {
  dataSet: DataSet;
  transferSyntaxUID: string;
  /** True when the TransferSyntaxUID was absent and guessed. */
  guessedTransferSyntax: boolean;
}

/** Parses a whole Part-10 file (or bare dataset); `label` names the file in error messages. */
export function parseDicomBytes(bytes: Uint8Array, label: string): ParsedDicom {
  const dp = dicomParser();
  const buf = toBuffer(bytes);
  const part10 = hasDicmPrefix(buf);
  try {
    if (!part10) {
      const ts = guessTransferSyntax(buf, 0);
      const dataSet = checked(dp.parseDicom(buf, { TransferSyntaxUID: ts }), label);
      return { dataSet, transferSyntaxUID: ts, guessedTransferSyntax: true };
    }
    const meta = dp.readPart10Header(buf) as DataSet & { position: number };
    const tsElement = meta.elements.x00020010;
    const declared = tsElement ? meta.string('x00020010')?.replace(/\0/g, '').trim() : undefined;
    const guessed = guessTransferSyntax(buf, meta.position);
    // Some writers encode the dataset implicit VR although the File Meta names an explicit syntax
    // (seen in pydicom's SC_rgb_jpeg.dcm); the pixel encoding still follows the declared UID.
    const implicitMismatch = declared !== undefined && declared !== IMPLICIT_LE && declared !== DEFLATED && guessed === IMPLICIT_LE;
    if (declared && !implicitMismatch) {
      return { dataSet: checked(dp.parseDicom(buf), label), transferSyntaxUID: declared, guessedTransferSyntax: false };
    }
    const stream = new dp.ByteStream(dp.littleEndianByteArrayParser, buf, meta.position);
    const DataSetCtor = (dp as unknown as { DataSet: new (p: unknown, b: Buffer, e: object) => DataSet }).DataSet;
    const dataSet = new DataSetCtor(dp.littleEndianByteArrayParser, buf, { ...meta.elements });
    if (guessed === IMPLICIT_LE) dp.parseDicomDataSetImplicit(dataSet, stream, buf.length);
    else dp.parseDicomDataSetExplicit(dataSet, stream, buf.length);
    return { dataSet: checked(dataSet, label), transferSyntaxUID: declared ?? guessed, guessedTransferSyntax: declared === undefined };
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    throw new ImageDecodeError(`${label}: not a readable DICOM file: it is truncated or corrupt (${describeThrown(e)})`, {
      cause: e,
    });
  }
}

const tagName = (tag: string): string => `(${tag.slice(1, 5)},${tag.slice(5, 9)})`.toUpperCase();

/** Rejects elements that overrun the file, then guards every value accessor of the dataset and its items. */
function checked(ds: DataSet, label: string): DataSet {
  // The dataset's own bytes: for a deflated file these are the inflated ones, not the file's.
  const fileLength = ds.byteArray.length;
  for (const [tag, el] of Object.entries(ds.elements)) {
    // Undefined-length sequences and encapsulated pixel data (length 0xFFFFFFFF) are bounded by the parser.
    if (el.length !== undefined && el.length !== 0xffffffff && el.dataOffset + el.length > fileLength) {
      throw new ImageDecodeError(
        `${label}: not a readable DICOM file: element ${tagName(tag)} declares ${el.length} bytes but only ${Math.max(0, fileLength - el.dataOffset)} remain (truncated or corrupt)`,
      );
    }
    // Encapsulated pixel data read as implicit VR comes back as "items" of codestream bytes: not a dataset.
    if (tag !== 'x7fe00010') for (const item of el.items ?? []) if (item.dataSet) checked(item.dataSet, label);
  }
  guardAccessors(ds, label);
  return ds;
}

const ACCESSORS = ['string', 'text', 'uint16', 'int16', 'uint32', 'int32', 'float', 'double', 'floatString', 'intString', 'numStringValues', 'attributeTag'] as const;

/** dicom-parser throws bare strings from its readers; a read through this dataset throws ImageDecodeError. */
function guardAccessors(ds: DataSet, label: string): void {
  const target = ds as unknown as Record<string, unknown>;
  for (const name of ACCESSORS) {
    const fn = target[name];
    if (typeof fn !== 'function') continue;
    target[name] = (...args: unknown[]): unknown => {
      try {
        return (fn as (...a: unknown[]) => unknown).apply(ds, args);
      } catch (e) {
        if (e instanceof Error) throw e;
        throw new ImageDecodeError(`${label}: not a readable DICOM file: it is truncated or corrupt (${describeThrown(e)})`, { cause: e });
      }
    };
  }
}
