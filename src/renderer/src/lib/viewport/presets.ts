/** Window/level presets per modality (centre/width in HU for CT), and the "auto" ones from the file. */
export interface WindowPreset {
  label: string;
  center: number;
  width: number;
  /** Keyboard shortcut (digit). */
  key?: string;
}

const CT: WindowPreset[] = [
  { label: 'Lung', center: -600, width: 1500, key: '2' },
  { label: 'Mediastinum', center: 40, width: 400, key: '3' },
  { label: 'Bone', center: 400, width: 1800, key: '4' },
  { label: 'Brain', center: 40, width: 80, key: '5' },
  { label: 'Abdomen', center: 60, width: 400, key: '6' },
];

/** "Auto" first (the file's VOI, else min–max), then the file's other windows, then modality presets. */
export function presetsFor(modality: string, file: { center: number; width: number }[], auto: { center: number; width: number }): WindowPreset[] {
  const out: WindowPreset[] = [{ label: file.length ? 'Auto (file)' : 'Auto (min–max)', ...(file[0] ?? auto), key: '1' }];
  file.slice(1).forEach((w, i) => out.push({ label: `File window ${i + 2}`, center: w.center, width: w.width }));
  if (file.length) out.push({ label: 'Full range', ...auto });
  if (modality === 'CT') out.push(...CT);
  return out;
}
