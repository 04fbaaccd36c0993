/**
 * The Electron main entry with `electron` stubbed: checks the window's security settings, the app://
 * protocol (CSP header, no escaping the renderer folder), the request filter wiring, permission denial and
 * the navigation guards — everything that can be checked without the Electron binary.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

type Listener = (...args: unknown[]) => void;
const h = vi.hoisted(() => ({
  appEvents: new Map<string, Listener>(),
  windows: [] as Array<{ options: { webPreferences: Record<string, unknown> }; url?: string }>,
  privileged: [] as unknown[],
  protocolHandler: null as null | ((req: { url: string }) => Promise<Response>),
  beforeRequest: null as null | ((d: { url: string }, cb: (r: { cancel: boolean }) => void) => void),
  permissionRequest: null as null | ((wc: unknown, perm: string, cb: (ok: boolean) => void) => void),
  permissionCheck: null as null | (() => boolean),
  sandboxEnabled: false,
  ipcChannels: [] as string[],
}));

vi.mock('electron', () => {
  class BrowserWindow {
    static getAllWindows = () => [];
    static getFocusedWindow = () => null;
    webContents = { send: () => undefined };
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      h.windows.push(this as never);
    }
    once() {}
    on() {}
    isDestroyed() {
      return false;
    }
    loadURL(url: string) {
      (h.windows.at(-1) as { url?: string }).url = url;
      return Promise.resolve();
    }
  }
  return {
    app: {
      enableSandbox: () => (h.sandboxEnabled = true),
      on: (ev: string, fn: Listener) => h.appEvents.set(ev, fn),
      whenReady: () => Promise.resolve(),
      isPackaged: false,
      getVersion: () => '0.0.0-test',
      getAppPath: () => process.cwd(),
      getPath: () => join(tmpdir(), 'vlsm-main-test-user-data'),
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    BrowserWindow,
    dialog: { showOpenDialog: async () => ({ canceled: true, filePaths: [] }) },
    ipcMain: { handle: (ch: string) => h.ipcChannels.push(ch), removeHandler: () => undefined },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => h.privileged.push(...s),
      handle: (_scheme: string, fn: (req: { url: string }) => Promise<Response>) => (h.protocolHandler = fn),
    },
    session: {
      defaultSession: {
        webRequest: {
          onBeforeRequest: (fn: typeof h.beforeRequest) => (h.beforeRequest = fn),
          onHeadersReceived: () => undefined,
        },
        setPermissionRequestHandler: (fn: typeof h.permissionRequest) => (h.permissionRequest = fn),
        setPermissionCheckHandler: (fn: typeof h.permissionCheck) => (h.permissionCheck = fn),
      },
    },
  };
});

delete process.env.ELECTRON_RENDERER_URL;
await import('../../src/main/index.js');
await new Promise((r) => setTimeout(r, 0)); // let whenReady().then run

describe('Electron main (stubbed)', () => {
  it('opens one sandboxed, context-isolated window on app://renderer', () => {
    expect(h.sandboxEnabled).toBe(true);
    expect(h.windows).toHaveLength(1);
    const prefs = h.windows[0].options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(String(prefs.preload)).toMatch(/preload[\\/]index\.cjs$/);
    expect(h.windows[0].url).toBe('app://renderer/index.html');
    expect(h.privileged).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(h.ipcChannels).toContain('segment:run');
  });

  it('serves the renderer with the CSP and refuses paths outside it', async () => {
    // The stub's renderer folder is src/renderer (index.html exists there).
    const ok = await h.protocolHandler!({ url: 'app://renderer/index.html' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'self'");
    for (const url of ['app://renderer/../../package.json', 'app://renderer/..%2f..%2fpackage.json', 'app://renderer/%2e%2e%2f%2e%2e%2fpackage.json', 'app://other/index.html', 'app://renderer/%E0%A4%A']) {
      expect((await h.protocolHandler!({ url })).status, url).toBe(404);
    }
  });

  it('cancels network requests and denies permissions', () => {
    const cancelled = (url: string) => {
      let r: { cancel: boolean } | undefined;
      h.beforeRequest!({ url }, (x) => (r = x));
      return r?.cancel;
    };
    expect(cancelled('https://example.com/x.js')).toBe(true);
    expect(cancelled('file:///etc/passwd')).toBe(true);
    expect(cancelled('app://renderer/assets/index.js')).toBe(false);
    let granted: boolean | undefined;
    h.permissionRequest!(null, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
    expect(h.permissionCheck!()).toBe(false);
  });

  it('prevents navigation, redirects, webviews and new windows', () => {
    const on = new Map<string, Listener>();
    let openHandler: (() => { action: string }) | undefined;
    h.appEvents.get('web-contents-created')!({}, {
      on: (ev: string, fn: Listener) => on.set(ev, fn),
      setWindowOpenHandler: (fn: () => { action: string }) => (openHandler = fn),
    });
    for (const ev of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = { preventDefault: vi.fn() };
      on.get(ev)!(e);
      expect(e.preventDefault, ev).toHaveBeenCalled();
    }
    expect(openHandler!()).toEqual({ action: 'deny' });
  });
});
