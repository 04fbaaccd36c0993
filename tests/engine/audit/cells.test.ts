/**
 * Plan → cells: the example plans validate, examples/paper.json is exactly the protocol `reproduce` runs,
 * keys are deterministic and change with anything that changes a result (seed, ε, batch context) and
 * with nothing else (the plan's name), and restrictions (attacks.datasets) and prompt variants expand as
 * documented.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paperPlan } from '../../../src/cli/commands/reproduce.js';
import { knownAttacks } from '../../../src/engine/audit/attack-registry.js';
import { expandPlan } from '../../../src/engine/audit/cells.js';
import { loadPlan, validatePlan, type AuditPlan } from '../../../src/engine/audit/plan.js';
import { dataPath, repoRoot, skipWithoutData } from '../../helpers/data.js';

const examples = join(repoRoot, 'examples');

describe('example plans', () => {
  it('every plan in examples/ (JSON or YAML) is valid and names only known attacks', () => {
    const files = readdirSync(examples).filter((f) => /\.(json|ya?ml)$/.test(f));
    expect(files).toEqual(expect.arrayContaining(['quick.json', 'paper.json', 'prompts.yaml', 'uap.json']));
    for (const f of files) {
      const p = loadPlan(join(examples, f));
      for (const a of p.attacks) expect(knownAttacks()).toContain(a.name);
    }
  });

  it('examples/paper.json is the protocol reproduce runs', () => {
    const fromFile = loadPlan(join(examples, 'paper.json'));
    expect(fromFile).toEqual(paperPlan({ models: ['clipseg-tiny', 'film-unet'], dataRoot: '../shared/data', datasets: ['kvasir-seg', 'busi', 'cxr-lungs', 'ph2'], steps: 40, batch: 10 }));
  });
});

describe.skipIf(skipWithoutData)('expandPlan', () => {
  const base = (over: Partial<AuditPlan> = {}) =>
    validatePlan({
      version: 1,
      name: 'k',
      models: [join(repoRoot, 'resources', 'models', 'film-unet')],
      dataRoot: dataPath(),
      datasets: [{ kind: 'dataset', name: 'kvasir-seg', limit: 3 }, { kind: 'dataset', name: 'busi', limit: 2 }],
      attacks: [{ name: 'clean', eps: [0] }, { name: 'pgd', eps: ['2/255', '8/255'], steps: 2, datasets: ['kvasir-seg'] }],
      seeds: [0, 1],
      ...over,
    });

  it('expands model × image × prompt × attack × ε × seed, with ordinals 0…n−1 and unique keys', async () => {
    const x = await expandPlan(base());
    // kvasir: 3 images × (clean + 2 ε) × 2 seeds; busi: 2 images × clean × 2 seeds (pgd restricted to kvasir)
    expect(x.cellsTotal).toBe(3 * 3 * 2 + 2 * 1 * 2);
    const cells = x.tasks.flatMap((t) => t.cells);
    expect(cells.map((c) => c.ordinal).sort((a, b) => a - b)).toEqual([...Array(x.cellsTotal).keys()]);
    expect(new Set(cells.map((c) => c.key)).size).toBe(x.cellsTotal);
    expect(x.tasks.every((t) => t.cells.length === 1 && t.cells[0].batchKey === null)).toBe(true);
    expect(x.datasets[0].record.images[0].imageSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keys depend on what changes results, not on the plan name', async () => {
    const keys = async (p: AuditPlan) => (await expandPlan(p)).tasks.flatMap((t) => t.cells.map((c) => c.key));
    const a = await keys(base());
    expect(await keys(base({ name: 'other name' }))).toEqual(a);
    const seeds = await keys(base({ seeds: [0, 2] } as Partial<AuditPlan>));
    expect(seeds.filter((k) => a.includes(k))).toHaveLength(a.length / 2); // seed 0 shared, seed 2 new
    const batched = await expandPlan(base({ execution: { batch: 2, levels: 255, channels: 'auto' } }));
    expect(batched.tasks.flatMap((t) => t.cells.map((c) => c.key)).some((k) => a.includes(k))).toBe(true); // a batch of one has no batch context
    const pair = batched.tasks.find((t) => t.cells.length === 2)!;
    expect(pair.cells[0].batchKey).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toContain(pair.cells[0].key);
  });

  it('prompt variants give one cell per phrasing; a missing key is one sentence', async () => {
    const x = await expandPlan(base({ prompts: [{ mode: 'variants', key: 'p7' }], datasets: [{ kind: 'dataset', name: 'kvasir-seg', split: 'test', limit: 2 }], attacks: [{ name: 'clean', eps: [0] }] as AuditPlan['attacks'], seeds: [0] }));
    const specs = [...new Set(x.tasks.map((t) => t.promptSpec))];
    expect(specs.length).toBeGreaterThanOrEqual(3); // images have 3 to 5 phrasings under p7
    expect(specs.every((s, i) => s === `variants p7 #${i}`)).toBe(true);
    expect(new Set(x.tasks.map((t) => t.cells[0].prompt)).size).toBeGreaterThanOrEqual(3);
    await expect(expandPlan(base({ prompts: [{ mode: 'key', key: 'p42' }] }))).rejects.toThrow('Dataset kvasir-seg has no prompt key p42 (keys: p0');
  });
});
