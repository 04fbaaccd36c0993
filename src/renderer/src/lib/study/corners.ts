/** The four-corner text overlay of a viewer, from a frame's DICOM descriptor; anonymised on request. */
import type { FramePixelsInfo } from '../../../../engine/api/contract.js';

export interface CornerText {
  topLeft: string[];
  topRight: string[];
  bottomLeft: string[];
  bottomRight: string[];
  edges: { left: string; right: string; top: string; bottom: string } | null;
}

const date = (d: string | null) => (d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : d);

/** Patient direction letters of a unit vector (L/R, P/A, H/F), strongest first. */
export function letters(v: readonly number[]): string {
  const axes: [number, string, string][] = [
    [v[0], 'L', 'R'],
    [v[1], 'P', 'A'],
    [v[2], 'H', 'F'],
  ];
  return axes
    .filter(([x]) => Math.abs(x) > 0.25)
    .sort((p, q) => Math.abs(q[0]) - Math.abs(p[0]))
    .map(([x, pos, neg]) => (x > 0 ? pos : neg))
    .join('');
}

export function cornerText(p: FramePixelsInfo | null, opts: { anonymise: boolean; slice: number; slices: number; source: string }): CornerText {
  if (!p) return { topLeft: [], topRight: [], bottomLeft: [], bottomRight: [], edges: null };
  const d = p.descriptor;
  const hidden = 'Anonymised';
  const topLeft = d
    ? opts.anonymise
      ? [hidden, 'ID —']
      : [d.patientName ?? '(no name)', `ID ${d.patientId ?? '—'}`, [date(d.patientBirthDate), d.patientSex].filter(Boolean).join(' · ')].filter(Boolean)
    : [opts.source];
  const topRight = d
    ? [d.institution && !opts.anonymise ? d.institution : null, d.studyDescription, date(d.studyDate), d.seriesDescription ? `Se ${d.seriesNumber ?? '?'}: ${d.seriesDescription}` : d.seriesNumber !== null ? `Series ${d.seriesNumber}` : null].filter(
        (x): x is string => !!x,
      )
    : [];
  const bottomLeft = [`Im ${opts.slice + 1}/${opts.slices}${p.frames > 1 ? ` · frame ${p.frame + 1}/${p.frames}` : ''}`];
  const bottomRight = [
    `${d?.modality ?? p.format.toUpperCase()} · ${p.width}×${p.height}${p.channels === 3 ? ' RGB' : ''}`,
    p.pixelSpacingMm ? `${p.pixelSpacingMm[1].toFixed(2)}×${p.pixelSpacingMm[0].toFixed(2)} mm/px` : null,
    d?.position ? `Pos ${d.position.map((v) => v.toFixed(1)).join(', ')}` : null,
    p.transferSyntax,
  ].filter((x): x is string => !!x);
  let edges: CornerText['edges'] = null;
  if (d?.orientation) {
    const row = d.orientation.slice(0, 3);
    const col = d.orientation.slice(3, 6);
    edges = { right: letters(row), left: letters(row.map((v) => -v)), bottom: letters(col), top: letters(col.map((v) => -v)) };
  }
  return { topLeft, topRight, bottomLeft, bottomRight, edges };
}
