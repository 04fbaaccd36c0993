/**
 * Checks of command-line values that several commands share, run before any work starts: output paths
 * (a mistake there used to surface as EEXIST/EISDIR/ENOENT after a whole attack had run) and attack
 * radii (a negative ε, or ε > 1 that surely meant k/255). Every refusal is a UsageError: one sentence,
 * `vlsm-audit: …`, exit 1.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from './errors.js';

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

function makeFolder(dir: string, flag: string, given: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = errno(e);
    if (code === 'ENOTDIR' || code === 'EEXIST') throw new UsageError(`${flag} ${given}: a folder on that path is a file; choose another path.`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new UsageError(`${flag} ${given}: cannot create ${dir} (permission denied or read-only).`);
    throw e;
  }
}

function checkWritable(dir: string, flag: string, given: string): void {
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${given}: ${dir} is not writable; choose another folder.`);
  }
}

/** An output folder: created with its parents when missing; refused when it is a file or not writable. */
export function prepareOutDir(path: string, flag = '--out'): void {
  let isDir: boolean | undefined;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR') throw e;
  }
  if (isDir === false) throw new UsageError(`${flag} ${path} is a file, not a folder; give a folder name (it is created) or move the file.`);
  if (isDir === undefined) makeFolder(path, flag, path);
  checkWritable(path, flag, path);
}

/** An output file: its folder is created when missing; refused when the path is a folder. */
export function prepareOutFile(path: string, flag = '--out', example = 'result'): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR') throw e;
  }
  if (isDir) throw new UsageError(`${flag} ${path} is a folder; give a file name such as ${join(path, example)}.`);
  const parent = dirname(path);
  makeFolder(parent, flag, path);
  checkWritable(parent, flag, path);
}

export { parseRadius } from '../engine/attacks/settings.js';
