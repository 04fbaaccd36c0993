import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiService, type ApiService } from '../../../src/engine/api/handlers.js';
import { ServeError, startApiServer, type ApiServer } from '../../../src/engine/api/http-server.js';

const tmp = mkdtempSync(join(tmpdir(), 'vlsm-http-'));
const staticDir = join(tmp, 'renderer');
mkdirSync(staticDir);
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
writeFileSync(join(tmp, 'secret.txt'), 'do not serve');
const pngPath = join(tmp, 'img.png');
const png = new PNG({ width: 4, height: 3 });
png.data.fill(128);
writeFileSync(pngPath, PNG.sync.write(png));

let service: ApiService;
let server: ApiServer;

beforeAll(async () => {
  service = createApiService({ transport: 'http', app: { name: 'VLSM Audit', version: 't' }, modelRoots: [], pathMode: 'any-local' });
  server = await startApiServer({ service, staticDir });
});
afterAll(async () => {
  await server.close();
  await service.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw node:http request so Host/Origin headers and odd paths are sent exactly as given. */
function send(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const auth = () => ({ Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' });
const callApi = (call: string, args: unknown, headers: Record<string, string> = auth()) =>
  send(`/api/call/${call}`, { method: 'POST', headers, body: JSON.stringify({ args }) });

describe('HTTP transport', () => {
  it('binds 127.0.0.1 only and refuses any other host', async () => {
    for (const host of ['0.0.0.0', 'localhost', '::1', '192.168.1.10']) {
      await expect(startApiServer({ service, host })).rejects.toThrow(ServeError);
      await expect(startApiServer({ service, host })).rejects.toThrow(/only binds 127\.0\.0\.1/);
    }
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).toBe(`${server.origin}/#token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(40);
  });

  it('requires the token on every API request', async () => {
    const none = await callApi('app:info', {}, { 'Content-Type': 'application/json' });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const wrong = await callApi('app:info', {}, { Authorization: `Bearer ${'x'.repeat(server.token.length)}`, 'Content-Type': 'application/json' });
    expect(wrong.status).toBe(401);
    const events = await send('/api/events');
    expect(events.status).toBe(401);
    const ok = await callApi('app:info', {});
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, value: { name: 'VLSM Audit', transport: 'http', canOpenDialog: false } });
  });

  it('rejects bad arguments with a clear message naming the field', async () => {
    const r = await callApi('segment:run', { modelDir: '/m', imagePath: '/i.png', prompt: '' });
    expect(r.status).toBe(400);
    const body = JSON.parse(r.body);
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('bad-args');
    expect(body.error.message).toContain('prompt: prompt is empty');
    const rel = await callApi('study:open', { path: 'relative.png' });
    expect(rel.status).toBe(400);
    expect(JSON.parse(rel.body).error.message).toMatch(/not an absolute path/);
  });

  it('answers unknown calls, bad JSON, wrong content type and the dialog with typed errors', async () => {
    expect((await callApi('nope:run', {})).status).toBe(404);
    expect((await callApi('__proto__', {})).status).toBe(404);
    const badJson = await send('/api/call/app:info', { method: 'POST', headers: auth(), body: '{' });
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body).error.message).toMatch(/not valid JSON/);
    const form = await send('/api/call/app:info', { method: 'POST', headers: { ...auth(), 'Content-Type': 'text/plain' }, body: '{}' });
    expect(form.status).toBe(415);
    const dialog = await callApi('dialog:open', { kind: 'study' });
    expect(dialog.status).toBe(501);
    expect(JSON.parse(dialog.body).error.code).toBe('unsupported');
    const big = await send('/api/call/app:info', { method: 'POST', headers: auth(), body: JSON.stringify({ args: {}, pad: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(big.status).toBe(413);
  });

  it('refuses foreign Host headers (DNS rebinding) and cross-origin requests', async () => {
    const rebind = await send('/api/call/app:info', { method: 'POST', headers: { ...auth(), Host: `evil.example:${server.port}` }, body: '{}' });
    expect(rebind.status).toBe(421);
    const page = await send('/', { headers: { Host: 'evil.example' } });
    expect(page.status).toBe(421);
    const cors = await send('/api/call/app:info', { method: 'POST', headers: { ...auth(), Origin: 'http://evil.example' }, body: '{}' });
    expect(cors.status).toBe(403);
    const same = await send('/api/call/app:info', { method: 'POST', headers: { ...auth(), Origin: server.origin }, body: '{}' });
    expect(same.status).toBe(200);
  });

  it('serves the renderer with the CSP and never a file outside it', async () => {
    const index = await send('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain("connect-src 'self'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%00']) {
      const r = await send(p);
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain('do not serve');
    }
  });

  it('returns a study as a PNG data URL and streams its progress over SSE', async () => {
    const events: string[] = [];
    const ctrl = new AbortController();
    const res = await fetch(`${server.origin}/api/events`, { headers: { Authorization: `Bearer ${server.token}` }, signal: ctrl.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const got = (async () => {
      let text = '';
      while (!text.includes('event: progress')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      events.push(text);
    })();
    const r = await send('/api/call/study:open', { method: 'POST', headers: auth(), body: JSON.stringify({ args: { path: pngPath }, requestId: 'req-1' }) });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.value).toMatchObject({ width: 4, height: 3, format: 'png', frame: 0, frames: 1 });
    expect(body.value.png).toMatch(/^data:image\/png;base64,/);
    await got;
    ctrl.abort();
    expect(events[0]).toMatch(/event: progress\ndata: \{"requestId":"req-1","call":"study:open","stage":"decoding"/);
  });
});
