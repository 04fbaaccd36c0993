/** `vlsm-audit gradcheck` on the three generated whole models (package folder and bare .onnx). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { registerGradcheck } from '../../../src/cli/commands/gradcheck.js';
import { encodeModel } from '../../../src/engine/onnx/proto.js';
import { writeTestVlsm } from '../../fixtures/test-vlsm.js';
import { buildClipsegStyle } from '../../fixtures/models/clipseg-style.js';
import { buildUnetTf2onnx } from '../../fixtures/models/unet-tf2onnx.js';

const dir = mkdtempSync(join(tmpdir(), 'gradcheck-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ out: string; err: string; code: number }> {
  const program = new Command().exitOverride();
  registerGradcheck(program);
  let out = '', err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    await program.parseAsync(['node', 'vlsm-audit', 'gradcheck', ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, code };
}

beforeEach(() => {
  process.exitCode = 0;
});

describe('vlsm-audit gradcheck', () => {
  test('test VLSM package folder, --json', async () => {
    const pkg = writeTestVlsm(join(dir, 'test-vlsm'), { size: 32 });
    const { out, code } = await cli(['--model', pkg, '--samples', '6', '--json']);
    const r = JSON.parse(out);
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['maxRelError', 'directionalRelError', 'ops', 'nodes']));
    expect(r.nodes.forward).toBeGreaterThan(0);
    expect(r.nodes.backward).toBeGreaterThan(0);
    expect(r.maxRelError).toBeLessThanOrEqual(1e-4);
    expect(code).toBe(0);
  });

  test.each([
    ['clipseg-style', () => buildClipsegStyle(), ['input_ids=1,5', 'attention_mask=1,5', 'pixel_values=1,3,32,32']],
    ['unet-tf2onnx', () => buildUnetTf2onnx(), ['pixel_values=1,32,32,3']],
  ] as const)('%s as a bare .onnx with --input-shape', async (name, build, shapes) => {
    const file = join(dir, `${name}.onnx`);
    writeFileSync(file, encodeModel(build()));
    const { out, code } = await cli(['--model', file, '--samples', '6', ...shapes.flatMap((s) => ['--input-shape', s])]);
    expect(out).toMatch(/^PASS/);
    expect(code).toBe(0);
  });

  test('exit code 1 above the tolerance', async () => {
    const file = join(dir, 'unet.onnx');
    writeFileSync(file, encodeModel(buildUnetTf2onnx({ size: 16 })));
    const { out, code } = await cli(['--model', file, '--samples', '4', '--tolerance', '1e-30', '--json', '--input-shape', 'pixel_values=1,16,16,3']);
    expect(JSON.parse(out).passed).toBe(false);
    expect(code).toBe(1);
  });

  test('an unsupported op is one line naming the op and node', async () => {
    const { GraphBuilder } = await import('../../../src/engine/onnx/builder.js');
    const b = new GraphBuilder('m');
    b.input('pixel_values', 'float32', [1, 3, 4, 4]);
    b.output('logits', 'float32', [1, 3, 4, 4]);
    b.node('Atan', ['pixel_values'], {}, ['logits']);
    b.nodes[0].name = 'stem/atan';
    const file = join(dir, 'sin.onnx');
    writeFileSync(file, encodeModel(b.toModel(17)));
    const { err, code } = await cli(['--model', file]);
    expect(err).toMatch(/^vlsm-audit: No gradient rule for op Atan \(node stem\/atan \[Atan\]\)/);
    expect(code).toBe(1);
  });

  test('--fd-step fixes the finite-difference step; a bad value is one line naming the flag', async () => {
    const file = join(dir, 'unet-fd.onnx');
    writeFileSync(file, encodeModel(buildUnetTf2onnx({ size: 16 })));
    const shape = ['--input-shape', 'pixel_values=1,16,16,3'];
    const { out, code } = await cli(['--model', file, '--samples', '4', '--json', '--fd-step', '1e-4', ...shape]);
    const r = JSON.parse(out);
    expect(r.fdSteps).toEqual({ min: 1e-4, max: 1e-4 });
    expect(r.passed).toBe(true);
    expect(code).toBe(0);
    const bad = await cli(['--model', file, '--fd-step', 'abc', ...shape]);
    expect(bad.err).toMatch(/^vlsm-audit: --fd-step must be a number between 0 and 1/);
    expect(bad.code).toBe(1);
  });

  test('missing shapes name --input-shape with the model dims; an unknown --wrt lists the inputs', async () => {
    const file = join(dir, 'clipseg-shapes.onnx');
    writeFileSync(file, encodeModel(buildClipsegStyle()));
    const noShape = await cli(['--model', file]);
    expect(noShape.err).toMatch(/--input-shape input_ids=<batch>,<tokens>/);
    expect(noShape.code).toBe(1);
    const shapes = ['input_ids=1,5', 'attention_mask=1,5', 'pixel_values=1,3,32,32'].flatMap((v) => ['--input-shape', v]);
    const badWrt = await cli(['--model', file, '--wrt', 'image', ...shapes]);
    expect(badWrt.err).toMatch(/no input named image; its inputs are input_ids, attention_mask, pixel_values \(choose one with --wrt\)/);
    expect(badWrt.code).toBe(1);
  });
});
