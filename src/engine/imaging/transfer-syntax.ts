/**
 * DICOM transfer syntaxes (PS3.6 Annex A) and how this engine decodes each. `codec: null` means the syntax
 * is recognised but rejected, with `reason` saying why.
 */
export type PixelCodec = 'native' | 'rle' | 'jpeg-baseline' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000';

export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  codec: PixelCodec | null;
  littleEndian: boolean;
  /** True when decoded values may differ from what was acquired (lossy compression). */
  lossy: boolean;
  reason?: string;
  /**
   * Decoded only when the frame's codestream has this precision (bits per sample); any other precision
   * is refused with `reason`. JPEG Extended / Spectral / Progressive may carry 8- or 12-bit frames.
   */
  onlyPrecision?: number;
}

export const NO_12BIT_JPEG =
  'no correct 12-bit lossy JPEG decoder is available in Node (the JS decoder shipped with Cornerstone reads every pixel +15 too high)';
/** 8-bit frames of these syntaxes are ordinary libjpeg-turbo input; 12-bit ones are refused (NO_12BIT_JPEG). */
const EIGHT_BIT_ONLY = { codec: 'jpeg-baseline', littleEndian: true, lossy: true, reason: NO_12BIT_JPEG, onlyPrecision: 8 } as const;

const TABLE: TransferSyntaxInfo[] = [
  { uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian', codec: 'native', littleEndian: true, lossy: false },
  { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian', codec: 'native', littleEndian: true, lossy: false },
  { uid: '1.2.840.10008.1.2.1.99', name: 'Deflated Explicit VR Little Endian', codec: 'native', littleEndian: true, lossy: false },
  { uid: '1.2.840.10008.1.2.2', name: 'Explicit VR Big Endian', codec: 'native', littleEndian: false, lossy: false },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', codec: 'rle', littleEndian: true, lossy: false },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', codec: 'jpeg-baseline', littleEndian: true, lossy: true },
  { uid: '1.2.840.10008.1.2.4.51', name: 'JPEG Extended (Process 2 and 4)', ...EIGHT_BIT_ONLY },
  { uid: '1.2.840.10008.1.2.4.53', name: 'JPEG Spectral Selection (Process 6 and 8)', ...EIGHT_BIT_ONLY },
  { uid: '1.2.840.10008.1.2.4.55', name: 'JPEG Full Progression (Process 10 and 12)', ...EIGHT_BIT_ONLY },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless (Process 14)', codec: 'jpeg-lossless', littleEndian: true, lossy: false },
  { uid: '1.2.840.10008.1.2.4.70', name: 'JPEG Lossless SV1 (Process 14, Selection Value 1)', codec: 'jpeg-lossless', littleEndian: true, lossy: false },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', codec: 'jpeg-ls', littleEndian: true, lossy: false },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Near-Lossless', codec: 'jpeg-ls', littleEndian: true, lossy: true },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Lossless', codec: 'jpeg2000', littleEndian: true, lossy: false },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000', codec: 'jpeg2000', littleEndian: true, lossy: true },
  { uid: '1.2.840.10008.1.2.4.201', name: 'HTJ2K Lossless', codec: 'jpeg2000', littleEndian: true, lossy: false },
  { uid: '1.2.840.10008.1.2.4.202', name: 'HTJ2K Lossless RPCL', codec: 'jpeg2000', littleEndian: true, lossy: false },
  { uid: '1.2.840.10008.1.2.4.203', name: 'HTJ2K', codec: 'jpeg2000', littleEndian: true, lossy: true },
  { uid: '1.2.840.10008.1.2.4.100', name: 'MPEG2 Main Profile', codec: null, littleEndian: true, lossy: true, reason: 'video transfer syntaxes are not decoded' },
  { uid: '1.2.840.10008.1.2.4.102', name: 'MPEG-4 AVC/H.264', codec: null, littleEndian: true, lossy: true, reason: 'video transfer syntaxes are not decoded' },
  { uid: '1.2.840.10008.1.2.4.110', name: 'JPEG XL Lossless', codec: null, littleEndian: true, lossy: false, reason: 'no JPEG XL decoder is installed' },
];

const BY_UID = new Map(TABLE.map((t) => [t.uid, t]));

/** Looks a transfer syntax up; unknown UIDs come back as rejected entries named by their UID. */
export function getTransferSyntax(uid: string): TransferSyntaxInfo {
  return (
    BY_UID.get(uid) ?? {
      uid,
      name: 'unknown transfer syntax',
      codec: null,
      littleEndian: true,
      lossy: false,
      reason: 'it is not a transfer syntax this engine knows',
    }
  );
}

export const SUPPORTED_TRANSFER_SYNTAXES: readonly TransferSyntaxInfo[] = TABLE.filter((t) => t.codec !== null);
