#!/usr/bin/env node
// Acceptance of issue #14 for `serve`: while each reproducer (../shared/repro, or argv[2]) is opened with
// study:open, app:info is called every 100 ms; prints a Markdown table of the study:open answer and time,
// the slowest app:info answer during it, and the resident memory `serve` keeps afterwards.
// Needs the built CLI (npm run build:cli). Run from the project root: node scripts/serve-responsiveness.mjs
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = resolve(process.argv[2] ?? '../shared/repro');
const files = readdirSync(dir).filter((f) => /\.(dcm|png)$/.test(f)).sort();
const serve = spawn(process.execPath, ['bin/vlsm-audit.js', 'serve', '--port', '0', '--threads', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((ok, fail) => {
  let out = '';
  serve.stdout.on('data', (d) => {
    out += d;
    const m = /serving on (\S+)/.exec(out);
    if (m) ok(m[1]);
  });
  serve.once('exit', (c) => fail(new Error(`serve exited ${c}`)));
});
const origin = new URL(url).origin;
const token = new URL(url).hash.replace('#token=', '');
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${serve.pid}/status`, 'utf8'))[1]) / 1024;

async function call(name, args) {
  const r = await fetch(`${origin}/api/call/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ args }),
  });
  return r.json();
}

await call('app:info', {}); // warm the server
console.log('| file | study:open answer | study:open s | slowest app:info during it, ms | app:info calls | serve RSS after, MB |');
console.log('|---|---|---|---|---|---|');
let worst = 0;
for (const f of files) {
  const t0 = performance.now();
  let done = false;
  const open = call('study:open', { path: join(dir, f) }).finally(() => (done = true));
  let slowest = 0;
  let n = 0;
  while (!done) {
    const t = performance.now();
    await call('app:info', {});
    slowest = Math.max(slowest, performance.now() - t);
    n++;
    await new Promise((r) => setTimeout(r, 100));
  }
  const res = await open;
  const secs = (performance.now() - t0) / 1000;
  worst = Math.max(worst, slowest);
  const answer = res.ok ? `decoded ${res.value.width}×${res.value.height}` : `${res.error.code}: ${res.error.message.replace(`${dir}/`, '').slice(0, 110)}`;
  console.log(`| ${f} | ${answer.replace(/\|/g, '\\|')} | ${secs.toFixed(2)} | ${slowest.toFixed(0)} | ${n} | ${rssMb().toFixed(0)} |`);
}
console.log(`\nslowest app:info over all files: ${worst.toFixed(0)} ms`);
serve.kill('SIGTERM');
