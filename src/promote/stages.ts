import type {
  RegistryCredentialsConfig,
  StageConfig,
  StagesConfig,
  TrustEntryConfig,
} from '../config/types.js';
import { UserError } from '../core/errors.js';

/** An AWS region of a stage, normalised from the `regions:` shorthand. */
export interface StageRegionSpec {
  region: string;
  kmsKeyId?: string;
}

export interface CopyToSpec {
  account: string;
  role: string;
  /** Per region: KMS key in the target account. */
  kmsKeyIds: Record<string, string>;
}

export interface AwsStage {
  kind: 'aws';
  name: string;
  requires?: string;
  /** Keys whose evidence may promote here; absent = promotion refused (see evidence/setup.ts). */
  trust?: TrustEntryConfig[];
  regions: StageRegionSpec[];
  shareWith: string[];
  organizations: string[];
  ous: string[];
  role?: string;
  copyTo: CopyToSpec[];
  ssmParameter?: string;
  tags: Record<string, string>;
}

export interface RegistryStage {
  kind: 'registry';
  name: string;
  requires?: string;
  trust?: TrustEntryConfig[];
  repository: string;
  tags: string[];
  /** Environment variables with the login for the repository's registry; else Docker's config. */
  credentials?: RegistryCredentialsConfig;
}

export type Stage = AwsStage | RegistryStage;

const where = (name: string, key?: string) => `imagegate.yaml: stages.${name}${key ? `.${key}` : ''}`;

/**
 * The ladder in YAML order, checked for what the schema cannot say: `requires` names an
 * earlier stage, a stage is AWS or registry (not both, not neither), copyTo has a role.
 */
export function stageLadder(stages: StagesConfig | undefined): Stage[] {
  const names = Object.keys(stages ?? {});
  return names.map((name, index) => {
    const raw = (stages as StagesConfig)[name] as StageConfig;
    if (raw.requires !== undefined) {
      const at = names.indexOf(raw.requires);
      if (at < 0) {
        throw new UserError(
          `${where(name, 'requires')}: no stage named "${raw.requires}" (stages: ${names.join(', ')})`,
        );
      }
      if (at >= index) {
        throw new UserError(
          `${where(name, 'requires')}: "${raw.requires}" must come before "${name}" (list stages in ladder order)`,
        );
      }
    }
    return normalise(name, raw);
  });
}

/**
 * A registry stage shared by several images names its repository with `{image}`
 * (`localhost:5001/prod/{image}`); the verdict says which image the artifact is.
 */
export function repositoryFor(stage: RegistryStage, image: string | undefined): RegistryStage {
  if (!stage.repository.includes('{image}')) return stage;
  if (!image) {
    throw new UserError(
      `${where(stage.name, 'registry.repository')}: uses {image} but the verdict names no image: test with --image NAME`,
    );
  }
  return { ...stage, repository: stage.repository.replaceAll('{image}', image) };
}

/** The stage called `name`, or a one-line error listing the stages there are. */
export function findStage(stages: StagesConfig | undefined, name: string): Stage {
  const ladder = stageLadder(stages);
  const stage = ladder.find((s) => s.name === name);
  if (!stage) {
    const known = ladder.map((s) => s.name).join(', ') || 'none defined';
    throw new UserError(`unknown stage "${name}" (stages in imagegate.yaml: ${known}); add it under stages:`);
  }
  return stage;
}

function normalise(name: string, raw: StageConfig): Stage {
  const requires = {
    ...(raw.requires !== undefined ? { requires: raw.requires } : {}),
    ...(raw.trust ? { trust: raw.trust } : {}),
  };
  if (raw.registry) {
    if (raw.regions) {
      throw new UserError(`${where(name)}: has both registry and regions; a stage is one or the other`);
    }
    return {
      kind: 'registry',
      name,
      ...requires,
      repository: raw.registry.repository,
      tags: raw.registry.tags ?? [],
      ...(raw.registry.credentials ? { credentials: raw.registry.credentials } : {}),
    };
  }
  if (!raw.regions) {
    throw new UserError(`${where(name)}: needs regions (an AWS stage) or registry (a container stage)`);
  }
  const copyTo: CopyToSpec[] = [];
  (raw.copyTo ?? []).forEach((c, i) => {
    const role = c.role ?? raw.role;
    if (!role) {
      throw new UserError(
        `${where(name, `copyTo.${i}`)}: needs a role (or a stage role) to copy inside the account`,
      );
    }
    for (const account of c.accounts) copyTo.push({ account, role, kmsKeyIds: c.kmsKeyIds ?? {} });
  });
  const regions = raw.regions.map((r) => (typeof r === 'string' ? { region: r } : r));
  const seen = new Set<string>();
  for (const r of regions) {
    if (seen.has(r.region)) throw new UserError(`${where(name, 'regions')}: ${r.region} is listed twice`);
    seen.add(r.region);
  }
  return {
    kind: 'aws',
    name,
    ...requires,
    regions,
    shareWith: [...new Set(raw.shareWith ?? [])],
    organizations: raw.organizations ?? [],
    ous: raw.ous ?? [],
    ...(raw.role ? { role: raw.role } : {}),
    copyTo,
    ...(raw.ssmParameter ? { ssmParameter: raw.ssmParameter } : {}),
    tags: raw.tags ?? {},
  };
}
