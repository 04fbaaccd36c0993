/**
 * Where a result came from: the app version (package.json), the git commit of the checkout (null outside
 * one, e.g. an installed app), and ENGINE_VERSION — the part of every cell key that says which numerics
 * produced it. Bump AUDIT_NUMERICS when a change alters any stored metric for the same inputs, so that a
 * resumed audit never mixes cells computed by two different engines.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const AUDIT_NUMERICS = 1;

/** The project root: the nearest folder above this module with a package.json named vlsm-audit. */
function projectRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'vlsm-audit') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

let cached: { appVersion: string | null; gitCommit: string | null } | undefined;

export function appInfo(): { appVersion: string | null; gitCommit: string | null } {
  if (cached) return cached;
  const root = projectRoot();
  let appVersion: string | null = null;
  let gitCommit: string | null = null;
  if (root) {
    appVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? null;
    try {
      gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
    } catch {
      gitCommit = null; // no git, or not a checkout
    }
  }
  cached = { appVersion, gitCommit };
  return cached;
}

/** In every cell key: same engine version + same inputs → same metrics. */
export function engineVersion(): string {
  return `${appInfo().appVersion ?? 'unknown'}+audit.${AUDIT_NUMERICS}`;
}

export function hostInfo(): { nodeVersion: string; platform: string; host: string } {
  return { nodeVersion: process.version, platform: `${process.platform}-${process.arch}`, host: hostname() };
}
