/** Shared image types of the imaging engine: what loaders return and what attacks, metrics and the viewer consume. */

/** Where an image came from and how it was stored; carried along so reports can state it. */
export interface ImageSource {
  format: 'png' | 'jpeg' | 'dicom';
  path?: string;
  /** 0-based frame index that this raster shows (DICOM). */
  frame?: number;
  /** Number of frames in the file (DICOM). */
  frames?: number;
  transferSyntaxUID?: string;
  transferSyntaxName?: string;
  modality?: string;
  photometric?: string;
  /** Row spacing then column spacing, millimetres (DICOM PixelSpacing order). */
  pixelSpacingMm?: [number, number];
  bitsStored?: number;
  /** VOI window actually applied, in modality units (after rescale slope/intercept). */
  window?: { center: number; width: number };
}

export interface RasterImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** interleaved HWC, intensities in [0,1] as displayed / as the model sees them */
  data: Float32Array;
  /**
   * Quantisation lattice of the stored image: 255 for 8-bit PNG/JPEG; for DICOM the number of distinct
   * output levels of the display mapping (e.g. 2^BitsStored - 1 when rescaled linearly), used by attacks.
   */
  levels: number;
  source: ImageSource;
}

export interface BinaryMask {
  width: number;
  height: number;
  /** 0 or 1, row-major */
  data: Uint8Array;
}

export interface VoiWindow {
  center: number;
  width: number;
}
