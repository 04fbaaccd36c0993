/** Identifiers read from a real DICOM file, the variants a scrubber removes, and what it must leave alone. */
import { afterAll, describe, expect, it } from 'vitest';
import { createScrubber, identifierVariants, readDicomIdentifiers, REDACTED, scrubTree } from '../../../src/engine/report/identifiers.js';
import { tempDir } from '../../helpers/tmp.js';
import { PLANTED, SAMPLE_DICOM, SAMPLE_UIDS, skipWithoutDcmtk, writeIdentifiedDicom } from './dicom-fixture.js';

describe('identifier scrubber', () => {
  it('names: every spelling and each component of three letters or more', () => {
    const v = identifierVariants('PatientName', 'DOE^JANE^Q');
    expect(v).toEqual(expect.arrayContaining(['DOE^JANE^Q', 'DOE JANE Q', 'DOE_JANE_Q', 'Q JANE DOE', 'DOE', 'JANE']));
    expect(v).not.toContain('Q');
    expect(identifierVariants('PatientBirthDate', '19700101')).toContain('1970-01-01');
    expect(identifierVariants('PatientName', 'Anonymized')).toEqual([]);
  });

  it('removes identifiers case-insensitively and UID-shaped strings, keeps numbers, ε labels and versions', () => {
    const scrub = createScrubber([{ values: { PatientName: 'DOE^JANE', PatientBirthDate: '19700101' } }]);
    expect(scrub('/data/jane_doe/1970-01-01/x.dcm')).toBe(`/data/${REDACTED}_${REDACTED}/${REDACTED}/x.dcm`);
    expect(scrub('study 1.2.840.10008.5.1.4.1.1.2 done')).toBe(`study ${REDACTED} done`);
    const keep = 'Dice 0.871 at ε = 8/255, onnxruntime-node 1.30.0, 2026-12-01 10:00 UTC';
    expect(scrub(keep)).toBe(keep);
  });

  it('scrubs a document tree: strings, nested nodes and header functions, not image data', () => {
    const scrub = createScrubber([{ values: { PatientID: 'MRN-4711' } }]);
    const tree = { a: ['MRN-4711', { text: 'x MRN-4711' }], image: 'data:image/png;base64,MRN-4711', header: (n: number) => ({ text: `MRN-4711 p${n}` }) };
    const out = scrubTree(tree, scrub);
    expect(out.a).toEqual([REDACTED, { text: `x ${REDACTED}` }]);
    expect(out.image).toBe(tree.image);
    expect(out.header(2)).toEqual({ text: `${REDACTED} p2` });
  });

  it('reads no identifiers from a file that is not DICOM', () => {
    expect(readDicomIdentifiers(__filename)).toBeNull();
  });
});

describe.skipIf(skipWithoutDcmtk)('identifiers of a real DICOM file', () => {
  const tmp = tempDir('vlsm-report-ids-');
  afterAll(() => tmp.remove());

  it('reads the planted name, ID, birth date, accession, institution and the file UIDs', () => {
    const ids = readDicomIdentifiers(writeIdentifiedDicom(tmp.path));
    expect(ids?.values).toMatchObject(PLANTED);
    expect(Object.values(ids!.values)).toEqual(expect.arrayContaining(SAMPLE_UIDS));
    // The untouched sample is already anonymised: its name is the word "Anonymized", which is not removed.
    expect(readDicomIdentifiers(SAMPLE_DICOM)?.values.PatientName).toBe('Anonymized');
  });
});
