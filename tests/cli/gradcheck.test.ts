import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTestVlsm } from '../fixtures/test-vlsm.js';
import { tempDir } from '../helpers/tmp.js';
import { runCli } from './run-cli.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

describe('vlsm-audit gradcheck (built CLI)', () => {
  it('checks the test VLSM package with a tokenised prompt and prints the documented JSON', () => {
    const model = writeTestVlsm(join(tmp.path, 'm'), { size: 32 });
    const r = runCli(['gradcheck', '--model', model, '--samples', '6', '--prompt', 'left lung', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.maxRelError).toBeLessThanOrEqual(1e-4);
    expect(j.directionalRelError).toBeLessThanOrEqual(1e-4);
    expect(j.ops).toEqual(expect.arrayContaining(['Conv', 'Relu', 'Resize']));
    expect(j.nodes.forward).toBeGreaterThan(0);
    expect(j.nodes.backward).toBeGreaterThan(0);
  });
  it('a prompt the vocabulary does not know is a one-line error', () => {
    const model = writeTestVlsm(join(tmp.path, 'm2'), { size: 32 });
    const r = runCli(['gradcheck', '--model', model, '--prompt', 'zebra']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^vlsm-audit: .*knows none of the words/);
  });
});
