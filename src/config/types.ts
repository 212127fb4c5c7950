/**
 * imagegate.yaml as TypeScript sees it. The JSON schemas in `schemas/config/` are the source
 * of truth for validation; keep these types in step with them (one section per file there).
 */
export type Severity = 'error' | 'warning' | 'info';

export interface LintConfig {
  /** What `gate` lints besides the images it builds (default: imagegate.yaml's directory). */
  paths?: string[];
  policyDirs?: string[];
  disable?: string[];
  severity?: Record<string, Severity>;
  failOn?: Severity;
  settings?: Record<string, Record<string, unknown>>;
  /** Directory Packer runs in, for relative script paths (relative to imagegate.yaml once loaded). */
  packerDir?: string;
}

export interface ImageConfig {
  template: string;
  varFiles?: string[];
  vars?: Record<string, string | number | boolean>;
  only?: string[];
  inputs?: string[];
  suites?: string[];
  suiteVars?: string[];
  timeout?: string;
  test?: ImageTestConfig;
}

/** images.<name>.test: how `imagegate test` boots this image's artifacts. */
export interface ImageTestConfig {
  ttl?: string;
  docker?: DockerTestConfig;
  ec2?: Ec2TestConfig;
}

export interface ReadinessConfig {
  suite: string;
  retryTimeout?: string;
  sleep?: string;
}

export interface DockerTestConfig {
  command?: string[];
  keepAlive?: boolean;
  env?: Record<string, string>;
  /** Container variable → host variable holding the (secret) value. */
  envFrom?: Record<string, string>;
  user?: string;
  ports?: (number | string)[];
  readiness?: ReadinessConfig;
}

export interface Ec2TestConfig {
  instanceType?: string;
  subnetId?: string;
  securityGroupId?: string;
  allowCidr?: string;
  instanceProfile?: string;
  sshUser?: string;
  privateIp?: boolean;
  bastion?: string;
  userData?: string;
  /** How long to wait for `running` and an SSH answer, e.g. `20m`; default 10m. */
  bootTimeout?: string;
  /** How suites reach the instance: `ssh` (default; temporary key and group) or `ssm` (no inbound port). */
  connect?: 'ssh' | 'ssm';
  readiness?: ReadinessConfig;
}

/** A region of an AWS stage: a name, or a name with the KMS key for encrypted copies there. */
export type StageRegion = string | { region: string; kmsKeyId?: string };

/** Accounts that must own their own copy, made from inside each account through `role`. */
export interface CopyToConfig {
  accounts: string[];
  role?: string;
  /** Per region: KMS key in the target account. */
  kmsKeyIds?: Record<string, string>;
}

/** One rung of the promotion ladder (schemas/config/stages.schema.json): AWS or a registry. */
export interface StageConfig {
  description?: string;
  requires?: string;
  /** Keys whose signed evidence may promote into this stage (schemas/config/evidence.schema.json). */
  trust?: TrustEntryConfig[];
  regions?: StageRegion[];
  shareWith?: string[];
  organizations?: string[];
  ous?: string[];
  /** Role pattern (`{account}`) assumed in receiving accounts to tag their view of the AMI. */
  role?: string;
  copyTo?: CopyToConfig[];
  ssmParameter?: string;
  tags?: Record<string, string>;
  registry?: { repository: string; tags?: string[]; credentials?: RegistryCredentialsConfig };
}

/** Names of environment variables holding a registry login (never the values themselves). */
export interface RegistryCredentialsConfig {
  usernameEnv: string;
  passwordEnv: string;
}

/** Stages in ladder order (YAML key order). */
export type StagesConfig = Record<string, StageConfig>;

/** `local-dev` = this repository's generated development key. */
export type TrustEntryConfig = 'local-dev' | { publicKey: string } | { kms: string; publicKey?: string };

/** `evidence:` — who signs evidence and where AMI attestations are kept. */
export interface EvidenceConfig {
  signer?: 'local-dev' | { local: string } | { kms: string };
  /** Directory (relative to imagegate.yaml) or `s3://bucket/prefix`. */
  store?: string;
}

export interface Config {
  version?: 1;
  evidence?: EvidenceConfig;
  lint?: LintConfig;
  images?: Record<string, ImageConfig>;
  stages?: StagesConfig;
  retention?: RetentionConfig;
  controls?: Record<string, string[]>;
}

/** `retention:` — AMI retention for `imagegate prune` (schemas/config/retention.schema.json). */
export interface RetentionConfig {
  /** Account ids, or `organization` for every ACTIVE account (optionally under `ou`). */
  accounts?: string[] | 'organization';
  ou?: string;
  /** Role to assume per account; `{account}` is replaced by the account id. */
  role?: string;
  /** Region names, or `enabled` for every region enabled in each account (DescribeRegions). */
  regions?: string[] | 'enabled';
  concurrency?: number;
  select?: { names?: string[]; excludeNames?: string[]; tags?: Record<string, string> };
  group?: { tag?: string; namePattern?: string };
  keepNewest?: number;
  keepYoungerThanDays?: number;
  retainAtLeast?: number;
  protect?: {
    stageTags?: Record<string, string[]>;
    pinTags?: string[];
    public?: boolean;
    deregistrationProtected?: boolean;
    awsBackup?: boolean;
  };
  sharedOutsideScope?: 'keep' | 'retire';
  ssmParameters?: string[];
  stages?: { deprecate?: boolean; disableAfterDays?: number; deregisterAfterDays?: number };
  maxDeletions?: number;
  maxDeletionsPercent?: number;
}
