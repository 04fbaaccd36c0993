/**
 * Handlers of the audit calls (audit-calls.ts). Runs live in this process's memory: each has an
 * AbortController, its latest progress and its outcome. The audit itself runs in the engine's runner
 * (child processes when jobs > 1), so the caller's event loop only writes finished cells to the store.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { robustnessCurves } from '../audit/analysis.js';
import { expandPlan, type Expansion } from '../audit/cells.js';
import { validatePlan } from '../audit/plan.js';
import { runAudit, type AuditProgress } from '../audit/runner.js';
import { AuditStore } from '../audit/store.js';
import type { CallResult, ParsedArgs } from './contract.js';
import { ApiError } from './errors.js';
import type { RunStatus } from './audit-calls.js';
import type { PathPolicy } from './paths.js';

type Progress = (stage: string, message: string, fraction?: number | null) => void;

/** Engine errors whose message is meant for the user (a bad plan, store, dataset or model). */
const USER_ERRORS = new Set(['PlanError', 'StoreError', 'AuditError', 'TaskError', 'DatasetError', 'ModelPackageError', 'QueueError']);
function asApiError(e: unknown): unknown {
  return e instanceof Error && USER_ERRORS.has(e.name) ? new ApiError('bad-args', e.message) : e;
}

const fin = (x: number) => (Number.isFinite(x) ? x : null);

interface Run {
  status: RunStatus;
  controller: AbortController;
}

/** The audits started in this session (one per app or `serve` process); dispose() cancels them. */
export class AuditRuns {
  readonly runs = new Map<string, Run>();
  cancelAll(): void {
    for (const r of this.runs.values()) r.controller.abort();
  }
}

export function createAuditHandlers(policy: PathPolicy, registry: AuditRuns, opts: { threads?: number }) {
  const runs = registry.runs;

  /** An existing store passes the path policy; a new one needs an absolute path in an existing folder (and a save-dialog grant in the app). */
  async function storeFile(db: string, mustExist: boolean): Promise<string> {
    if (existsSync(db) || mustExist) return policy.checkFile(db, 'store');
    return policy.checkNewFile(db, 'store');
  }

  /**
   * In the desktop app the renderer may make the engine read only what the user opened: a new plan's
   * model and dataset folders must be bundled or chosen in a dialog. (A resumed plan comes from a store
   * the user opened, and its folders were chosen when it was created, so it is not checked again.)
   */
  async function checkPlanFolders(x: Expansion): Promise<void> {
    if (policy.mode !== 'granted-only') return;
    for (const m of x.models) await policy.checkDir(m.pkg.dir, 'model');
    for (const d of x.datasets) await policy.checkDir(d.record.dir, 'folder');
  }

  async function start(planRaw: unknown, db: string, jobs: number, resume: boolean, progress: Progress, checkFolders: boolean): Promise<CallResult<'audit:start'>> {
    let plan;
    let x;
    try {
      plan = validatePlan(planRaw, 'The plan');
      x = await expandPlan(plan); // fails now, not in the background, on a bad model or dataset
    } catch (e) {
      throw asApiError(e);
    }
    if (checkFolders) await checkPlanFolders(x);
    const runId = randomUUID();
    const controller = new AbortController();
    const run: Run = { controller, status: { runId, auditId: x.auditId, name: plan.name, db, state: 'running', total: x.cellsTotal, done: 0, resumed: 0, cellsPerMinute: null, etaSeconds: null, error: null } };
    runs.set(runId, run);
    const onProgress = (p: AuditProgress) => {
      Object.assign(run.status, { done: p.done, resumed: p.resumed, cellsPerMinute: fin(p.cellsPerMinute), etaSeconds: fin(p.etaSeconds) });
      progress('audit', `${p.done}/${p.total} cells`, p.total ? p.done / p.total : null);
    };
    runAudit(plan, { db, jobs, resume, provider: 'auto', threads: jobs > 1 ? 1 : opts.threads, signal: controller.signal, onProgress, argv: `api audit:start ${plan.name}` })
      .then((s) => {
        run.status.state = s.status;
        progress('done', `${s.status}: ${s.ran} cells run`, run.status.total ? run.status.done / run.status.total : 1);
      })
      .catch((e: unknown) => {
        run.status.state = 'failed';
        run.status.error = e instanceof Error ? e.message : String(e);
        progress('failed', run.status.error, null);
      });
    return { runId, auditId: x.auditId, name: plan.name, total: x.cellsTotal };
  }

  function openStore(file: string): AuditStore {
    try {
      return AuditStore.open(file, { readOnly: true });
    } catch (e) {
      throw asApiError(e);
    }
  }

  function pickAudit(store: AuditStore, id: string | undefined) {
    const audits = store.audits().filter((a) => !id || a.auditId.startsWith(id));
    if (audits.length === 0) throw new ApiError('not-found', id ? `The store holds no audit ${id}.` : 'The store holds no audit.');
    if (audits.length > 1) throw new ApiError('bad-args', `The store holds ${audits.length} audits${id ? ` starting with ${id}` : ''}; give auditId.`);
    return audits[0];
  }

  return {
    async 'audit:start'(a: ParsedArgs<'audit:start'>, ctx: { progress: Progress }) {
      return start(a.plan, await storeFile(a.db, false), a.jobs, a.resume, ctx.progress, true);
    },
    async 'audit:resume'(a: ParsedArgs<'audit:resume'>, ctx: { progress: Progress }) {
      const db = await storeFile(a.db, true);
      const store = openStore(db);
      let plan: unknown;
      try {
        plan = pickAudit(store, a.auditId).plan;
      } finally {
        store.close();
      }
      return start(plan, db, a.jobs, true, ctx.progress, false);
    },
    async 'audit:status'(a: ParsedArgs<'audit:status'>) {
      if (a.runId && !runs.has(a.runId)) throw new ApiError('not-found', `No audit run ${a.runId} in this session.`);
      return { runs: [...runs.values()].filter((r) => !a.runId || r.status.runId === a.runId).map((r) => ({ ...r.status })) };
    },
    async 'audit:cancel'(a: ParsedArgs<'audit:cancel'>) {
      const r = runs.get(a.runId);
      if (!r) throw new ApiError('not-found', `No audit run ${a.runId} in this session.`);
      const cancelled = r.status.state === 'running';
      r.controller.abort();
      return { cancelled };
    },
    async 'audit:list'(a: ParsedArgs<'audit:list'>) {
      const store = openStore(await storeFile(a.db, true));
      try {
        return { audits: store.audits().map(({ plan: _plan, ...rest }) => rest) };
      } finally {
        store.close();
      }
    },
    async 'results:query'(a: ParsedArgs<'results:query'>) {
      const store = openStore(await storeFile(a.db, true));
      try {
        const audit = pickAudit(store, a.auditId);
        const cells = store.cells(audit.auditId);
        const names = new Map(store.rows('models').map((m) => [String(m.model_sha256), String(m.name)]));
        const model = (sha: string) => names.get(sha) ?? sha.slice(0, 12);
        return {
          auditId: audit.auditId,
          total: cells.length,
          cells: cells.slice(a.offset, a.offset + a.limit).map((c) => ({
            key: c.key,
            model: model(c.modelSha256),
            dataset: c.dataset,
            imageId: c.imageId,
            prompt: c.prompt,
            attack: c.attack,
            label: c.label,
            units: c.units,
            eps: c.eps,
            epsText: c.epsText,
            seed: c.seed,
            cleanDice: fin(c.metrics.clean.dice),
            advDice: fin(c.metrics.adversarial.dice),
            cleanIou: fin(c.metrics.clean.iou),
            advIou: fin(c.metrics.adversarial.iou),
            linf255: fin(c.metrics.perturbation.linf255),
            success: c.metrics.success,
          })),
          curves: robustnessCurves(cells).map((cv) => ({
            model: model(cv.modelSha256),
            dataset: cv.dataset,
            label: cv.label,
            units: cv.units,
            points: cv.points.map((p) => ({ eps: p.eps, epsText: p.epsText, n: p.n, dice: fin(p.dice), iou: fin(p.iou), diceLow: fin(p.diceCi.low), diceHigh: fin(p.diceCi.high), successRate: fin(p.successRate) })),
          })),
        };
      } finally {
        store.close();
      }
    },
  };
}
