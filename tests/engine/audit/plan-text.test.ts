/**
 * Plan files in YAML (plan-text.ts, through loadPlan): the same plan written in JSON and in YAML expands
 * to the same cells; a YAML syntax error names the file, line and column without quoting the file; the
 * top level must be a mapping.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandPlan } from '../../../src/engine/audit/cells.js';
import { loadPlan, PlanError } from '../../../src/engine/audit/plan.js';
import { parsePlanText } from '../../../src/engine/audit/plan-text.js';
import { repoRoot, skipWithoutData } from '../../helpers/data.js';
import { tempDir } from '../../helpers/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

/** examples/prompts.yaml as it was written in JSON before it became the YAML example. */
const promptsJson = `{
  "version": 1,
  "name": "prompts",
  "description": "Prompt robustness: film-unet on 10 Kvasir-SEG test images with the medvlsm prompt keys p1 (short), p4 (attributes) and every phrasing of p7 (definitions); clean and 10-step PGD at 4/255 for each.",
  "models": ["film-unet"],
  "dataRoot": "../shared/data",
  "datasets": [{ "kind": "dataset", "name": "kvasir-seg", "split": "test", "limit": 10 }],
  "prompts": [{ "mode": "key", "key": "p1" }, { "mode": "key", "key": "p4" }, { "mode": "variants", "key": "p7" }],
  "attacks": [{ "name": "clean", "eps": [0] }, { "name": "pgd", "eps": ["4/255"], "steps": 10, "alpha": "1/255" }],
  "seeds": [0]
}`;

const write = (name: string, text: string): string => {
  const file = join(tmp.path, name);
  writeFileSync(file, text);
  return file;
};

describe('YAML plans', () => {
  it('examples/prompts.yaml is the same plan as its JSON form', () => {
    expect(loadPlan(join(repoRoot, 'examples', 'prompts.yaml'))).toEqual(loadPlan(write('prompts.json', promptsJson)));
  });

  it.skipIf(skipWithoutData)('the JSON and YAML forms expand to identical cell keys', async () => {
    // model names and dataRoot resolve from the working folder (the repository root, as for the CLI)
    const keys = async (file: string) => (await expandPlan(loadPlan(file))).tasks.flatMap((t) => t.cells.map((c) => c.key));
    const fromYaml = await keys(join(repoRoot, 'examples', 'prompts.yaml'));
    expect(fromYaml.length).toBeGreaterThan(20);
    expect(await keys(write('same.json', promptsJson))).toEqual(fromYaml);
  });

  it('a YAML syntax error is a PlanError naming the file, line and column, without the file content', () => {
    const file = write('broken.yaml', 'version: 1\nname: secret-name\nmodels: [film-unet\ndatasets: []\n');
    let err: Error | undefined;
    try {
      loadPlan(file);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(PlanError);
    expect(err!.message).toMatch(new RegExp(`^Plan ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid YAML \\(line 4, column 1: [^\\n]+\\)\\.$`));
    expect(err!.message).not.toContain('secret-name');
  });

  it('duplicate keys, a list at the top level, and .yml files', () => {
    expect(() => loadPlan(write('dup.yaml', 'version: 1\nname: a\nname: b\n'))).toThrow(/dup\.yaml is not valid YAML \(line 3, column 1: Map keys must be unique\)/);
    expect(() => parsePlanText('- 1\n', 'list.yml')).toThrow(/list\.yml is not a plan: its top level must be a mapping/);
    expect(parsePlanText('version: 1\n', 'p.YML')).toEqual({ version: 1 });
    // JSON stays JSON: a .json file is not read as YAML
    expect(() => parsePlanText('version: 1\n', 'p.json')).toThrow(/p\.json is not valid JSON/);
  });
});
