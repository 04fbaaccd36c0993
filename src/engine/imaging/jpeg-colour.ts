/**
 * libjpeg(-turbo) treats a 3-component JPEG without JFIF or Adobe markers as YCbCr and converts it to RGB
 * (unless its component ids are 'R','G','B'). DICOM files with PhotometricInterpretation RGB often carry
 * such codestreams whose components are already RGB. Inserting an Adobe APP14 marker with transform 0
 * right after SOI makes the codec return the components untouched — exact, unlike undoing the transform.
 */

/** APP14 "Adobe", version 100, flags 0/0, transform 0 (no colour transform). */
const ADOBE_NO_TRANSFORM = Uint8Array.of(
  0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00,
);

/** True when the codestream has a JFIF APP0 or an Adobe APP14 marker before its first scan. */
function hasColourMarker(bytes: Uint8Array): boolean {
  let i = 2;
  while (i + 8 < bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1];
    if (marker === 0xda) return false; // start of scan: no more header markers
    const len = (bytes[i + 2] << 8) | bytes[i + 3];
    const tag = String.fromCharCode(bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7], bytes[i + 8]);
    if ((marker === 0xe0 && tag.startsWith('JFIF')) || (marker === 0xee && tag === 'Adobe' && len >= 14)) return true; // libjpeg ignores shorter APP14
    i += 2 + len;
  }
  return false;
}

/** The codestream, with an Adobe no-transform marker added when it has no colour marker of its own. */
export function keepJpegComponentsAsRgb(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || hasColourMarker(bytes)) return bytes;
  const out = new Uint8Array(bytes.length + ADOBE_NO_TRANSFORM.length);
  out.set(bytes.subarray(0, 2), 0);
  out.set(ADOBE_NO_TRANSFORM, 2);
  out.set(bytes.subarray(2), 2 + ADOBE_NO_TRANSFORM.length);
  return out;
}
