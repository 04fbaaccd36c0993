/**
 * The model-domain budget in all three units: ε there is k/255 of the displayed image the model input
 * was resized from (k/255w); su and HU are what that display step corresponds to in the file — the same
 * conversion (units.ts), not a stored change (a model-domain attack changes no stored value). Used by the
 * CLI's metrics.json and the API's attack result, so both state the same numbers.
 */
import { loadStoredImage, unitScale } from './stored-image.js';
import { allUnits } from './units.js';

export interface ModelDomainUnits {
  w255: number;
  su: number | null;
  HU: number | null;
  modality: number | null;
  note: string;
}

/** eps: the model-domain radius on the [0,1] display scale (pixel units). */
export async function modelDomainUnits(imagePath: string, frame: number, eps: number): Promise<ModelDomainUnits> {
  let scale;
  try {
    scale = unitScale(await loadStoredImage(imagePath, frame));
  } catch {
    // colour / palette DICOM: no grey stored-value chain; k/255 of the display is all that can be said
    return { w255: eps * 255, su: null, HU: null, modality: null, note: 'no grey stored-value mapping for this image' };
  }
  const u = allUnits((eps * scale.span) / scale.slope, scale);
  return { w255: u.w255, su: u.su, HU: u.HU, modality: u.modality, note: 'model domain: δ is on the model input (k/255 of the display); su/HU are the equivalents of that display change, not a change of stored values' };
}
