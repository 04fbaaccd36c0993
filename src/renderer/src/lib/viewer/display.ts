/** How the viewport shows each segmentation: visibility, colour, opacity — kept apart from the data. */
import type { SegmentationId } from './segmentation';

export interface SegmentationDisplay {
  visible: boolean;
  /** 0..1 */
  opacity: number;
  /** RGB 0..255 */
  color: readonly [number, number, number];
}

/** Yellow prediction, blue ground truth: distinguishable with the common colour-vision deficiencies. */
export function getDefaultDisplay(id: SegmentationId): SegmentationDisplay {
  return id === 'prediction' ? { visible: true, opacity: 0.5, color: [255, 214, 0] } : { visible: true, opacity: 0.4, color: [30, 136, 229] };
}

export function setOpacity(d: SegmentationDisplay, opacity: number): SegmentationDisplay {
  return { ...d, opacity: Math.min(1, Math.max(0, opacity)) };
}

export function setVisible(d: SegmentationDisplay, visible: boolean): SegmentationDisplay {
  return { ...d, visible };
}

export function cssColor(d: SegmentationDisplay): string {
  return `rgb(${d.color.join(' ')})`;
}
