/**
 * Session hardening: the renderer is served from the privileged `app://renderer/` scheme with the app's
 * CSP; every request that is not to the app itself (or the dev server in `electron-vite dev`) is
 * cancelled, so no network; permissions are denied; navigation and new windows are refused.
 */
import { app, protocol, session, type Session } from 'electron';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { securityHeaders } from '../engine/api/csp.js';
import { contentType } from '../engine/api/mime.js';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://renderer`;

/** Must run before `app.whenReady()`. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serve the built renderer on app://renderer/ with the CSP and no path escaping its folder. */
export function serveRenderer(rendererDir: string): void {
  const root = resolve(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    } catch {
      return new Response('Not found', { status: 404 });
    }
    const file = resolve(join(root, rel));
    const inside = relative(root, file);
    if (url.host !== 'renderer' || inside.startsWith('..') || isAbsolute(inside) || rel.includes('\0')) {
      return new Response('Not found', { status: 404 });
    }
    try {
      const body = await readFile(file);
      return new Response(body, { headers: { ...securityHeaders(), 'Content-Type': contentType(file) } });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}

/** Allowed request URLs: the app itself, DevTools, in-page data/blob URLs and, in dev only, the dev server. */
export function isAllowedRequest(url: string, devServer: string | null): boolean {
  if (url.startsWith(`${APP_ORIGIN}/`) || url.startsWith('devtools://') || url.startsWith('data:') || url.startsWith('blob:')) return true;
  if (devServer) {
    const dev = new URL(devServer);
    try {
      const u = new URL(url);
      return (u.protocol === 'http:' || u.protocol === 'ws:') && u.host === dev.host;
    } catch {
      return false;
    }
  }
  return false;
}

export function hardenSession(ses: Session, devServer: string | null): void {
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRequest(details.url, devServer);
    if (!allowed) console.warn(`[security] blocked request to ${details.url}`);
    callback({ cancel: !allowed });
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    for (const [k, v] of Object.entries(securityHeaders())) {
      // The dev server's pages get the dev CSP from the <meta> tag; a header would forbid its HMR socket.
      if (devServer && k === 'Content-Security-Policy') continue;
      headers[k] = [v];
    }
    callback({ responseHeaders: headers });
  });
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

/** Navigation, new windows and <webview> are refused for every web contents the app creates. */
export function guardWebContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e) => e.preventDefault());
    contents.on('will-redirect', (e) => e.preventDefault());
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

export function defaultSession(): Session {
  return session.defaultSession;
}
