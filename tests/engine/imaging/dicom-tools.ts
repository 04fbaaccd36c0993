/**
 * The Debian DICOM tools the export is checked with: dcmdump (dcmtk), dciodvfy (dicom3tools) and pydicom
 * (/usr/bin/python3). Missing tools skip the tests locally with the reason and fail them under CI=true.
 */
import { spawnSync } from 'node:child_process';
import { inCI } from '../../helpers/data.js';

const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).error === undefined;
const pydicomOk = spawnSync('/usr/bin/python3', ['-c', 'import pydicom'], { encoding: 'utf8' }).status === 0;
export const missingTools = [
  ...(has('dcmdump', ['--version']) ? [] : ['dcmdump (Debian dcmtk)']),
  ...(has('dciodvfy', ['-help']) ? [] : ['dciodvfy (Debian dicom3tools)']),
  ...(pydicomOk ? [] : ['pydicom (Debian python3-pydicom)']),
];
if (missingTools.length) {
  const msg = `DICOM export checks need ${missingTools.join(', ')}`;
  if (inCI) throw new Error(`${msg}; CI=true requires them.`);
  console.warn(`SKIP ${msg}; those tests are skipped.`);
}
export const skipWithoutTools = missingTools.length > 0 && !inCI;

/** dcmdump's exit status and its error lines (dcmdump prints "E: …" for what it cannot parse). */
export function dcmdump(path: string): { status: number | null; errors: string[]; text: string } {
  const r = spawnSync('dcmdump', ['+E', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const all = `${r.stdout}\n${r.stderr}`;
  return { status: r.status, errors: all.split('\n').filter((l) => /^E:/.test(l)), text: r.stdout };
}

/** The distinct "Error - …" lines of dciodvfy. */
export function dciodvfyErrors(path: string): Set<string> {
  const r = spawnSync('dciodvfy', [path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return new Set(`${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.startsWith('Error')).map((l) => l.trim()));
}

export interface PydicomView {
  rows: number;
  columns: number;
  transferSyntax: string;
  imageType: string[];
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  derivation: string;
  /** pixel_array as a flat list (stored values, signed where PixelRepresentation is 1). */
  pixels: number[];
}

/** pydicom.dcmread(path) with enforce_valid_values, and pixel_array (`pixels: false` for compressed originals pydicom cannot decode here). */
export function pydicom(path: string, pixels = true): PydicomView {
  const script = [
    'import json, sys, pydicom',
    'pydicom.config.enforce_valid_values = True',
    'd = pydicom.dcmread(sys.argv[1])',
    `a = d.pixel_array if ${pixels ? 'True' : 'False'} else None`,
    'print(json.dumps({"rows": d.Rows, "columns": d.Columns, "transferSyntax": str(d.file_meta.TransferSyntaxUID), "imageType": list(d.ImageType),',
    ' "sopInstanceUid": str(d.SOPInstanceUID), "seriesInstanceUid": str(d.SeriesInstanceUID), "studyInstanceUid": str(d.StudyInstanceUID),',
    ' "derivation": str(d.get("DerivationDescription", "")), "pixels": a.ravel().tolist() if a is not None else []}))',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`pydicom could not read ${path}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return JSON.parse(r.stdout) as PydicomView;
}
