/**
 * A DICOM Segmentation (SEG, PS3.3 A.51, BINARY) of binary masks over one single-frame image — here the
 * clean and the adversarial prediction over the exported adversarial image — written with dcmjs: one
 * frame and one segment per mask, patient/study/frame of reference copied from the image, geometry
 * (orientation, position, spacing) from it, every frame derived from it (DerivationImageSequence), and it
 * referenced in ReferencedSeriesSequence. UIDs under 2.25 (dicom-export.ts derivedUid).
 */
import { dcmjs, readDicomDict } from './dcmjs.js';
import { derivedUid, EXPLICIT_VR_LITTLE_ENDIAN } from './dicom-export.js';
import { ImageDecodeError } from './errors.js';

export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';

export interface SegMask {
  label: string;
  /** 0/1, row-major, the image's Rows × Columns. */
  data: Uint8Array;
}

export interface SegExportOptions {
  /** The image the masks lie on (e.g. the exported adversarial DICOM). */
  image: Uint8Array;
  masks: readonly SegMask[];
  /** SegmentAlgorithmName, e.g. "film-unet 0.2.0". */
  algorithm: string;
  /** What was segmented (the prompt), kept as SegmentDescription. */
  description: string;
}

const code = (value: string, scheme: string, meaning: string) => ({ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning });
/** SNOMED CT concepts for the segmented property: "Lung" when the prompt names lungs, else "Tissue". */
function propertyType(description: string) {
  return /\blungs?\b/i.test(description) ? code('39607008', 'SCT', 'Lung') : code('85756007', 'SCT', 'Tissue');
}

const dicomDate = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');
const dicomTime = (d: Date) => d.toISOString().slice(11, 19).replace(/:/g, '');

export function exportPredictionSeg(o: SegExportOptions, now = new Date()): { bytes: Uint8Array; sopInstanceUid: string } {
  const { data } = dcmjs();
  const src = data.DicomMetaDictionary.naturalizeDataset(readDicomDict(o.image).dict) as Record<string, unknown>;
  const rows = Number(src.Rows);
  const cols = Number(src.Columns);
  if (!(rows > 0 && cols > 0)) throw new ImageDecodeError('The image for the SEG has no Rows/Columns.');
  if (Number(src.NumberOfFrames ?? 1) !== 1) throw new ImageDecodeError('The SEG export covers single-frame images only.');
  const n = rows * cols;
  for (const m of o.masks) if (m.data.length !== n) throw new ImageDecodeError(`Mask "${m.label}" has ${m.data.length} pixels; the image has ${cols}×${rows}.`);
  // BINARY segmentation frames: 1 bit per pixel, frames packed back to back, least significant bit first
  const pixels = new Uint8Array(Math.ceil((o.masks.length * n) / 8));
  o.masks.forEach((m, k) => {
    for (let i = 0; i < n; i++) if (m.data[i]) pixels[(k * n + i) >> 3] |= 1 << ((k * n + i) & 7);
  });
  const sopInstanceUid = derivedUid('seg', String(src.SOPInstanceUID), pixels, o.algorithm);
  const dimensionOrg = derivedUid('seg-dimensions', sopInstanceUid);
  const source = { ReferencedSOPClassUID: src.SOPClassUID, ReferencedSOPInstanceUID: src.SOPInstanceUID };
  const ds: Record<string, unknown> = {};
  for (const k of ['SpecificCharacterSet', 'StudyInstanceUID', 'StudyDescription', 'FrameOfReferenceUID', 'PositionReferenceIndicator']) if (src[k] !== undefined) ds[k] = src[k];
  // type 2 attributes of Patient and General Study: copied, or present and empty
  for (const k of ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber']) ds[k] = src[k] ?? '';
  Object.assign(ds, {
    SOPClassUID: SEGMENTATION_STORAGE,
    SOPInstanceUID: sopInstanceUid,
    Modality: 'SEG',
    SeriesInstanceUID: derivedUid('seg-series', sopInstanceUid),
    SeriesNumber: '9001',
    SeriesDescription: 'Predictions (vlsm-audit)',
    InstanceNumber: '1',
    Manufacturer: 'vlsm-audit',
    ManufacturerModelName: 'vlsm-audit',
    DeviceSerialNumber: '0',
    SoftwareVersions: '0',
    ContentDate: dicomDate(now),
    ContentTime: dicomTime(now),
    ContentLabel: 'PREDICTIONS',
    ContentDescription: 'clean and adversarial predictions',
    ContentCreatorName: '',
    ImageType: ['DERIVED', 'PRIMARY'],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: cols,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    NumberOfFrames: String(o.masks.length),
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrg }],
    DimensionIndexSequence: [{ DimensionOrganizationUID: dimensionOrg, DimensionIndexPointer: '00620008', FunctionalGroupPointer: '0062000A', DimensionDescriptionLabel: 'ReferencedSegmentNumber' }],
    SegmentSequence: o.masks.map((m, k) => ({
      SegmentNumber: k + 1,
      SegmentLabel: m.label.slice(0, 64),
      SegmentDescription: o.description.slice(0, 64),
      SegmentAlgorithmType: 'AUTOMATIC',
      SegmentAlgorithmName: o.algorithm.slice(0, 64),
      SegmentedPropertyCategoryCodeSequence: [code('91723000', 'SCT', 'Anatomical Structure')],
      SegmentedPropertyTypeCodeSequence: [propertyType(o.description)],
    })),
    SharedFunctionalGroupsSequence: [{
      ...(src.ImageOrientationPatient ? { PlaneOrientationSequence: [{ ImageOrientationPatient: src.ImageOrientationPatient }] } : {}),
      ...(src.PixelSpacing ? { PixelMeasuresSequence: [{ PixelSpacing: src.PixelSpacing, SliceThickness: src.SliceThickness ?? 1 }] } : {}),
      DerivationImageSequence: [{
        SourceImageSequence: [{ ...source, PurposeOfReferenceCodeSequence: [code('121322', 'DCM', 'Source image for image processing operation')] }],
        DerivationCodeSequence: [code('113076', 'DCM', 'Segmentation')],
      }],
    }],
    PerFrameFunctionalGroupsSequence: o.masks.map((_, k) => ({
      FrameContentSequence: [{ DimensionIndexValues: [k + 1] }],
      ...(src.ImagePositionPatient ? { PlanePositionSequence: [{ ImagePositionPatient: src.ImagePositionPatient }] } : {}),
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: k + 1 }],
    })),
    ReferencedSeriesSequence: [{ SeriesInstanceUID: src.SeriesInstanceUID, ReferencedInstanceSequence: [source] }],
  });
  const dict = data.DicomMetaDictionary.denaturalizeDataset(ds);
  dict['7FE00010'] = { vr: 'OB', Value: [pixels.buffer] }; // set raw: the dictionary's OB/OW choice would warn
  const meta = data.DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEGMENTATION_STORAGE,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: derivedUid('vlsm-audit implementation'),
    ImplementationVersionName: 'VLSM_AUDIT',
  });
  const out = new data.DicomDict(meta);
  out.dict = dict;
  return { bytes: new Uint8Array(out.write({ allowInvalidVRLength: true })), sopInstanceUid };
}
