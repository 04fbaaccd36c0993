/** Runs the built CLI (bin/vlsm-audit.js → dist/) exactly as a user would, building it once if needed. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/data.js';

let built: true | Error | undefined;
function ensureBuilt(): void {
  if (built === undefined) {
    built = true;
    if (!existsSync(join(repoRoot, 'dist', 'cli', 'index.js')) || process.env.VLSM_REBUILD_CLI) {
      try {
        execFileSync('npx', ['tsc', '-p', 'tsconfig.cli.json'], { cwd: repoRoot, stdio: 'inherit' });
      } catch (e) {
        built = new Error(`building the CLI failed: ${(e as Error).message}`);
      }
    }
  }
  if (built instanceof Error) throw built;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[]): CliResult {
  ensureBuilt();
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'vlsm-audit.js'), ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
