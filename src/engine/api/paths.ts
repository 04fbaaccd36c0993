/**
 * Which local paths a caller may make the engine read. Paths arrive from the renderer, so they are
 * untrusted: they must be absolute local paths (no UNC/network shares, no URLs), exist, be of the right
 * kind, and — in the desktop app — have been chosen by the user in a native dialog (or lie under a model
 * root such as the bundled models). `vlsm-audit serve` is reachable only by the local user holding the
 * token, who types paths; there the policy is `any-local`.
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { ApiError } from './errors.js';

export type PathKind = 'study' | 'mask' | 'model' | 'folder' | 'export' | 'store' | 'new-store';

export interface PathPolicy {
  readonly mode: 'granted-only' | 'any-local';
  /** Resolve and check a file the user opened; returns its real path or throws ApiError. */
  checkFile(path: string, kind: 'study' | 'mask' | 'store'): Promise<string>;
  /** Resolve and check a folder (model package, study folder, export target); returns its real path or throws ApiError. */
  checkDir(path: string, kind: 'model' | 'folder' | 'export'): Promise<string>;
  /**
   * A file the engine will create (a new results store): an absolute path in an existing local folder,
   * and in the desktop app one the user chose in a save dialog (or inside a folder they opened).
   * Returns the path with its folder resolved.
   */
  checkNewFile(path: string, kind: 'store'): Promise<string>;
  /** Record a path the user chose in a dialog (a file, a folder whose contents become readable, or a file to create). */
  grant(path: string): Promise<void>;
}

/** Largest study/mask file the app opens (DICOM multi-frame files can be large; masks are small). */
export const MAX_FILE_BYTES = 2 * 1024 ** 3;

const label: Record<PathKind, string> = { study: 'Study file', mask: 'Mask file', model: 'Model folder', folder: 'Study folder', export: 'Export folder', store: 'Results store', 'new-store': 'New results store' };

export function createPathPolicy(opts: { mode: 'granted-only' | 'any-local'; roots?: readonly string[] }): PathPolicy {
  const grantedFiles = new Set<string>();
  const grantedDirs = new Set<string>();
  const roots = new Set<string>();
  const rootsReady = Promise.all(
    (opts.roots ?? []).map(async (r) => {
      try {
        roots.add(await realpath(r));
      } catch {
        // A root that does not exist (e.g. no bundled models yet) grants nothing.
      }
    }),
  );

  const inside = (dir: string, p: string): boolean => {
    const rel = relative(dir, p);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };

  async function resolveChecked(path: string, kind: PathKind): Promise<string> {
    if (typeof path !== 'string' || path.length === 0) throw new ApiError('bad-args', `${label[kind]} path is empty; choose a file.`);
    if (path.includes('\0')) throw new ApiError('bad-args', `${label[kind]} path contains a NUL character.`);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
      throw new ApiError('bad-args', `${label[kind]} "${path}" is a URL; give a local file path instead.`);
    }
    if (path.startsWith('\\\\') || path.startsWith('//')) {
      throw new ApiError('forbidden', `${label[kind]} "${path}" is on a network share; copy it to a local disk first.`);
    }
    if (!isAbsolute(path)) throw new ApiError('bad-args', `${label[kind]} "${path}" is not an absolute path; give the full path.`);
    let real: string;
    try {
      real = await realpath(normalize(path));
    } catch {
      throw new ApiError('not-found', `${label[kind]} "${path}" does not exist; check the path or choose it again.`);
    }
    await rootsReady;
    if (opts.mode === 'granted-only') {
      const ok = grantedFiles.has(real) || [...grantedDirs, ...roots].some((d) => inside(d, real));
      if (!ok) throw new ApiError('forbidden', `${label[kind]} "${path}" was not opened in this session; choose it with Open… first.`);
    }
    return real;
  }

  return {
    mode: opts.mode,
    async checkFile(path, kind) {
      const real = await resolveChecked(path, kind);
      const st = await stat(real);
      if (!st.isFile()) throw new ApiError('bad-args', `${label[kind]} "${path}" is not a regular file.`);
      if (st.size > MAX_FILE_BYTES) throw new ApiError('bad-args', `${label[kind]} "${path}" is larger than 2 GiB; this app does not open it.`);
      return real;
    },
    async checkDir(path, kind) {
      const real = await resolveChecked(path, kind);
      const st = await stat(real);
      if (!st.isDirectory()) {
        const hint = kind === 'model' ? 'choose the folder that holds model.onnx' : kind === 'folder' ? 'open single files with the file field instead' : 'choose or create a folder';
        throw new ApiError('bad-args', `${label[kind]} "${path}" is not a folder; ${hint}.`);
      }
      return real;
    },
    async checkNewFile(path, kind) {
      if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) throw new ApiError('bad-args', `${label[kind]} path is empty or not a path.`);
      if (!isAbsolute(path)) throw new ApiError('bad-args', `${label[kind]} "${path}" is not an absolute path; give the full path.`);
      const folder = await resolveChecked(dirname(path), 'folder').catch((e: unknown) => {
        if (e instanceof ApiError && e.code === 'not-found') throw new ApiError('not-found', `The folder of ${label[kind].toLowerCase()} "${path}" does not exist.`);
        if (e instanceof ApiError && e.code === 'forbidden' && opts.mode === 'granted-only') return null; // a save-dialog grant below may still allow it
        throw e;
      });
      const folderReal = folder ?? (await realpath(dirname(path)));
      const target = join(folderReal, basename(path));
      if (opts.mode === 'granted-only' && folder === null && !grantedFiles.has(target)) {
        throw new ApiError('forbidden', `${label[kind]} "${path}" was not chosen in this session; create it with New… first.`);
      }
      return target;
    },
    async grant(path) {
      let real: string;
      try {
        real = await realpath(path);
      } catch {
        // a save dialog's answer: the file does not exist yet; grant exactly that name in its real folder
        grantedFiles.add(join(await realpath(dirname(path)), basename(path)));
        return;
      }
      const st = await stat(real);
      if (st.isDirectory()) grantedDirs.add(real.endsWith(sep) ? real.slice(0, -1) : real);
      else grantedFiles.add(real);
    },
  };
}
