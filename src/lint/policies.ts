import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { assertValid, loadSchema, makeAjv } from '../config/schema-check.js';
import type { LintConfig } from '../config/types.js';
import { parseYamlText, readYamlFile, type YamlFile } from '../config/yaml-document.js';
import type { Template } from '../template/model.js';
import { CHECKS } from './checks/index.js';
import { LintInputError } from './errors.js';
import type { CheckSpec, Hit, Policy, Severity } from './types.js';
import { SUPPRESSION_REASON_MISSING, SUPPRESSION_UNUSED, SYNTAX } from './types.js';

/** A policy ready to run: its effective severity and its prepared check(s). */
export interface LoadedPolicy extends Policy {
  run(template: Template): Hit[];
}

export const BUILTIN_POLICY_DIR = fileURLToPath(new URL('../../policies/', import.meta.url));

/** Ids the engine reports itself; config may tune their severity but they are not policies. */
export const ENGINE_IDS = [SYNTAX, SUPPRESSION_REASON_MISSING, SUPPRESSION_UNUSED];

let validator: ValidateFunction | undefined;
function policyValidator(): ValidateFunction {
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

/** Validate an already-parsed policy document (also used by tests on in-memory YAML). */
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

export interface PolicySetOptions {
  /** Extra directories, after the built-ins (`--policy-dir`, `lint.policyDirs`). */
  dirs?: string[];
  config?: LintConfig;
  /** Leave out the built-in catalog (tests, or a team that replaces it wholesale). */
  builtin?: boolean;
  /** Where the config came from, for error messages. */
  configFile?: string;
}

/**
 * The policy set for one run: built-ins plus extra directories, minus `lint.disable`, with
 * `lint.severity` overrides and `lint.settings` merged into each check's parameters. Every
 * problem is bad input naming the file (and line when known).
 */
export function loadPolicySet(opts: PolicySetOptions = {}): LoadedPolicy[] {
  const dirs = [...(opts.builtin === false ? [] : [BUILTIN_POLICY_DIR]), ...(opts.dirs ?? [])];
  const cfg = opts.config ?? {};
  const where = opts.configFile ?? 'imagegate.yaml';
  const all: Policy[] = [];
  for (const dir of dirs) {
    for (const policy of readPolicyDir(dir)) {
      const dup = all.find((p) => p.id === policy.id);
      if (dup) {
        throw new LintInputError(
          `${policy.file}: policy id "${policy.id}" is already defined in ${dup.file} (choose another id; disable the other with lint.disable)`,
        );
      }
      all.push(policy);
    }
  }
  const known = new Set([...all.map((p) => p.id), ...ENGINE_IDS]);
  for (const [key, ids] of [
    ['disable', cfg.disable ?? []],
    ['severity', Object.keys(cfg.severity ?? {})],
    ['settings', Object.keys(cfg.settings ?? {})],
  ] as const) {
    const unknown = ids.find((id) => !known.has(id));
    if (unknown !== undefined) {
      throw new LintInputError(
        `${where}: lint.${key}: unknown policy id "${unknown}" (see imagegate lint --list-policies)`,
      );
    }
  }
  const disabled = new Set(cfg.disable ?? []);
  return all
    .filter((p) => !disabled.has(p.id))
    .map((p) => prepare(p, cfg.severity?.[p.id], cfg.settings?.[p.id], where));
}

function prepare(
  policy: Policy,
  severity: Severity | undefined,
  settings: Record<string, unknown> | undefined,
  where: string,
): LoadedPolicy {
  const specs = (Array.isArray(policy.check) ? policy.check : [policy.check]).map((c) =>
    settings ? revalidate({ ...c, ...settings }, policy, where) : c,
  );
  const runs = specs.map((spec) => {
    const module = CHECKS[spec.type];
    if (!module) throw new LintInputError(`${policy.file}: unknown check type "${spec.type}"`);
    try {
      return module.prepare(spec as CheckSpec & { message: string });
    } catch (err) {
      throw new LintInputError(`${policy.file}: check ${spec.type}: ${(err as Error).message}`);
    }
  });
  return {
    ...policy,
    severity: severity ?? policy.severity,
    run: (template) => runs.flatMap((run) => run(template)),
  };
}

/** Settings from imagegate.yaml become check parameters: validate them like the policy file. */
function revalidate(spec: CheckSpec, policy: Policy, where: string): CheckSpec {
  const { file: _file, ...rest } = policy;
  const candidate = { ...rest, check: spec };
  if (policyValidator()(candidate)) return spec;
  const err =
    policyValidator().errors?.find((e) => e.instancePath.startsWith('/check')) ??
    policyValidator().errors?.[0];
  const key = err?.instancePath.replace(/^\/check\/?/, '').replace(/\//g, '.') || '(settings)';
  throw new LintInputError(
    `${where}: lint.settings.${policy.id}.${key}: ${err?.message ?? 'invalid'} (see the ${spec.type} parameters in docs/policies.md)`,
  );
}
