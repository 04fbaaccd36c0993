/**
 * The worst-case figure row, composed from the images the results store keeps for a cell:
 *   original + ground truth | perturbed | clean prediction | adversarial prediction | amplified δ.
 * Masks are drawn as a tinted fill with a solid outline (an outline alone vanishes at print size).
 * The perturbation panel maps δ = adversarial − original linearly so that mid-grey is 0 and black/white
 * are −ε/+ε (each channel separately for colour images): the amplification is 1/(2ε) and is printed
 * beside the panel so a reader knows the scale.
 */
import { decodePng, encodePngBytes } from '../imaging/png.js';
import type { RasterImage } from '../imaging/types.js';

export interface FigureInputs {
  /** Image the model saw (8-bit PNG), and the quantised adversarial image of the same size. */
  original: Uint8Array;
  adversarial: Uint8Array;
  /** 0/255 mask PNGs of the same size; ground truth is absent for reference-free audits. */
  groundTruth: Uint8Array | null;
  cleanPrediction: Uint8Array;
  adversarialPrediction: Uint8Array;
  /** L∞ budget in [0,1] units (the scale of the perturbation panel). */
  eps: number;
  /**
   * A ready perturbation panel (grey PNG of the image's size) and its scale caption: the stored domain's,
   * drawn from Δ in stored units because the 8-bit display pair loses changes smaller than a grey step.
   */
  perturbationPanel?: { png: Uint8Array; caption: string };
}

export interface FigurePanel {
  caption: string;
  png: Uint8Array;
}

const GT_COLOUR: Rgb = [46, 204, 64];
const PRED_COLOUR: Rgb = [255, 196, 0];
const ADV_COLOUR: Rgb = [255, 65, 54];
type Rgb = [number, number, number];

function toRgb(img: RasterImage): Float32Array {
  if (img.channels === 3) return img.data.slice();
  const out = new Float32Array(img.width * img.height * 3);
  for (let i = 0; i < img.width * img.height; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = img.data[i];
  return out;
}

function maskBits(png: Uint8Array, label: string, w: number, h: number): Uint8Array {
  const m = decodePng(png, label);
  if (m.width !== w || m.height !== h) throw new Error(`${label} is ${m.width}×${m.height} but the image is ${w}×${h}.`);
  const bits = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) bits[i] = m.data[i * m.channels] >= 0.5 ? 1 : 0;
  return bits;
}

/** Tint the mask's pixels and paint its 4-neighbour boundary solid. */
export function overlayMask(rgb: Float32Array, w: number, h: number, mask: Uint8Array, colour: Rgb, alpha = 0.3): Float32Array {
  const out = rgb.slice();
  const c = colour.map((v) => v / 255);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!mask[i]) continue;
      const edge = x === 0 || y === 0 || x === w - 1 || y === h - 1 || !mask[i - 1] || !mask[i + 1] || !mask[i - w] || !mask[i + w];
      const a = edge ? 1 : alpha;
      for (let k = 0; k < 3; k++) out[3 * i + k] = (1 - a) * out[3 * i + k] + a * c[k];
    }
  }
  return out;
}

/** δ/(2ε) + ½ per sample: mid-grey is no change, black and white are the budget's two ends. */
export function amplifiedPerturbation(original: RasterImage, adversarial: RasterImage, eps: number): Float32Array {
  const out = new Float32Array(original.data.length);
  const gain = eps > 0 ? 1 / (2 * eps) : 0;
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, 0.5 + (adversarial.data[i] - original.data[i]) * gain));
  return out;
}

const png = (w: number, h: number, rgb: Float32Array): Uint8Array => encodePngBytes(w, h, 3, rgb, 255);

export function composeFigureRow(f: FigureInputs): FigurePanel[] {
  const original = decodePng(f.original, 'stored original image');
  const adversarial = decodePng(f.adversarial, 'stored adversarial image');
  const { width: w, height: h } = original;
  if (adversarial.width !== w || adversarial.height !== h || adversarial.channels !== original.channels) {
    throw new Error(`The stored adversarial image (${adversarial.width}×${adversarial.height}) does not match the original (${w}×${h}).`);
  }
  const base = toRgb(original);
  const advRgb = toRgb(adversarial);
  const clean = maskBits(f.cleanPrediction, 'stored clean prediction', w, h);
  const adv = maskBits(f.adversarialPrediction, 'stored adversarial prediction', w, h);
  const gt = f.groundTruth ? maskBits(f.groundTruth, 'stored ground truth', w, h) : null;
  const given = f.perturbationPanel ? decodePng(f.perturbationPanel.png, 'stored perturbation panel') : null;
  if (given && (given.width !== w || given.height !== h)) throw new Error(`The stored perturbation panel (${given.width}×${given.height}) does not match the original (${w}×${h}).`);
  const delta = given ? given.data : amplifiedPerturbation(original, adversarial, f.eps);
  const k = f.eps * 255;
  const scale = f.perturbationPanel ? f.perturbationPanel.caption : k > 0 ? `grey = 0, black/white = −/+${fmtK(k)}/255 (×${fmtGain(1 / (2 * f.eps))})` : 'no budget';
  return [
    { caption: gt ? 'original + ground truth' : 'original (no ground truth)', png: png(w, h, gt ? overlayMask(base, w, h, gt, GT_COLOUR) : base) },
    { caption: 'perturbed (as stored)', png: png(w, h, advRgb) },
    { caption: 'clean prediction', png: png(w, h, overlayMask(base, w, h, clean, PRED_COLOUR)) },
    { caption: 'adversarial prediction', png: png(w, h, overlayMask(advRgb, w, h, adv, ADV_COLOUR)) },
    { caption: `perturbation: ${scale}`, png: png(w, h, (given ?? original).channels === 3 ? delta : toRgb({ ...(given ?? original), data: delta })) },
  ];
}

const fmtK = (k: number): string => (Math.abs(k - Math.round(k)) < 1e-6 ? String(Math.round(k)) : k.toFixed(2));
const fmtGain = (g: number): string => (g >= 10 ? g.toFixed(0) : g.toFixed(1));
