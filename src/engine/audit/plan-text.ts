/**
 * A plan file's text → the raw plan object, JSON or YAML by the file's extension (.yaml/.yml: YAML;
 * anything else: JSON). Pure — no Node imports — so the CLI (plan.ts loadPlan) and the app's Audits
 * page, which reads the file the user picked, parse plans the same way; the engine then validates the
 * object with the one schema (validatePlan). YAML through `yaml` 2 with its core schema: no custom tags,
 * duplicate keys refused, alias expansion bounded (no "billion laughs").
 *
 * Errors name the file and, for YAML, the line and column, never quoting the file's content (it may be
 * any file the user pointed at, as with describeJsonError).
 */
import { parse as parseYaml, YAMLError } from 'yaml';
import { describeJsonError } from '../json-error.js';

export const isYamlName = (name: string): boolean => /\.ya?ml$/i.test(name);

/** Why a plan file's text is not a plan object; the message is one sentence naming the file. */
export class PlanTextError extends Error {
  override name = 'PlanTextError';
}

function yamlProblem(e: unknown): string {
  if (e instanceof YAMLError) {
    // the message ends with " at line L, column C:" and a snippet of the file: keep the sentence only
    const what = e.message.split(/ at line \d+, column \d+/)[0].split('\n')[0];
    const at = e.linePos?.[0];
    return at ? `line ${at.line}, column ${at.col}: ${what}` : what;
  }
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

export function parsePlanText(text: string, name: string): unknown {
  const yaml = isYamlName(name);
  let raw: unknown;
  try {
    raw = yaml ? parseYaml(text, { prettyErrors: true }) : JSON.parse(text);
  } catch (e) {
    throw new PlanTextError(yaml ? `Plan ${name} is not valid YAML (${yamlProblem(e)}).` : `Plan ${name} is not valid JSON (${describeJsonError(e)}).`, { cause: e });
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new PlanTextError(`Plan ${name} is not a plan: its top level must be a mapping of fields (version, name, models, …).`);
  return raw;
}
