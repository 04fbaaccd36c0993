/**
 * Tests that need a tool outside npm (Chromium, Python with torch, a Debian program): locally they are
 * skipped and print why (`SKIP <reason>`, which scripts/test.mjs lists in its summary); under CI=true a
 * missing tool throws, so the file fails by name and a green CI run means the tests really ran.
 */
import { inCI } from './data.js';

/** Use as `describe.skipIf(skipWithout('Chromium at /usr/bin/chromium', existsSync(path), 'install …'))`. */
export function skipWithout(what: string, available: boolean, remedy: string): boolean {
  if (available) return false;
  const msg = `${what} is not available (${remedy})`;
  if (inCI) throw new Error(`${msg}; CI=true requires it.`);
  console.warn(`SKIP ${msg}`);
  return true;
}
