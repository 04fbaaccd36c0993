/**
 * `vlsm-audit serve`: the app's handler table over HTTP on 127.0.0.1, with the built renderer, so the UI
 * runs in any Chromium (end-to-end tests, machines where Electron may not be installed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { createApiService, type ApiService } from '../../engine/api/handlers.js';
import { ALLOWED_HOST, ServeError, startApiServer, type ApiServer } from '../../engine/api/http-server.js';
import type { ModelRoot } from '../../engine/api/models.js';
import { action, UsageError } from '../errors.js';
import { providerOption, threadsOption, type ProviderFlag } from '../options.js';

/** The folder holding the project's package.json (src/cli/commands or dist/cli/commands → root). */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'resources'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(from, '..', '..', '..');
    dir = up;
  }
}

export interface ServeOptions {
  host?: string;
  port?: number;
  token?: string;
  /** Built renderer; default <root>/out/renderer. */
  rendererDir?: string;
  /** Extra model folders (a package, or a folder of packages), listed beside the bundled ones. */
  models?: string[];
  /** Execution provider for calls that do not name one (default auto). */
  provider?: ProviderFlag;
  threads?: number;
}

export async function startServe(opts: ServeOptions = {}): Promise<{ server: ApiServer; service: ApiService; rendererDir: string | null }> {
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string };
  const modelRoots: ModelRoot[] = [
    { dir: join(root, 'resources', 'models'), origin: 'bundled' },
    ...(opts.models ?? []).map((d): ModelRoot => ({ dir: resolve(d), origin: 'extra' })),
  ];
  const wanted = resolve(opts.rendererDir ?? join(root, 'out', 'renderer'));
  const rendererDir = existsSync(join(wanted, 'index.html')) ? wanted : null;
  const service = createApiService({
    transport: 'http',
    app: { name: 'VLSM Audit', version: pkg.version ?? '0.0.0' },
    modelRoots,
    pathMode: 'any-local',
    provider: opts.provider,
    threads: opts.threads,
  });
  try {
    const server = await startApiServer({ service, host: opts.host, port: opts.port, token: opts.token, staticDir: rendererDir });
    return { server, service, rendererDir };
  } catch (e) {
    await service.dispose();
    throw e;
  }
}

function parsePort(v: string): number {
  const n = Number(v);
  // InvalidArgumentError: commander prints it as one line and exits non-zero (no stack trace).
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError(`--port must be a whole number from 0 to 65535, got "${v}".`);
  return n;
}

interface ServeCliOptions {
  port: number;
  host: string;
  renderer?: string;
  models?: string[];
  provider: ProviderFlag;
  threads?: number;
}

export function registerServe(program: Command): Command {
  return program
    .command('serve')
    .description(`serve the app's API and UI over HTTP on ${ALLOWED_HOST} with a random access token`)
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 0)
    .option('--host <addr>', `address to bind; only ${ALLOWED_HOST} is accepted`, ALLOWED_HOST)
    .option('--renderer <dir>', 'built renderer to serve (default: out/renderer)')
    .option('--models <dir...>', 'extra model package folders to list in the UI')
    .addOption(providerOption())
    .addOption(threadsOption())
    .action(
      action(async (o: ServeCliOptions) => {
        let started: Awaited<ReturnType<typeof startServe>>;
        try {
          started = await startServe({ host: o.host, port: o.port, rendererDir: o.renderer, models: o.models, provider: o.provider, threads: o.threads });
        } catch (e) {
          if (e instanceof ServeError) throw new UsageError(e.message);
          throw e;
        }
        const { server, service, rendererDir } = started;
        if (!rendererDir) process.stderr.write('vlsm-audit: the renderer is not built (run `npx electron-vite build`); serving the API only.\n');
        process.stdout.write(`VLSM Audit is serving on ${server.url}\n`);
        process.stdout.write('Open that URL (it carries the access token). Press Ctrl+C to stop.\n');
        const stop = () => {
          void server
            .close()
            .then(() => service.dispose())
            .finally(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      }),
    );
}
