/**
 * The HTTP transport of the handler table (`vlsm-audit serve`): the same `dispatch()` the desktop app
 * uses over IPC, reachable only from this machine.
 *
 *   POST /api/call/<call>   body {"args": {...}, "requestId"?: "..."} → the contract's result envelope
 *   GET  /api/events        Server-Sent Events: `event: progress` + JSON data
 *   GET  /*                 the built renderer (out/renderer), with the app's CSP
 *
 * Safety: binds 127.0.0.1 only; every /api request needs `Authorization: Bearer <token>` (a random
 * 256-bit token printed in the start-up URL's fragment, which browsers never send to servers); the Host
 * header must name this server (defeats DNS rebinding) and a cross-origin Origin is refused. The static
 * renderer files carry no data and are served without the token so the page can load and read it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { ApiErrorBody, ApiErrorCode, ApiResult } from './contract.js';
import { securityHeaders } from './csp.js';
import type { ApiService } from './handlers.js';
import { contentType } from './mime.js';
import { UserError } from '../errors.js';

export const ALLOWED_HOST = '127.0.0.1';
const MAX_BODY_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;

export class ServeError extends UserError {
  override name = 'ServeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('bad-args', message, options);
  }
}

export interface ApiServerOptions {
  service: ApiService;
  /** Must be 127.0.0.1; anything else is refused. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Defaults to 32 random bytes, base64url. */
  token?: string;
  /** The built renderer to serve; null serves the API only. */
  staticDir?: string | null;
}

export interface ApiServer {
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** The URL to open: origin + `/#token=…`. */
  readonly url: string;
  close(): Promise<void>;
}

const statusFor: Record<ApiErrorCode, number> = {
  'bad-args': 400,
  'unknown-call': 404,
  'not-found': 404,
  forbidden: 403,
  unsupported: 501,
  'decode-failed': 422,
  'model-invalid': 422,
  runtime: 422,
  cancelled: 409,
  internal: 500,
  unauthorized: 401,
  transport: 400,
};

export function createToken(): string {
  return randomBytes(32).toString('base64url');
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const host = opts.host ?? ALLOWED_HOST;
  if (host !== ALLOWED_HOST) {
    throw new ServeError(
      `Refusing to listen on ${host}: vlsm-audit serve only binds ${ALLOWED_HOST}, because the API reads local files and must not be reachable from other machines.`,
    );
  }
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ServeError(`Port ${String(port)} is not a whole number between 0 and 65535.`);
  const token = opts.token ?? createToken();
  if (token.length < 16) throw new ServeError('The access token must be at least 16 characters long.');
  const tokenBytes = Buffer.from(token);
  const staticDir = opts.staticDir ? resolve(opts.staticDir) : null;
  const { service } = opts;

  const sse = new Set<ServerResponse>();
  let actualPort = port;
  const allowedHosts = () => [`${ALLOWED_HOST}:${actualPort}`, `localhost:${actualPort}`];

  const send = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) => {
    const json = JSON.stringify(body);
    res.writeHead(status, { ...securityHeaders(), 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8', ...extra });
    res.end(json);
  };
  const fail = (res: ServerResponse, code: ApiErrorCode, message: string, status = statusFor[code]) => {
    const error: ApiErrorBody = { code, message };
    send(res, status, { ok: false, error } satisfies ApiResult<never>);
  };

  const authorized = (req: IncomingMessage): boolean => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const given = Buffer.from(m[1]);
    return given.length === tokenBytes.length && timingSafeEqual(given, tokenBytes);
  };

  async function handleCall(req: IncomingMessage, res: ServerResponse, call: string): Promise<void> {
    if (req.method !== 'POST') return fail(res, 'bad-args', 'API calls use POST.', 405);
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return fail(res, 'bad-args', 'API calls must send Content-Type: application/json.', 415);
    }
    let raw: string;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch (e) {
      return fail(res, 'bad-args', (e as Error).message, 413);
    }
    let body: unknown;
    try {
      body = raw.length === 0 ? {} : JSON.parse(raw);
    } catch {
      return fail(res, 'bad-args', 'The request body is not valid JSON.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return fail(res, 'bad-args', 'The request body must be a JSON object {"args": {...}}.');
    }
    const { args, requestId } = body as { args?: unknown; requestId?: unknown };
    const result = await service.dispatch(call, args ?? {}, { requestId });
    send(res, result.ok ? 200 : statusFor[result.error.code], result);
  }

  function handleEvents(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') return fail(res, 'bad-args', 'The event stream is read with GET.', 405);
    res.writeHead(200, { ...securityHeaders(), 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    sse.add(res);
    const unsubscribe = service.subscribe((event, payload) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const beat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    beat.unref();
    res.on('close', () => {
      clearInterval(beat);
      unsubscribe();
      sse.delete(res);
    });
  }

  async function handleStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 'bad-args', 'Only GET and HEAD are served here.', 405);
    const notFound = () => {
      res.writeHead(404, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Not found\n');
    };
    if (!staticDir) {
      res.writeHead(503, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end('The renderer is not built; run `npx electron-vite build` and restart vlsm-audit serve.\n');
    }
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return notFound();
    }
    if (rel.includes('\0')) return notFound();
    if (rel.endsWith('/')) rel += 'index.html';
    const file = resolve(join(staticDir, rel));
    const inside = relative(staticDir, file);
    if (inside.startsWith('..') || isAbsolute(inside)) return notFound();
    try {
      const st = await stat(file);
      if (!st.isFile()) return notFound();
      res.writeHead(200, {
        ...securityHeaders(),
        'Content-Type': contentType(file),
        'Content-Length': String(st.size),
        'Cache-Control': 'no-cache',
      });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file).pipe(res);
    } catch {
      notFound();
    }
  }

  const server = createServer((req, res) => {
    const reject = (status: number, message: string) => fail(res, 'forbidden', message, status);
    // DNS rebinding: a page from elsewhere that resolves its name to 127.0.0.1 still sends its own Host.
    if (!allowedHosts().includes((req.headers.host ?? '').toLowerCase())) {
      return reject(421, 'This server answers only requests addressed to 127.0.0.1 or localhost.');
    }
    const url = new URL(req.url ?? '/', `http://${ALLOWED_HOST}:${actualPort}`);
    if (url.pathname.startsWith('/api/')) {
      const origin = req.headers.origin;
      if (origin !== undefined && !allowedHosts().some((h) => origin === `http://${h}`)) {
        return reject(403, 'Cross-origin requests are refused.');
      }
      if (!authorized(req)) {
        return fail(res, 'unauthorized', 'Missing or wrong access token; open the URL that vlsm-audit serve printed (it ends in #token=…).');
      }
      if (url.pathname === '/api/events') return handleEvents(req, res);
      const m = /^\/api\/call\/([^/]+)$/.exec(url.pathname);
      if (!m) return fail(res, 'unknown-call', `No API route ${url.pathname}.`);
      let call: string;
      try {
        call = decodeURIComponent(m[1]);
      } catch {
        return fail(res, 'unknown-call', 'Malformed call name.');
      }
      handleCall(req, res, call).catch((e: unknown) => {
        console.error('[serve] request failed', e);
        if (!res.headersSent) fail(res, 'internal', 'The request failed unexpectedly; this is a bug — see the server log.');
        else res.destroy();
      });
      return;
    }
    handleStatic(req, res, url.pathname).catch(() => res.destroy());
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      rejectListen(e.code === 'EADDRINUSE' ? new ServeError(`Port ${port} is already in use; choose another with --port or use --port 0.`) : e),
    );
    server.listen(port, host, () => resolveListen());
  });
  actualPort = (server.address() as AddressInfo).port;
  const origin = `http://${ALLOWED_HOST}:${actualPort}`;

  return {
    origin,
    port: actualPort,
    token,
    url: `${origin}/#token=${token}`,
    async close() {
      for (const res of sse) res.end();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolveBody, rejectBody) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Past the limit keep reading (and dropping) so the 413 answer can still be delivered.
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => {
      if (size > limit) rejectBody(new Error(`The request body is larger than ${limit} bytes.`));
      else resolveBody(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', rejectBody);
  });
}
