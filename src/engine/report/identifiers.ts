/**
 * Patient and study identifiers never reach a report unless the user asks (`--include-identifiers`).
 * Two layers, because a report is built from strings that users wrote (plan names, folder paths) as well
 * as from data: (1) images are named in the report by content hash, never by file path; (2) every string
 * of the finished document — text, tables, chart SVG, PDF metadata — goes through a scrubber that removes
 * the identifiers read from the audited DICOM files (names and their components, IDs, birth dates in
 * DICOM and ISO form, UIDs, accession and study numbers, institution and physician names) and anything
 * shaped like a DICOM UID.
 */
import { readFileSync } from 'node:fs';
import { hasDicmPrefix, parseDicomBytes } from '../imaging/dicom-parse.js';

/** The attributes of PS3.15 Annex E's basic profile that a report could plausibly echo. */
export const IDENTIFIER_TAGS: Readonly<Record<string, string>> = {
  x00100010: 'PatientName',
  x00100020: 'PatientID',
  x00100030: 'PatientBirthDate',
  x00101000: 'OtherPatientIDs',
  x00101001: 'OtherPatientNames',
  x00101040: 'PatientAddress',
  x00080050: 'AccessionNumber',
  x00200010: 'StudyID',
  x0020000d: 'StudyInstanceUID',
  x0020000e: 'SeriesInstanceUID',
  x00080018: 'SOPInstanceUID',
  x00200052: 'FrameOfReferenceUID',
  x00080080: 'InstitutionName',
  x00080081: 'InstitutionAddress',
  x00080090: 'ReferringPhysicianName',
  x00081050: 'PerformingPhysicianName',
  x00081070: 'OperatorsName',
};

export interface DicomIdentifiers {
  /** Attribute keyword → value, only those present and non-empty. */
  values: Record<string, string>;
}

/** Identifiers of one DICOM file; null when the file is not DICOM or cannot be read. */
export function readDicomIdentifiers(path: string): DicomIdentifiers | null {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    return null;
  }
  if (!hasDicmPrefix(bytes)) return null;
  try {
    const { dataSet } = parseDicomBytes(bytes, path);
    const values: Record<string, string> = {};
    for (const [tag, keyword] of Object.entries(IDENTIFIER_TAGS)) {
      const v = dataSet.string(tag)?.replace(/\0/g, '').trim();
      if (v) values[keyword] = v;
    }
    return { values };
  } catch {
    return null;
  }
}

/** Words a scrubber must never remove because they are the report's own vocabulary. */
const TOO_COMMON = new Set(['anonymized', 'anonymous', 'unknown', 'none', 'patient', 'dice', 'image', 'model', 'audit']);

/** The strings to remove for one identifier value: the value, a PN's components and spellings, DA as ISO. */
export function identifierVariants(keyword: string, value: string): string[] {
  const out = new Set<string>([value]);
  for (const part of value.split('\\')) out.add(part.trim());
  if (/Name$/.test(keyword)) {
    const comps = value.split(/[\^=\\]/).map((s) => s.trim()).filter(Boolean);
    out.add(comps.join(' '));
    out.add(comps.join('_'));
    out.add([...comps].reverse().join(' '));
    for (const c of comps) if (c.length >= 3) out.add(c);
  }
  if (/Date$/.test(keyword) && /^\d{8}$/.test(value)) out.add(`${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`);
  return [...out].filter((s) => s.length >= 3 && !TOO_COMMON.has(s.toLowerCase()));
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A DICOM UID: digit groups joined by dots, at least five of them (versions and decimals have fewer). */
const UID = /\b[0-2](?:\.(?:0|[1-9]\d*)){4,}\b/g;
export const REDACTED = '[removed]';

export type Scrubber = (text: string) => string;

export function createScrubber(identifiers: readonly DicomIdentifiers[]): Scrubber {
  const needles = new Set<string>();
  for (const id of identifiers) for (const [k, v] of Object.entries(id.values)) for (const s of identifierVariants(k, v)) needles.add(s);
  // Longest first, so "DOE^JANE" is removed whole before "DOE" could leave "^JANE" behind.
  const sorted = [...needles].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const pattern = sorted.length ? new RegExp(sorted.map(escape).join('|'), 'gi') : null;
  return (text) => {
    const t = pattern ? text.replace(pattern, REDACTED) : text;
    return t.replace(UID, REDACTED);
  };
}

/**
 * Apply a scrubber to every string of a pdfmake document tree. Image data URLs are left alone (they are
 * pixels, and base64 can contain anything); SVG markup is scrubbed like text, since charts carry labels;
 * functions (page headers and footers) are wrapped so that what they return is scrubbed too.
 */
export function scrubTree<T>(node: T, scrub: Scrubber): T {
  if (typeof node === 'string') return scrub(node) as T;
  // Page headers and footers are functions of the page number: scrub what they return.
  if (typeof node === 'function') return ((...args: unknown[]) => scrubTree((node as (...a: unknown[]) => unknown)(...args), scrub)) as T;
  if (Array.isArray(node)) return node.map((n) => scrubTree(n, scrub)) as T;
  if (node && typeof node === 'object' && !(node instanceof Date) && !ArrayBuffer.isView(node)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) out[k] = k === 'image' ? v : scrubTree(v, scrub);
    return out as T;
  }
  return node;
}
