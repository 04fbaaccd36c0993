/**
 * The electron-vite main bundle (out/main/, built by the test command before the tests run) as the app
 * loads it: every file must compile as an ES module, and the job worker entry must sit beside the main
 * entry, where src/engine/jobs/pool.ts looks for it. A chunk that fails to compile stops the whole app at
 * start (it happened: electron-vite's `const require` shim beside one of ours in the imaging chunk), and
 * the Electron binary that would show it is not available here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inCI, repoRoot } from '../helpers/data.js';

const outMain = join(repoRoot, 'out', 'main');
const built = existsSync(join(outMain, 'index.js'));

describe.skipIf(!built && !inCI)('main bundle (out/main; skipped until `npx electron-vite build` ran)', () => {
  it('every file compiles as an ES module', () => {
    const files = readdirSync(outMain, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.js'))
      .map((f) => join(outMain, f));
    expect(files.length).toBeGreaterThan(2);
    // vm.SourceTextModule parses and checks declarations without linking (no electron needed)
    const check = `import vm from 'node:vm'; import { readFileSync } from 'node:fs';
      for (const f of process.argv.slice(1)) { try { new vm.SourceTextModule(readFileSync(f, 'utf8'), { identifier: f }); } catch (e) { console.log(f + ': ' + e.message); } }`;
    const r = spawnSync(process.execPath, ['--experimental-vm-modules', '--no-warnings', '--input-type=module', '-e', check, ...files], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('');
  });

  it('the job worker entry is beside the main entry, where the bundled pool looks for it', () => {
    expect(existsSync(join(outMain, 'job-worker.js'))).toBe(true);
    // the pool's code lands in index.js or in a chunk (out/main/chunks/), and looks beside itself and one folder up
    const pool = readdirSync(outMain, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js') && readFileSync(join(outMain, f), 'utf8').includes('job-worker.js'));
    expect(pool.length).toBeGreaterThan(0);
    for (const f of pool) expect(f === 'index.js' || f.startsWith('chunks')).toBe(true);
    expect(readFileSync(join(outMain, pool[0]), 'utf8')).toMatch(/join\(\w+, ["']\.\.["'], ["']job-worker\.js["']\)/);
  });
});
