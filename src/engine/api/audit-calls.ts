/**
 * The audit calls of the one contract (contract.ts spreads them into `calls`): start, status, cancel,
 * resume and list audits, and query a results store. Pure zod, like contract.ts. An audit runs in the
 * background: `audit:start` answers at once with a run id, progress comes as `progress` events of the
 * starting request (stage "audit", fraction = done/total) and `audit:status` reports every run.
 */
import { z } from 'zod';

const storePath = z
  .string({ error: 'db must be a file path (text)' })
  .min(1, 'db is empty; choose a results store')
  .max(4096, 'db is longer than 4096 characters')
  .refine((p) => !p.includes('\0'), 'db contains a NUL character');

const auditId = z.string().regex(/^[0-9a-f]{4,64}$/, 'auditId must be an audit id (hex) or its first characters');
const runId = z.string().uuid('runId must be the id audit:start or audit:resume returned');
/** Numbers that may be NaN in the engine travel as null (JSON has no NaN). */
const num = z.number().nullable();

export const runStatus = z.object({
  runId: z.string(),
  auditId: z.string(),
  name: z.string(),
  db: z.string(),
  state: z.enum(['running', 'done', 'cancelled', 'failed']),
  total: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  resumed: z.number().int().nonnegative(),
  cellsPerMinute: num,
  etaSeconds: num,
  error: z.string().nullable(),
});
export type RunStatus = z.infer<typeof runStatus>;

const started = z.object({ runId: z.string(), auditId: z.string(), name: z.string(), total: z.number().int().nonnegative() });

export const auditCalls = {
  'audit:start': {
    summary: 'Starts an audit plan (docs/audits.md) into a results store in the background; progress comes as events.',
    args: z.strictObject({
      /** The plan itself (validated by the engine's plan schema). */
      plan: z.record(z.string(), z.unknown(), { error: 'plan must be an audit plan object' }),
      db: storePath,
      jobs: z.number().int().min(1, 'jobs must be at least 1').max(16, 'jobs must be at most 16').default(1),
      /** Continue an audit the store already holds (otherwise such a store is refused). */
      resume: z.boolean().default(false),
    }),
    result: started,
  },
  'audit:resume': {
    summary: 'Continues an audit of a results store with the plan stored in it (finished cells are kept).',
    args: z.strictObject({ db: storePath, auditId: auditId.optional(), jobs: z.number().int().min(1).max(16).default(1) }),
    result: started,
  },
  'audit:status': {
    summary: 'State and progress of the audits run in this session (one, or all).',
    args: z.strictObject({ runId: runId.optional() }),
    result: z.object({ runs: z.array(runStatus) }),
  },
  'audit:cancel': {
    summary: 'Cancels a running audit after the cells in flight; its store keeps every finished cell.',
    args: z.strictObject({ runId }),
    result: z.object({ cancelled: z.boolean() }),
  },
  'audit:list': {
    summary: 'The audits a results store holds, with their progress.',
    args: z.strictObject({ db: storePath }),
    result: z.object({
      audits: z.array(z.object({ auditId: z.string(), name: z.string(), status: z.string(), cellsTotal: z.number().int(), cellsDone: z.number().int(), createdAt: z.string(), updatedAt: z.string() })),
    }),
  },
  'results:query': {
    summary: 'Cells of one audit (a page of them) and its robustness curves, from a results store.',
    args: z.strictObject({
      db: storePath,
      auditId: auditId.optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000, 'limit must be at most 5000').default(500),
    }),
    result: z.object({
      auditId: z.string(),
      total: z.number().int(),
      cells: z.array(
        z.object({
          key: z.string(),
          model: z.string(),
          dataset: z.string(),
          imageId: z.string(),
          prompt: z.string(),
          attack: z.string(),
          label: z.string(),
          units: z.string(),
          eps: z.number(),
          epsText: z.string(),
          seed: z.number(),
          cleanDice: num,
          advDice: num,
          cleanIou: num,
          advIou: num,
          linf255: num,
          success: z.boolean(),
        }),
      ),
      curves: z.array(
        z.object({
          model: z.string(),
          dataset: z.string(),
          label: z.string(),
          units: z.string(),
          points: z.array(z.object({ eps: z.number(), epsText: z.string(), n: z.number().int(), dice: num, iou: num, diceLow: num, diceHigh: num, successRate: num })),
        }),
      ),
    }),
  },
} as const;
