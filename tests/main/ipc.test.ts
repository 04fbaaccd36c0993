/**
 * The Electron main process without Electron: `electron` is replaced by a stub so the IPC wrapper and the
 * request filter can be checked in plain Node (the binary cannot be installed here).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const registered = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
const sent: Array<[string, unknown]> = [];

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, fn: (event: unknown, ...args: unknown[]) => Promise<unknown>) => registered.set(channel, fn),
    removeHandler: (channel: string) => registered.delete(channel),
  },
  BrowserWindow: {
    getAllWindows: () => [{ isDestroyed: () => false, webContents: { send: (ch: string, p: unknown) => sent.push([ch, p]) } }],
  },
  app: { on: () => undefined },
  protocol: {},
  session: {},
}));

const { handle } = await import('../../src/main/ipc.js');
const { isAllowedRequest, APP_ORIGIN } = await import('../../src/main/security.js');
const { callNames } = await import('../../src/engine/api/contract.js');
const { createApiService } = await import('../../src/engine/api/handlers.js');

const trusted = (url: string) => url.startsWith(`${APP_ORIGIN}/`);
const frame = (url: string) => ({ senderFrame: { url } });

describe('IPC wrapper', () => {
  beforeEach(() => {
    registered.clear();
    sent.length = 0;
  });

  it('registers exactly the contract calls and unregisters them', () => {
    const service = createApiService({ transport: 'ipc', app: { name: 'VLSM Audit', version: 't' }, modelRoots: [], pathMode: 'granted-only' });
    const off = handle(service, trusted);
    expect([...registered.keys()].sort()).toEqual([...callNames].sort());
    off();
    expect(registered.size).toBe(0);
  });

  it('answers the app renderer, refuses other frames, and validates arguments', async () => {
    const service = createApiService({ transport: 'ipc', app: { name: 'VLSM Audit', version: 't' }, modelRoots: [], pathMode: 'granted-only' });
    handle(service, trusted);
    const info = await registered.get('app:info')!(frame(`${APP_ORIGIN}/index.html`), {}, null);
    expect(info).toMatchObject({ ok: true, value: { transport: 'ipc', canOpenDialog: false } });
    const foreign = await registered.get('app:info')!(frame('https://evil.example/'), {}, null);
    expect(foreign).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const bad = await registered.get('study:open')!(frame(`${APP_ORIGIN}/index.html`), { path: 42 }, null);
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-args' } });
    const typed = await registered.get('study:open')!(frame(`${APP_ORIGIN}/index.html`), { path: '/etc/hostname' }, 'r1');
    expect(typed).toMatchObject({ ok: false, error: { code: 'forbidden' } }); // not opened through the dialog
  });
});

describe('request filter', () => {
  it('allows only the app, DevTools and in-page URLs', () => {
    for (const url of [`${APP_ORIGIN}/index.html`, `${APP_ORIGIN}/assets/a.js`, 'devtools://devtools/x', 'data:image/png;base64,AA', 'blob:app://renderer/1']) {
      expect(isAllowedRequest(url, null), url).toBe(true);
    }
    for (const url of ['https://example.com/', 'http://127.0.0.1:5173/', 'file:///etc/passwd', 'app://other/index.html', 'ws://localhost:5173/']) {
      expect(isAllowedRequest(url, null), url).toBe(false);
    }
  });

  it('allows the dev server only in dev', () => {
    expect(isAllowedRequest('http://localhost:5173/src/main.ts', 'http://localhost:5173')).toBe(true);
    expect(isAllowedRequest('ws://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isAllowedRequest('http://localhost:8080/', 'http://localhost:5173')).toBe(false);
  });
});
