/**
 * Picks the transport: the Electron preload's IPC client when present, else HTTP to `vlsm-audit serve`
 * with the access token from the URL fragment (`#token=…`). The token is then kept in sessionStorage
 * (this tab only) and removed from the address bar so it is not shared by copying the URL.
 */
import type { ApiClient } from '../../../../engine/api/contract';
import { createHttpClient } from './http-client';

const TOKEN_KEY = 'vlsm-audit-token';

export type ClientChoice = { ok: true; client: ApiClient } | { ok: false; message: string };

export function chooseClient(): ClientChoice {
  if (window.vlsm) return { ok: true, client: window.vlsm };
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', location.pathname + location.search);
  }
  const token = fromHash ?? sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    return { ok: false, message: 'No access token: open the exact URL that `vlsm-audit serve` printed (it ends in #token=…).' };
  }
  return { ok: true, client: createHttpClient(token) };
}

let counter = 0;
/** A request id for correlating progress events with the call that caused them. */
export function newRequestId(): string {
  counter += 1;
  return `r${Date.now().toString(36)}-${counter}`;
}
