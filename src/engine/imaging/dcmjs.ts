/**
 * The one place that loads dcmjs (CommonJS, no types): the few parts the DICOM writers use, typed.
 * dcmjs reads every transfer syntax's header and writes Part-10 files (explicit VR little endian).
 */
import { createRequire } from 'node:module';

export interface DcmElement {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
}
export type DcmDataset = Record<string, DcmElement>;
export interface DcmDict {
  meta: DcmDataset;
  dict: DcmDataset;
  write(options?: Record<string, unknown>): ArrayBuffer;
}
export interface Dcmjs {
  data: {
    DicomMessage: { readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DcmDict };
    DicomDict: new (meta: DcmDataset) => DcmDict;
    DicomMetaDictionary: {
      naturalizeDataset(ds: DcmDataset): Record<string, unknown>;
      denaturalizeDataset(ds: Record<string, unknown>): DcmDataset;
    };
  };
  log: { setLevel(level: string): void };
}

let lib: Dcmjs | undefined;
export function dcmjs(): Dcmjs {
  if (!lib) {
    lib = createRequire(import.meta.url)('dcmjs') as Dcmjs;
    lib.log.setLevel('error'); // its dictionary warnings ("Invalid vr type xs") are not the user's concern
  }
  return lib;
}

/** Reads a Part-10 file (any transfer syntax dcmjs knows) into its element dictionary. */
export function readDicomDict(bytes: Uint8Array): DcmDict {
  return dcmjs().data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, { ignoreErrors: true });
}
