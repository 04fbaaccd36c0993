/**
 * The only code that touches ipcMain: registers every call of the contract on its channel and forwards
 * the service's events to the app's windows. Calls from any frame other than the app's own renderer are
 * refused before their arguments are even parsed.
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { EVENT_CHANNEL_PREFIX } from '../engine/api/channels.js';
import { callNames, type ApiResult } from '../engine/api/contract.js';
import type { ApiService } from '../engine/api/handlers.js';

export function handle(service: ApiService, isTrustedUrl: (url: string) => boolean): () => void {
  for (const call of callNames) {
    ipcMain.handle(call, async (event: IpcMainInvokeEvent, args: unknown, requestId: unknown): Promise<ApiResult<unknown>> => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedUrl(url)) {
        return { ok: false, error: { code: 'forbidden', message: `Calls from ${url || 'an unknown frame'} are refused.` } };
      }
      return service.dispatch(call, args, { requestId });
    });
  }
  const unsubscribe = service.subscribe((event, payload) => {
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.isDestroyed()) win.webContents.send(`${EVENT_CHANNEL_PREFIX}${event}`, payload);
    }
  });
  return () => {
    unsubscribe();
    for (const call of callNames) ipcMain.removeHandler(call);
  };
}
