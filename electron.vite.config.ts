import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type RendererViteConfig } from 'electron-vite';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src/engine/api/csp.js';

/** Injects the app's CSP <meta> (src/engine/api/csp.ts) so the policy lives in one place. */
function cspMeta(): Plugin {
  let dev = false;
  return {
    name: 'vlsm:csp-meta',
    configResolved(c) {
      dev = c.command === 'serve';
    },
    transformIndexHtml() {
      return [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ meta: true, dev }) }, injectTo: 'head-prepend' }];
    },
  };
}

/** Also used by tests/e2e to build the renderer alone for `vlsm-audit serve`. */
export const rendererConfig: RendererViteConfig = {
  root: resolve(import.meta.dirname, 'src/renderer'),
  plugins: [svelte(), cspMeta()],
  // Cornerstone3D in the browser (../shared/NOTES.md, "Viewer in headless Chromium"): it imports Node's
  // `events`, starts ES-module workers, and its DICOM loader (unused here) must not be pre-bundled.
  resolve: { alias: { events: 'events/' } },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['@cornerstonejs/dicom-image-loader'] },
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer'),
    // No inline data: URLs for assets: the CSP allows data: only for images.
    assetsInlineLimit: 0,
  },
};

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src/main/index.ts'),
          // forked by src/engine/jobs/pool.ts, which finds it beside the main bundle as job-worker.js
          'job-worker': resolve(import.meta.dirname, 'src/engine/jobs/worker-main.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // Sandboxed preloads must be CommonJS (Electron cannot load an ES-module preload with sandbox: true).
      rolldownOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: rendererConfig,
});
