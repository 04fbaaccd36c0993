/**
 * The ApiClient over `vlsm-audit serve`: POST /api/call/<call> with the bearer token, and one shared
 * event stream (GET /api/events, read with fetch so the token travels in a header, not the URL).
 */
import type { ApiClient, ApiResult, EventName, EventPayload } from '../../../../engine/api/contract';
import { createSseParser } from './sse';

type AnyListener = (payload: unknown) => void;

function transportError(message: string): ApiResult<never> {
  return { ok: false, error: { code: 'transport', message } };
}

function isEnvelope(v: unknown): v is ApiResult<unknown> {
  return typeof v === 'object' && v !== null && 'ok' in v && (v.ok === true ? 'value' in v : 'error' in v);
}

export function createHttpClient(token: string, base = ''): ApiClient {
  const headers = { Authorization: `Bearer ${token}` };
  const listeners = new Map<string, Set<AnyListener>>();
  let stream: AbortController | null = null;

  async function readEvents(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const res = await fetch(`${base}/api/events`, { headers, signal, cache: 'no-store' });
        if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}`);
        const parse = createSseParser(({ event, data }) => {
          let payload: unknown;
          try {
            payload = JSON.parse(data);
          } catch {
            return;
          }
          for (const l of listeners.get(event) ?? []) l(payload);
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parse(value);
        }
      } catch {
        if (signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, 2000)); // reconnect after the server restarts
    }
  }

  return {
    transport: 'http',
    async invoke(call, args, options) {
      let res: Response;
      try {
        res = await fetch(`${base}/api/call/${encodeURIComponent(call)}`, {
          method: 'POST',
          headers: { ...headers, 'Content-Type': 'application/json' },
          body: JSON.stringify({ args, requestId: options?.requestId }),
          cache: 'no-store',
        });
      } catch {
        return transportError('Cannot reach vlsm-audit serve; check that it is still running, then retry.');
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch {
        return transportError(`vlsm-audit serve answered ${res.status} without a valid reply; retry or restart it.`);
      }
      return isEnvelope(body) ? (body as never) : transportError('vlsm-audit serve answered in an unexpected format; the page and server may be from different versions.');
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      const set = listeners.get(event) ?? new Set<AnyListener>();
      listeners.set(event, set);
      const l = listener as AnyListener;
      set.add(l);
      if (!stream) {
        stream = new AbortController();
        void readEvents(stream.signal);
      }
      return () => {
        set.delete(l);
        if ([...listeners.values()].every((s) => s.size === 0)) {
          stream?.abort();
          stream = null;
        }
      };
    },
  };
}
