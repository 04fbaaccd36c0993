/**
 * Result schemas of the viewer's calls (study:open, mask:open, image:pixels, study:scan), part of the one
 * contract (contract.ts re-exports them). Pure: imports only zod.
 */
import { z } from 'zod';
import { base64 } from './stored-contract.js';

/** A PNG as a data URL: JSON-safe for HTTP and structured-clone-safe for IPC, and drawable by <img>. */
export const pngDataUrl = z.string().refine((s) => s.startsWith('data:image/png;base64,'), 'expected a PNG data URL');

export const studyInfo = z.object({
  path: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
  format: z.enum(['png', 'jpeg', 'dicom']),
  /** 0-based frame shown, and how many the file has (1 for PNG/JPEG). */
  frame: z.number().int().nonnegative(),
  frames: z.number().int().positive(),
  modality: z.string().nullable(),
  transferSyntaxUID: z.string().nullable(),
  /** The image as displayed (after modality LUT / VOI window for DICOM), 8-bit PNG. */
  png: pngDataUrl,
});
export type StudyInfo = z.infer<typeof studyInfo>;

export const maskInfo = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Number of foreground pixels. */
  area: z.number().int().nonnegative(),
  /** 8-bit greyscale PNG, 0 = background, 255 = foreground. */
  png: pngDataUrl,
});
export type MaskInfo = z.infer<typeof maskInfo>;

const descriptor = z.object({
  sopClassUID: z.string().nullable(),
  sopInstanceUID: z.string().nullable(),
  studyInstanceUID: z.string().nullable(),
  seriesInstanceUID: z.string().nullable(),
  frameOfReferenceUID: z.string().nullable(),
  patientName: z.string().nullable(),
  patientId: z.string().nullable(),
  patientBirthDate: z.string().nullable(),
  patientSex: z.string().nullable(),
  studyDate: z.string().nullable(),
  studyDescription: z.string().nullable(),
  accessionNumber: z.string().nullable(),
  seriesDescription: z.string().nullable(),
  seriesNumber: z.number().nullable(),
  instanceNumber: z.number().nullable(),
  modality: z.string().nullable(),
  institution: z.string().nullable(),
  position: z.tuple([z.number(), z.number(), z.number()]).nullable(),
  orientation: z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]).nullable(),
  sliceThickness: z.number().nullable(),
  frames: z.number().int().positive(),
});

/** One frame as real values for the viewer (engine: src/engine/study/pixels.ts). */
export const framePixels = z.object({
  path: z.string(),
  format: z.enum(['png', 'jpeg', 'dicom']),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
  frame: z.number().int().nonnegative(),
  frames: z.number().int().positive(),
  /** channels 1: Float32 values (HU for CT); channels 3: Uint8 RGB, interleaved. */
  pixels: base64,
  min: z.number(),
  max: z.number(),
  units: z.string(),
  windows: z.array(z.object({ center: z.number(), width: z.number(), explanation: z.string().nullable() })),
  autoWindow: z.object({ center: z.number(), width: z.number() }),
  invert: z.boolean(),
  pixelSpacingMm: z.tuple([z.number(), z.number()]).nullable(),
  transferSyntax: z.string().nullable(),
  descriptor: descriptor.nullable(),
});
export type FramePixelsInfo = z.infer<typeof framePixels>;

const scannedSeries = z.object({
  seriesInstanceUID: z.string(),
  modality: z.string().nullable(),
  description: z.string().nullable(),
  number: z.number().nullable(),
  rows: z.number(),
  columns: z.number(),
  instances: z.array(
    z.object({ path: z.string(), sopInstanceUID: z.string().nullable(), frames: z.number().int().positive(), instanceNumber: z.number().nullable(), position: z.number().nullable() }),
  ),
  images: z.number().int().nonnegative(),
  /** Small PNG of the middle image, or null when it could not be made. */
  thumbnail: pngDataUrl.nullable(),
});
export type ScannedSeriesInfo = z.infer<typeof scannedSeries>;

export const scanResult = z.object({
  root: z.string(),
  kind: z.enum(['dicom', 'dataset', 'files']),
  patients: z.array(
    z.object({
      name: z.string().nullable(),
      id: z.string().nullable(),
      studies: z.array(z.object({ studyInstanceUID: z.string(), description: z.string().nullable(), date: z.string().nullable(), series: z.array(scannedSeries) })),
    }),
  ),
  images: z.array(z.string()),
  groundTruth: z.array(z.object({ path: z.string(), kind: z.enum(['seg', 'rtstruct']), description: z.string().nullable(), referencedSeriesUID: z.string().nullable() })),
  dataset: z
    .object({
      name: z.string(),
      dir: z.string(),
      items: z.array(z.object({ id: z.string(), imagePath: z.string(), maskPath: z.string().nullable(), split: z.string().nullable() })),
      suggestedPrompt: z.string().nullable(),
    })
    .nullable(),
  problems: z.array(z.object({ path: z.string(), reason: z.string() })),
  files: z.number().int().nonnegative(),
});
export type ScanResultInfo = z.infer<typeof scanResult>;
