/**
 * The Audits page's plan form as data, and the plan it builds (docs/audits.md). Pure, so it is tested in
 * Node: the engine validates the plan again (audit:start), this only turns form fields into its shape and
 * says, in one sentence, what a field is missing.
 */
export interface DatasetRow {
  /** 'dataset': a folder name in the data root (or a full path); 'images' | 'dicom': a folder of files. */
  kind: 'dataset' | 'images' | 'dicom';
  /** Dataset name (kvasir-seg) or a folder path. */
  source: string;
  split: string;
  /** Empty = every image. */
  limit: string;
  /** DICOM folders: the reference from a DICOM SEG or RTSTRUCT in the folder, or none (reference-free). */
  groundTruth?: 'none' | 'seg' | 'rtstruct';
}

export interface AttackRow {
  name: string;
  /** ε list as typed: "2/255, 8/255". */
  eps: string;
  /** Empty = the attack's default. */
  steps: string;
}

export interface PlanForm {
  name: string;
  models: string[];
  dataRoot: string;
  datasets: DatasetRow[];
  /** One prompt per line: "p1" style keys of splits.json, or literal text; empty = the default prompt. */
  prompts: string;
  attacks: AttackRow[];
  seeds: string;
}

export function defaultPlanForm(): PlanForm {
  return {
    name: 'quick',
    models: [],
    dataRoot: '',
    datasets: [{ kind: 'dataset', source: 'kvasir-seg', split: 'test', limit: '4', groundTruth: 'none' }],
    prompts: '',
    attacks: [
      { name: 'fgsm', eps: '2/255, 8/255', steps: '' },
      { name: 'pgd', eps: '2/255, 8/255', steps: '10' },
    ],
    seeds: '0',
  };
}

export type PlanResult = { ok: true; plan: Record<string, unknown> } | { ok: false; message: string };

const FRACTION = /^\d+(\.\d+)?(\/\d+(\.\d+)?)?$/;
const isPath = (s: string): boolean => s.startsWith('/') || /^[A-Za-z]:[\\/]/.test(s);

function positiveInt(text: string, what: string): number | string {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : `${what} must be a whole number above 0, got "${text}".`;
}

export function buildPlan(f: PlanForm): PlanResult {
  const fail = (message: string): PlanResult => ({ ok: false, message });
  if (!f.name.trim()) return fail('Give the audit a name.');
  if (f.models.length === 0) return fail('Choose at least one model.');
  if (f.datasets.length === 0) return fail('Add at least one dataset or folder.');
  const datasets: Record<string, unknown>[] = [];
  for (const [i, d] of f.datasets.entries()) {
    const src = d.source.trim();
    if (!src) return fail(`Dataset ${i + 1}: give a dataset name or a folder.`);
    const out: Record<string, unknown> = { kind: d.kind };
    if (d.kind === 'dataset') {
      out[isPath(src) ? 'path' : 'name'] = src;
      out.split = d.split.trim() || 'test';
    } else {
      if (!isPath(src)) return fail(`Dataset ${i + 1}: a folder of ${d.kind === 'dicom' ? 'DICOM files' : 'images'} needs its full path.`);
      out.path = src;
      if (d.kind === 'dicom' && d.groundTruth && d.groundTruth !== 'none') out.groundTruth = d.groundTruth;
    }
    if (d.limit.trim()) {
      const n = positiveInt(d.limit.trim(), `Dataset ${i + 1}: limit`);
      if (typeof n === 'string') return fail(n);
      out.limit = n;
    }
    datasets.push(out);
  }
  if (f.attacks.length === 0) return fail('Add at least one attack.');
  const attacks: Record<string, unknown>[] = [];
  for (const [i, a] of f.attacks.entries()) {
    if (!a.name.trim()) return fail(`Attack ${i + 1}: choose an attack.`);
    const eps = a.eps.split(/[,\s]+/).filter(Boolean);
    if (eps.length === 0) return fail(`Attack ${i + 1} (${a.name}): give at least one ε, e.g. 8/255.`);
    const bad = eps.find((e) => !FRACTION.test(e));
    if (bad) return fail(`Attack ${i + 1} (${a.name}): ε "${bad}" is not a number or a fraction like 8/255.`);
    const out: Record<string, unknown> = { name: a.name.trim(), eps: eps.map((e) => (e.includes('/') ? e : Number(e))) };
    if (a.steps.trim()) {
      const n = positiveInt(a.steps.trim(), `Attack ${i + 1} (${a.name}): steps`);
      if (typeof n === 'string') return fail(n);
      out.steps = n;
    }
    attacks.push(out);
  }
  const seeds = f.seeds.split(/[,\s]+/).filter(Boolean).map(Number);
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) return fail(`Seeds must be whole numbers of 0 or more, got "${f.seeds}".`);
  const lines = f.prompts.split('\n').map((s) => s.trim()).filter(Boolean);
  const prompts = lines.length ? lines.map((p) => (/^p\d+$/.test(p) ? { mode: 'key', key: p } : { mode: 'fixed', text: p })) : [{ mode: 'default' }];
  const plan: Record<string, unknown> = { version: 1, name: f.name.trim(), models: [...f.models], datasets, prompts, attacks, seeds };
  if (f.dataRoot.trim()) plan.dataRoot = f.dataRoot.trim();
  return { ok: true, plan };
}
