/** Shared by the audit CLI tests: a small real plan, async CLI processes, and a store fingerprint. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataPath, repoRoot } from '../helpers/data.js';
import { runCli } from './run-cli.js';

/**
 * film-unet on 3 Kvasir-SEG test images: clean, FGSM and a 3-step PGD with random start under two seeds
 * (so the seeds matter) — 18 cells, about 20 s of CPU.
 */
export function writeSmallPlan(dir: string, name = 'small'): string {
  const plan = {
    version: 1,
    name,
    models: [join(repoRoot, 'resources', 'models', 'film-unet')],
    dataRoot: dataPath(),
    datasets: [{ kind: 'dataset', name: 'kvasir-seg', limit: 3 }],
    attacks: [
      { name: 'clean', eps: [0] },
      { name: 'fgsm', eps: ['8/255'] },
      { name: 'pgd', eps: ['4/255'], steps: 3, randomStart: true },
    ],
    seeds: [0, 1],
    store: { worstExamples: 2 },
  };
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

export const SMALL_PLAN_CELLS = 3 * (1 + 1 + 1) * 2;

/** Starts the built CLI without waiting; `lines` collects stdout lines as they come. */
export function startCli(args: string[]): { child: ChildProcess; lines: string[]; stderr: () => string; exited: Promise<number | null> } {
  runCli(['--version']); // builds dist/ once if needed
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'vlsm-audit.js'), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const parts = out.split('\n');
    out = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, lines, stderr: () => err, exited };
}

/** Resolves once `predicate` holds, polling every 100 ms; rejects after `ms`. */
export async function waitFor(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!predicate()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Cells done according to the latest --json progress line. */
export function cellsDone(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const j = JSON.parse(lines[i]) as { event?: string; done?: number };
      if (j.event === 'progress' && typeof j.done === 'number') return j.done;
    } catch {
      // not JSON
    }
  }
  return 0;
}

type Row = Record<string, unknown>;
const { Database } = createRequire(import.meta.url)('node-sqlite3-wasm') as typeof import('node-sqlite3-wasm');

/** What must be equal between two runs of the same plan: cell keys, metrics (bit-exact text) and examples. */
export function storeFingerprint(file: string): { cells: Row[]; examples: Row[]; sessions: Row[] } {
  const db = new Database(file, { readOnly: true, fileMustExist: true });
  try {
    return {
      cells: db.all('SELECT audit_id, cell_key, ordinal, image_id, attack, eps, seed, params_json, metrics_json, clean_dice, adv_dice, adv_iou, linf255 FROM cells ORDER BY audit_id, cell_key'),
      examples: db.all('SELECT audit_id, cell_key, group_key, adv_dice, hex(adversarial_png) AS adv FROM examples ORDER BY audit_id, cell_key'),
      sessions: db.all('SELECT session_id, mode, status FROM sessions ORDER BY started_at'),
    };
  } finally {
    db.close();
  }
}
