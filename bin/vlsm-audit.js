#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build:cli`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('vlsm-audit: the CLI is not built yet; run `npm run build:cli` first.\n');
  process.exit(2);
}
await import(entry.href);
