/**
 * Preload (sandboxed, CommonJS): exposes the typed API client on `window.vlsm`. The only code that
 * touches ipcRenderer; no logic — arguments go to the main process, which validates them.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNEL_PREFIX } from '../engine/api/channels.js';
import type { ApiClient } from '../engine/api/contract.js';

const client: ApiClient = {
  transport: 'ipc',
  // Handlers answer with envelopes and never throw; a rejection means IPC itself failed.
  invoke: (call, args, options) =>
    ipcRenderer.invoke(call, args, options?.requestId ?? null).catch(() => ({
      ok: false as const,
      error: { code: 'transport' as const, message: `The app's engine did not answer ${call}; restart the app.` },
    })),
  on(event, listener) {
    const channel = `${EVENT_CHANNEL_PREFIX}${event}`;
    // The IpcRendererEvent (with its sender) never reaches the page, only the payload.
    const forward = (_e: IpcRendererEvent, payload: Parameters<typeof listener>[0]) => listener(payload);
    ipcRenderer.on(channel, forward);
    return () => {
      ipcRenderer.removeListener(channel, forward);
    };
  },
};

contextBridge.exposeInMainWorld('vlsm', client);
