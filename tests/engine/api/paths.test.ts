import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/engine/api/errors.js';
import { createPathPolicy } from '../../../src/engine/api/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'vlsm-paths-'));
const file = join(dir, 'a.png');
writeFileSync(file, 'x');
const models = join(dir, 'models');
mkdirSync(join(models, 'm1'), { recursive: true });
writeFileSync(join(models, 'm1', 'vlsm.json'), '{}');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof ApiError ? e.code : `unexpected ${String(e)}`;
  }
}

describe('path policy', () => {
  const any = createPathPolicy({ mode: 'any-local' });

  it('rejects relative paths, URLs and network shares', async () => {
    expect(await code(any.checkFile('a.png', 'study'))).toBe('bad-args');
    expect(await code(any.checkFile('file:///etc/passwd', 'study'))).toBe('bad-args');
    expect(await code(any.checkFile('//server/share/a.png', 'study'))).toBe('forbidden');
  });

  it('reports a missing file as not-found and a folder as not a file', async () => {
    expect(await code(any.checkFile(join(dir, 'missing.png'), 'study'))).toBe('not-found');
    expect(await code(any.checkFile(dir, 'study'))).toBe('bad-args');
    expect(await code(any.checkDir(file, 'model'))).toBe('bad-args');
    expect(await any.checkFile(file, 'study')).toBe(file);
  });

  it('granted-only: refuses what was not chosen, allows granted files and model roots', async () => {
    const strict = createPathPolicy({ mode: 'granted-only', roots: [models] });
    expect(await code(strict.checkFile(file, 'study'))).toBe('forbidden');
    expect(await strict.checkDir(join(models, 'm1'), 'model')).toBe(join(models, 'm1'));
    await strict.grant(file);
    expect(await strict.checkFile(file, 'study')).toBe(file);
    // A symlink to an ungranted file resolves to its target and is still refused.
    const other = join(dir, 'b.png');
    writeFileSync(other, 'y');
    symlinkSync(other, join(models, 'link.png'));
    expect(await code(strict.checkFile(join(models, 'link.png'), 'study'))).toBe('forbidden');
  });
});
