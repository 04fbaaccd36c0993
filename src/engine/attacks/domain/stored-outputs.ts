/**
 * What a stored-domain result is shown and exported as, shared by the CLI (`attack --domain stored`) and
 * the app API (`attack:run` with domain "stored"), so both write the same map and the same DICOM:
 *   signedDelta      Δ stored per pixel (RGB: the channel with the largest |Δ|, signed);
 *   storedDerivation the DerivationDescription text (attack, ε in every unit, model sha256, seed);
 *   exportStoredDicom adversarial.dcm (dicom-export.ts) and predictions-seg.dcm (dicom-seg.ts) over it.
 */
import { exportAdversarialDicom } from '../../imaging/dicom-export.js';
import { exportPredictionSeg } from '../../imaging/dicom-seg.js';
import type { ModelPackage } from '../../model/package.js';
import type { StoredAttackResult } from './attack-stored.js';
import { storedDelta, type StoredImage } from './stored-image.js';
import { describeUnits } from './units.js';

/** Δ per pixel in stored units of a stored-domain result (stored-image.ts storedDelta). */
export function signedDelta(image: StoredImage, r: Pick<StoredAttackResult, 'clean' | 'adversarial'>): Float32Array {
  return storedDelta(image, r.clean, r.adversarial);
}

export function storedDerivation(pkg: ModelPackage, r: StoredAttackResult, o: { prompt: string; lossKind: string; seed: number }): string {
  const res = r.result;
  return `vlsm-audit ${res.attack} (${res.targeted ? 'targeted' : 'untargeted'}), stored domain, ${r.norm === 'linf' ? 'Linf' : 'L2'} eps = ${describeUnits(r.eps)}, ` +
    `${res.iterations} steps, loss ${o.lossKind}, seed ${o.seed}, prompt "${o.prompt}", model ${pkg.manifest.name} ${pkg.manifest.version} sha256 ${pkg.sha256}`;
}

export interface StoredDicomExport {
  adversarial: Uint8Array;
  seg: Uint8Array;
  sopInstanceUid: string;
  seriesInstanceUid: string;
}

/** The adversarial stored values as DICOM and the two predictions as a DICOM SEG over it (frame 1 clean, 2 adversarial). */
export function exportStoredDicom(pkg: ModelPackage, image: StoredImage, r: StoredAttackResult, prompt: string, derivation: string): StoredDicomExport {
  const e = exportAdversarialDicom({ original: image.bytes, stored: r.adversarial, derivation, window: image.windowFromFile ? undefined : image.window });
  const seg = exportPredictionSeg({
    image: e.bytes, algorithm: `${pkg.manifest.name} ${pkg.manifest.version}`, description: prompt,
    masks: [{ label: 'clean prediction', data: r.cleanMask.data }, { label: 'adversarial prediction', data: r.adversarialMask.data }],
  });
  return { adversarial: e.bytes, seg: seg.bytes, sopInstanceUid: e.sopInstanceUid, seriesInstanceUid: e.seriesInstanceUid };
}
