/**
 * Imaging engine: PNG / JPEG / DICOM → RasterImage in [0,1], masks, PNG encoding. See docs/imaging.md.
 */
export type { BinaryMask, ImageSource, RasterImage, VoiWindow } from './types.js';
export { ImageDecodeError } from './errors.js';
export { loadImage, loadMask, toRgb, type LoadImageOptions } from './load.js';
export { encodeMaskPng, encodePng } from './encode.js';
export { decodeDicom, type DicomStudyImage } from './dicom.js';
export { getTransferSyntax, SUPPORTED_TRANSFER_SYNTAXES, type TransferSyntaxInfo } from './transfer-syntax.js';
export { windowValue, minMaxWindow } from './voi.js';
export { checkFileSize, DEFAULT_DECODE_LIMITS, getDecodeLimits, MAX_FRAME_SAMPLES, MAX_SIDE, setDecodeLimits, type DecodeLimits } from './limits.js';
