/** An image as the app hands it to the viewer: real values, not a windowed picture (no DOM, no Cornerstone, so Node tests can build one). */
export interface ViewImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** Grey: values in `units`; RGB: interleaved 0–255. */
  data: Float32Array | Uint8Array;
  min: number;
  max: number;
  /** Default window (file's first, else min–max). */
  window: { center: number; width: number };
  invert: boolean;
  /** Row then column spacing, mm (or any unit; the aspect ratio is what matters). */
  spacing: [number, number];
  modality: string;
  units: string;
  /** Where the slice sits in a series (so a stack is spaced like the study); 0 for single images. */
  slice: number;
}
