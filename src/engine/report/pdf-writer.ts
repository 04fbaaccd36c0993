/**
 * The one file that touches pdfmake (0.3.x, plain Node and Electron's main process alike). Fonts are the
 * Roboto TTFs pdfmake ships; local file access is limited to that folder and every URL is refused, so a
 * document can never make the app read other files or open a connection. The creation date is an input:
 * with the same document and the same date the bytes are the same (pdfkit derives the file ID from them).
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

/** The subset of pdfmake's document definition this project produces (see document.ts). */
export type PdfContent = string | PdfNode | PdfContent[];
export interface PdfNode {
  [key: string]: unknown;
}
export interface PdfDocument {
  info: { title: string; author?: string; subject?: string; keywords?: string; creator?: string; producer?: string };
  content: PdfContent[];
  [key: string]: unknown;
}

interface PdfMakeInstance {
  setFonts(fonts: Record<string, Record<'normal' | 'bold' | 'italics' | 'bolditalics', string>>): void;
  setLocalAccessPolicy(policy: (path: string) => boolean): void;
  setUrlAccessPolicy(policy: (url: string) => boolean): void;
  createPdf(doc: unknown): { getBuffer(): Promise<Buffer> };
}

let instance: PdfMakeInstance | undefined;

function pdfmake(): PdfMakeInstance {
  if (instance) return instance;
  const require = createRequire(import.meta.url);
  const pm = require('pdfmake') as PdfMakeInstance;
  const fontDir = join(dirname(require.resolve('pdfmake/package.json')), 'fonts', 'Roboto');
  const font = (f: string): string => join(fontDir, f);
  pm.setFonts({
    Roboto: {
      normal: font('Roboto-Regular.ttf'),
      bold: font('Roboto-Medium.ttf'),
      italics: font('Roboto-Italic.ttf'),
      bolditalics: font('Roboto-MediumItalic.ttf'),
    },
  });
  pm.setLocalAccessPolicy((p) => p.startsWith(fontDir + sep));
  pm.setUrlAccessPolicy(() => false);
  instance = pm;
  return pm;
}

/** Lay out and serialise a document; `created` becomes the PDF's CreationDate (and, through it, its ID). */
export async function renderPdf(doc: PdfDocument, created: Date): Promise<Uint8Array> {
  const def = { ...doc, info: { creator: 'VLSM Audit', producer: 'VLSM Audit (pdfmake)', ...doc.info, creationDate: created } };
  const buf = await pdfmake().createPdf(def).getBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
