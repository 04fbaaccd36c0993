#!/usr/bin/env node
/**
 * Audit throughput (cells/min) and peak memory (summed RSS of every process involved) of one plan under:
 *   local-1  `audit PLAN --jobs 1` (one process, all intra-op threads)
 *   local-2  `audit PLAN --jobs 2` (two child processes, one thread each)
 *   queue-2  `audit PLAN --queue URL` + two `worker --threads 1` processes on a redis-server started here
 *   batch-N  `--jobs 1` with the plan's execution.batch set to N (images per model call), for --batch N
 * Each configuration first runs a 2-image warm-up of the same plan (so gradient graphs are built and cached
 * before timing), then the plan into a fresh store. Not a test: the figures go to docs/audits.md.
 *
 *   npm run build:cli && node bench/audit-throughput.mjs [--plan examples/quick.json] [--only local-1,local-2,queue-2] [--batch 4]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const planFile = resolve(arg('plan', 'examples/quick.json'));
const batch = Number(arg('batch', '0'));
const only = arg('only', `local-1,local-2,queue-2${batch ? `,batch-${batch}` : ''}`).split(',');
const bin = resolve('bin/vlsm-audit.js');
const tmp = mkdtempSync(join(tmpdir(), 'vlsm-bench-audit-'));

/** Summed RSS (MiB) of `pids` and all their descendants, from /proc. */
function treeRss(pids) {
  const children = new Map();
  for (const d of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone
    }
  }
  let kb = 0;
  const walk = (p) => {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
    for (const c of children.get(p) ?? []) walk(c);
  };
  pids.forEach(walk);
  return kb / 1024;
}

function run(args, extra = []) {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, treeRss([p.pid, ...extra.map((e) => e.pid)]))), 500);
    p.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) return rej(new Error(`vlsm-audit ${args.join(' ')} exited ${code}: ${err.slice(-500)}`));
      const done = JSON.parse(out.trim().split('\n').at(-1));
      res({ ...done, peakMiB: peak });
    });
  });
}

function variant(over, name) {
  const plan = JSON.parse(readFileSync(planFile, 'utf8'));
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...plan, ...over(plan) }));
  return file;
}
const warm = (plan) => ({ name: `${plan.name}-warmup`, datasets: plan.datasets.map((d) => ({ ...d, limit: 1 })).slice(0, 2) });

async function startRedis() {
  const port = 20000 + Math.floor(Math.random() * 40000);
  const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  return { url: `redis://127.0.0.1:${port}`, proc: p };
}

const results = [];
try {
  spawnSync('redis-server', ['--version']);
  for (const config of only) {
    const b = config.startsWith('batch-') ? Number(config.slice(6)) : 1;
    const plan = variant((p) => ({ execution: { ...(p.execution ?? {}), batch: b } }), config);
    const warmPlan = variant((p) => ({ ...warm(p), execution: { ...(p.execution ?? {}), batch: b } }), `${config}-warm`);
    const db = join(tmp, `${config}.sqlite`);
    let r;
    if (config === 'queue-2') {
      const redis = await startRedis();
      const workers = [0, 1].map(() => spawn(process.execPath, [bin, 'worker', '--queue', redis.url, '--threads', '1'], { stdio: 'ignore' }));
      try {
        await run(['audit', warmPlan, '--db', join(tmp, 'warm-q.sqlite'), '--queue', redis.url, '--json']);
        r = await run(['audit', plan, '--db', db, '--queue', redis.url, '--json'], [...workers, redis.proc]);
      } finally {
        workers.forEach((w) => w.kill('SIGTERM'));
        redis.proc.kill('SIGTERM');
      }
    } else {
      const jobs = config === 'local-2' ? ['--jobs', '2'] : [];
      await run(['audit', warmPlan, '--db', join(tmp, `warm-${config}.sqlite`), '--json', ...jobs]);
      r = await run(['audit', plan, '--db', db, '--json', ...jobs]);
    }
    results.push({ config, cells: r.ran, seconds: Math.round(r.seconds), cellsPerMinute: Number(r.cellsPerMinute.toFixed(1)), peakMiB: Math.round(r.peakMiB) });
    console.log(JSON.stringify(results.at(-1)));
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`\n| configuration | cells | wall s | cells/min | peak RSS MiB (all processes) |\n|---|---|---|---|---|`);
for (const r of results) console.log(`| ${r.config} | ${r.cells} | ${r.seconds} | ${r.cellsPerMinute} | ${r.peakMiB} |`);
