/**
 * Time and peak worker memory of opening one real-size frame (default 4096×4096×3, 16-bit, native DICOM)
 * with `study:open` in a job worker: checks that the default decode budget (src/engine/imaging/limits.ts)
 * fits inside the decode worker's memory bound (2048 MB) and its size-scaled time bound. Not a test;
 * figures go to docs/reliability.md.
 *
 *   node --import ./scripts/ts-register.mjs bench/decode-large-frame.ts [rgb16|grey16] [side]
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobPool } from '../src/engine/jobs/index.js';
import { frameDecodeMs } from '../src/engine/jobs/imaging-tasks.js';
import { buildDicom } from '../tests/engine/imaging/build-dicom.js';

const kind = process.argv[2] ?? 'rgb16';
const side = Number(process.argv[3] ?? 4096);
const spp = kind.startsWith('rgb') ? 3 : 1;
const px = new Uint16Array(side * side * spp);
for (let i = 0; i < px.length; i++) px[i] = (i * 2654435761) >>> 20; // pseudo-random, poorly compressible
const path = join(tmpdir(), `vlsm-bench-${kind}-${side}.dcm`);
writeFileSync(
  path,
  buildDicom({ rows: side, columns: side, samplesPerPixel: spp, photometric: spp === 3 ? 'RGB' : 'MONOCHROME2', bitsAllocated: 16, bitsStored: 16, pixels: new Uint8Array(px.buffer) }),
);
const pool = new JobPool({ memoryMb: 2048, timeoutMs: 600_000 });
const t = performance.now();
try {
  const r = await pool.run('study:open', { path });
  const s = (performance.now() - t) / 1000;
  console.log(`${kind} ${r.width}×${r.height}×${r.channels}: ${s.toFixed(1)} s (bound ${(frameDecodeMs(side * side * spp) / 1000).toFixed(0)} s), peak worker RSS ${pool.stats().peakRssMb.toFixed(0)} MB (bound 2048 MB)`);
} finally {
  await pool.close();
  rmSync(path, { force: true });
}
