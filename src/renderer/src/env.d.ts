/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { ApiClient } from '../../engine/api/contract';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a plain browser (then the HTTP client is used). */
    readonly vlsm?: ApiClient;
  }
}

export {};
