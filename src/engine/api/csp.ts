/**
 * The renderer's Content Security Policy, in one place for the three places that apply it: the Electron
 * session's response headers, `vlsm-audit serve`'s response headers, and the <meta> tag the renderer
 * build injects. No remote content, no inline script, no eval (WebAssembly compilation only, which
 * Cornerstone's codecs need), workers only from the app or blob: URLs.
 */
const directives: Record<string, string> = {
  'default-src': "'self'",
  'script-src': "'self' 'wasm-unsafe-eval'",
  'worker-src': "'self' blob:",
  'img-src': "'self' data: blob:",
  'style-src': "'self'",
  'font-src': "'self'",
  'connect-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
};

/**
 * `meta`: drop directives a <meta> tag may not carry (frame-ancestors). `dev`: what Vite's dev server
 * needs — its HMR websocket and injected <style> tags — never used in a build.
 */
export function contentSecurityPolicy(opts: { meta?: boolean; dev?: boolean } = {}): string {
  const d = { ...directives };
  if (opts.meta) delete d['frame-ancestors'];
  if (opts.dev) {
    d['connect-src'] += ' ws://localhost:* http://localhost:*';
    d['style-src'] += " 'unsafe-inline'";
  }
  return Object.entries(d)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ');
}

/** Headers every renderer response carries, on both transports. */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
