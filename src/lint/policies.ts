import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LintConfig } from '../config/types.js';
import type { Template } from '../template/model.js';
import { CHECKS } from './checks/index.js';
import { LintInputError } from './errors.js';
import type { CheckSpec, Hit, Policy, Severity } from './types.js';
import { FILE_MISSING, SUPPRESSION_REASON_MISSING, SUPPRESSION_UNUSED, SYNTAX } from './types.js';

/** A policy ready to run: its effective severity and its prepared check(s). */
export interface LoadedPolicy extends Policy {
  run(template: Template): Hit[];
  /** Whether any of its checks has something to judge in the template (see CheckModule.applies). */
  applies(template: Template): boolean;
}

export const BUILTIN_POLICY_DIR = fileURLToPath(new URL('../../policies/', import.meta.url));

/**
 * The built-in policies, validated and bundled by scripts/gen-policy-catalog.mjs from
 * policies/*.yaml (a unit test fails when it is stale). Reading JSON keeps a one-file lint
 * fast; user policy directories are read and validated from YAML on every run.
 */
export const BUILTIN_CATALOG = join(BUILTIN_POLICY_DIR, 'catalog.generated.json');

/** Ids the engine reports itself; config may tune their severity but they are not policies. */
export const ENGINE_IDS = [SYNTAX, SUPPRESSION_REASON_MISSING, SUPPRESSION_UNUSED, FILE_MISSING];

export function readBuiltinPolicies(): Policy[] {
  let catalog: Omit<Policy, 'file'>[];
  try {
    catalog = JSON.parse(readFileSync(BUILTIN_CATALOG, 'utf8')) as Omit<Policy, 'file'>[];
  } catch (err) {
    throw new LintInputError(
      `${BUILTIN_CATALOG}: cannot read the built-in policy catalog (${(err as Error).message}); run node scripts/gen-policy-catalog.mjs`,
    );
  }
  return catalog.map((p) => ({ ...p, file: join(BUILTIN_POLICY_DIR, `${p.id}.yaml`) }));
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
export async function loadPolicySet(opts: PolicySetOptions = {}): Promise<LoadedPolicy[]> {
  const cfg = opts.config ?? {};
  const where = opts.configFile ?? 'imagegate.yaml';
  const all: Policy[] = opts.builtin === false ? [] : readBuiltinPolicies();
  const dirs = opts.dirs ?? [];
  const needsSchema = dirs.length > 0 || Object.keys(cfg.settings ?? {}).length > 0;
  const file = needsSchema ? await import('./policy-file.js') : undefined;
  for (const dir of dirs) {
    for (const policy of file!.readPolicyDir(dir)) {
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
    .map((p) => {
      const settings = cfg.settings?.[p.id];
      const checks = (Array.isArray(p.check) ? p.check : [p.check]).map((c) =>
        settings ? withSettings(c, settings, p, where, file!.policyValidator()) : c,
      );
      return prepare(p, checks, cfg.severity?.[p.id]);
    });
}

function prepare(policy: Policy, specs: CheckSpec[], severity: Severity | undefined): LoadedPolicy {
  const checks = specs.map((spec) => {
    const module = CHECKS[spec.type];
    if (!module) throw new LintInputError(`${policy.file}: unknown check type "${spec.type}"`);
    const params = spec as CheckSpec & { message: string };
    try {
      const run = module.prepare(params);
      const applies = module.applies;
      return { run, applies: applies ? (t: Template) => applies(params, t) : () => true };
    } catch (err) {
      throw new LintInputError(`${policy.file}: check ${spec.type}: ${(err as Error).message}`);
    }
  });
  return {
    ...policy,
    severity: severity ?? policy.severity,
    run: (template) => checks.flatMap((c) => c.run(template)),
    applies: (template) => checks.some((c) => c.applies(template)),
  };
}

/** Settings from imagegate.yaml become check parameters: validate them like a policy file. */
function withSettings(
  spec: CheckSpec,
  settings: Record<string, unknown>,
  policy: Policy,
  where: string,
  validate: import('ajv').ValidateFunction,
): CheckSpec {
  const merged = { ...spec, ...settings };
  const { file: _file, ...rest } = policy;
  if (validate({ ...rest, check: merged })) return merged;
  const errors = validate.errors ?? [];
  const err = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  const key = err?.instancePath.replace(/^\/check\/?/, '').replace(/\//g, '.') || '(settings)';
  throw new LintInputError(
    `${where}: lint.settings.${policy.id}.${key}: ${err?.message ?? 'invalid'} (see the ${spec.type} parameters in docs/policies.md)`,
  );
}
