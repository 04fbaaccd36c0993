/**
 * The report hash: SHA-256 of the canonical JSON of the ReportData a PDF was built from (keys sorted,
 * byte arrays replaced by their own SHA-256, non-finite numbers as strings). It is printed in the PDF and
 * stored in its metadata; `vlsm-audit report --db FILE --audit ID --hash` recomputes it from the store,
 * so a reader can check that a PDF shows what the store holds — without trusting the PDF's author.
 */
import { createHash } from 'node:crypto';

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value));
}

function normalise(v: unknown): unknown {
  if (v instanceof Uint8Array) return { sha256: sha256(v) };
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = normalise(x);
    }
    return out;
  }
  return v;
}

export function reportHash(data: unknown): string {
  return sha256(canonicalJson(data));
}
