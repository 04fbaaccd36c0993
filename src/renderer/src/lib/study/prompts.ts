/** The model's prompts that fit what is open: its dataset when known, else the DICOM modality. */
import type { ModelSummary } from '../../../../engine/api/contract.js';

const BY_MODALITY: Record<string, string[]> = {
  US: ['busi'],
  CR: ['cxr-lungs', 'cxr-lungs/left', 'cxr-lungs/right'],
  DX: ['cxr-lungs', 'cxr-lungs/left', 'cxr-lungs/right'],
  ES: ['kvasir-seg'],
  XC: ['ph2'],
};

export function suggestPrompts(model: ModelSummary | null, dataset: string | null, modality: string | null): string[] {
  if (!model) return [];
  const prompts = model.defaultPrompts;
  const keys = dataset && prompts[dataset] ? Object.keys(prompts).filter((k) => k === dataset || k.startsWith(`${dataset}/`)) : modality && BY_MODALITY[modality] ? BY_MODALITY[modality] : [];
  const chosen = keys.map((k) => prompts[k]).filter((p): p is string => !!p);
  // Nothing known about the image: offer every dataset's prompt, but preselect none of them.
  return chosen.length ? [...new Set(chosen)] : [];
}

export function allPrompts(model: ModelSummary | null): string[] {
  return model ? [...new Set(Object.values(model.defaultPrompts))] : [];
}
