/**
 * User mistakes that an outside test saw end in stack traces (issue 14), each through the built CLI:
 * every one must be a single `vlsm-audit: <sentence>` line with exit code 1 (2 only for a command line
 * commander cannot parse), found before any work is done. Output-path checks use a model folder that
 * does not exist: the answer names the --out problem, so the check ran before the model was loaded.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTestVlsm } from '../fixtures/test-vlsm.js';
import { repoRoot } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli, type CliResult } from './run-cli.js';

const tmp = tempDir();
afterAll(() => tmp.remove());
const model = writeTestVlsm(join(tmp.path, 'model'), { size: 32 });
const noModel = join(tmp.path, 'no-such-model');
const aFile = join(tmp.path, 'a-file');
writeFileSync(aFile, 'x');
const aFolder = join(tmp.path, 'a-folder');
mkdirSync(aFolder);

function png(name: string, pixel: (x: number, y: number) => [number, number, number]): string {
  const p = new PNG({ width: 32, height: 32 });
  for (let y = 0; y < 32; y++)
    for (let x = 0; x < 32; x++) {
      const [r, g, b] = pixel(x, y);
      p.data.set([r, g, b, 255], (y * 32 + x) * 4);
    }
  const file = join(tmp.path, name);
  writeFileSync(file, PNG.sync.write(p));
  return file;
}
const image = png('image.png', (x, y) => [(x * 8) & 255, (y * 8) & 255, 128]);
const goodMask = png('mask.png', (x, y) => (x > 8 && x < 20 && y > 10 ? [255, 255, 255] : [0, 0, 0]));

/** One line `vlsm-audit: …` on stderr, nothing else, and the exit code. */
function oneLine(r: CliResult, status: number, message: RegExp): void {
  expect(r.stderr, r.stderr).toMatch(/^vlsm-audit: [^\n]+\n$/);
  expect(r.stderr).toMatch(message);
  expect(r.status).toBe(status);
}

const attack = (...extra: string[]) => ['attack', '--model', model, '--image', image, '--prompt', 'polyp', '--out', join(tmp.path, 'attack-out'), ...extra];

describe('output paths are checked before any work', () => {
  it('attack --out an existing file', () => {
    oneLine(runCli(['attack', '--model', noModel, '--image', image, '--prompt', 'polyp', '--out', aFile]), 1, /--out .*a-file is a file, not a folder/);
  });
  it('uap --out an existing file', () => {
    oneLine(runCli(['uap', '--model', noModel, '--data', tmp.path, '--out', aFile]), 1, /--out .*a-file is a file, not a folder/);
  });
  it('segment and prompts --out a folder', () => {
    oneLine(runCli(['segment', '--model', noModel, '--image', image, '--prompt', 'polyp', '--out', aFolder]), 1, /--out .*a-folder is a folder; give a file name such as .*mask\.png/);
    oneLine(runCli(['prompts', '--model', noModel, '--data', tmp.path, '--out', aFolder]), 1, /--out .*a-folder is a folder/);
  });
  it('--out below a file', () => {
    oneLine(runCli(['segment', '--model', noModel, '--image', image, '--prompt', 'polyp', '--out', join(aFile, 'm.png')]), 1, /a folder on that path is a file/);
  });
  it('--out into missing folders creates them', () => {
    const out = join(tmp.path, 'new', 'deeper', 'mask.png');
    const r = runCli(['segment', '--model', model, '--image', image, '--prompt', 'polyp', '--out', out, '--threads', '1']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(true);
    const a = runCli(attack('--attack', 'fgsm', '--threads', '1', '--out', join(tmp.path, 'new2', 'attack')));
    expect(a.stderr).toBe('');
    expect(existsSync(join(tmp.path, 'new2', 'attack', 'metrics.json'))).toBe(true);
  });
});

describe('bad values: one exit code, one style', () => {
  it('--steps 0 (commander) and --eps abc (ours) read the same', () => {
    oneLine(runCli(attack('--steps', '0')), 1, /^vlsm-audit: --steps must be a positive integer, got "0"\.\n$/);
    oneLine(runCli(attack('--eps', 'abc')), 1, /^vlsm-audit: --eps must be a number or a fraction like 8\/255, got "abc"\.\n$/);
  });
  it('--eps -1 says it is negative', () => {
    oneLine(runCli(attack('--eps', '-1')), 1, /--eps is negative \(-1\)/);
  });
  it('--eps 8 and --eps 300/255 are refused with a hint', () => {
    oneLine(runCli(attack('--eps', '8')), 1, /--eps 8 is more than 1.*did you mean 8\/255\?/);
    oneLine(runCli(attack('--eps', '300/255')), 1, /--eps 300\/255 is more than 1.*at most 255\/255/);
    oneLine(runCli(attack('--alpha', '2')), 1, /--alpha 2 is more than 1.*did you mean 2\/255\?/);
  });
  it('an L2 radius above 1 is allowed (it is a norm over the whole image)', () => {
    const r = runCli(attack('--attack', 'pgd-l2', '--eps', '2', '--steps', '1', '--threads', '1'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
  it('--provider with an unknown value', () => {
    oneLine(runCli(['segment', '--model', model, '--image', image, '--prompt', 'polyp', '--provider', 'gpu']), 1, /--provider must be auto, cpu or cuda, got "gpu"/);
  });
  it('an unknown option is a usage error (exit 2) in the same style', () => {
    oneLine(runCli(['segment', '--model', model, '--image', image, '--prompt', 'polyp', '--bogus']), 2, /^vlsm-audit: unknown option '--bogus'/);
  });
});

describe('inputs that crashed', () => {
  it('a package without tokenizer_config.json given an unknown word segments (unknown word → [UNK])', () => {
    expect(existsSync(join(model, 'tokenizer_config.json'))).toBe(false);
    const r = runCli(['segment', '--model', model, '--image', image, '--prompt', 'polyp zzzqqq', '--json', '--threads', '1']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).width).toBe(32);
  });
  it('a DICOM file with an element running past its end', () => {
    // Implicit VR little endian, no preamble: (0008,0060) "MR", then (0028,0004) declaring 32524 bytes.
    const bytes = Buffer.from([0x08, 0, 0x60, 0, 2, 0, 0, 0, 0x4d, 0x52, 0x28, 0, 0x04, 0, 0x0c, 0x7f, 0, 0, 0x4d, 0x4f]);
    const file = join(tmp.path, 'overrun.dcm');
    writeFileSync(file, bytes);
    oneLine(runCli(['segment', '--model', model, '--image', file, '--prompt', 'polyp']), 1, /overrun\.dcm: not a readable DICOM file: element \(0028,0004\)/);
  });
  it('a colour picture given as --mask is refused; a real mask is taken', () => {
    const photo = png('photo.png', (x, y) => [200, (x * 8) & 255, (y * 5) & 255]);
    oneLine(runCli(['segment', '--model', model, '--image', image, '--prompt', 'polyp', '--mask', photo]), 1, /photo\.png: is a colour image .* not a mask/);
    const grey = png('grey.png', (x, y) => [(x + y) * 4, (x + y) * 4, (x + y) * 4]);
    oneLine(runCli(['segment', '--model', model, '--image', image, '--prompt', 'polyp', '--mask', grey]), 1, /grey\.png: has many grey levels .* not a mask/);
    const r = runCli(['segment', '--model', model, '--image', image, '--prompt', 'polyp', '--mask', goodMask, '--json', '--threads', '1']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).dice).toBeGreaterThanOrEqual(0);
  });
});

describe('README flags: --provider and --threads everywhere ONNX Runtime runs', () => {
  it('gradcheck accepts them', () => {
    const r = runCli(['gradcheck', '--model', model, '--samples', '2', '--provider', 'cpu', '--threads', '1', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).passed).toBe(true);
  });

  it('serve accepts them and starts', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'vlsm-audit.js'), 'serve', '--port', '0', '--provider', 'cpu', '--threads', '1'], { cwd: repoRoot });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const started = await new Promise<boolean>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('is serving on http://127.0.0.1:')) resolve(true);
      });
      child.on('exit', () => resolve(false));
    });
    child.kill('SIGTERM');
    expect(started, `${out}\n${err}`).toBe(true);
    expect(err).not.toMatch(/unknown option/i);
  }, 60_000);
});

describe('uap --help', () => {
  it('shows the defaults uap uses, each once', () => {
    const r = runCli(['uap', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--alpha <r>\s+step size per update \(default 1\/255\)/);
    expect(r.stdout).toMatch(/--steps <n>\s+epochs over the training images \(default 5\)/);
    expect(r.stdout).not.toMatch(/2\/255|default 40/);
    expect(r.stdout.match(/64/g)).toHaveLength(1);
  });
});
