import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { assertValid, loadSchema, makeAjv } from '../core/schema-check.js';
import { parseYamlText, readYamlFile, type YamlFile } from '../core/yaml-document.js';
import { LintInputError } from './errors.js';
import type { Policy } from './types.js';

/**
 * Reading and validating policy YAML against schemas/policy.schema.json. Only loaded when a
 * run has user policy directories or settings to check: parsing YAML and compiling the schema
 * cost more than the rest of a one-file lint (built-ins come from the generated catalog).
 */

let validator: ValidateFunction | undefined;
export function policyValidator(): ValidateFunction {
  validator ??= makeAjv().compile(loadSchema('policy.schema.json'));
  return validator;
}

/** Read and validate every `*.yaml` / `*.yml` policy in a directory (sorted by name). */
export function readPolicyDir(dir: string): Policy[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n));
  } catch (err) {
    throw new LintInputError(
      `${dir}: cannot read policy directory: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  return names.sort().map((n) => readPolicyFile(join(dir, n)));
}

export function readPolicyFile(file: string): Policy {
  return validatePolicy(rethrow(() => readYamlFile(file)));
}

/** Validate policy YAML given as text (tests, and callers holding the text already). */
export function parsePolicy(file: string, text: string): Policy {
  return validatePolicy(rethrow(() => parseYamlText(file, text)));
}

function validatePolicy(yaml: YamlFile): Policy {
  const policy = rethrow(() => assertValid<Omit<Policy, 'file'>>(policyValidator(), yaml, 'policy'));
  const expected = basename(yaml.file).replace(/\.ya?ml$/, '');
  if (policy.id !== expected) {
    const { line, column } = yaml.locate('/id');
    throw new LintInputError(
      `${yaml.file}:${line}:${column}: policy id "${policy.id}" must match its file name (rename the file to ${policy.id}.yaml)`,
    );
  }
  return { ...policy, file: yaml.file };
}

/** Config and YAML helpers throw the CLI's UserError; lint reports bad input as its own type. */
function rethrow<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LintInputError) throw err;
    throw new LintInputError((err as Error).message);
  }
}
