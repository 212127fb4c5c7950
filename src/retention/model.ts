/**
 * Plain data shared by inventory, usage, the pure planner, apply and the renderers. Nothing here
 * knows about the AWS SDK: adapters translate API shapes into these records.
 */

/** One account-region in scope, and the role used to reach it. */
export interface Scope {
  account: string;
  region: string;
  roleArn?: string;
}

export function scopeKey(s: { account: string; region: string }): string {
  return `${s.account}/${s.region}`;
}

/** An AMI as DescribeImages reports it (owner self), reduced to what retention needs. */
export interface ImageRecord {
  id: string;
  account: string;
  region: string;
  name: string;
  /** ISO 8601, as EC2 returns it. */
  creationDate: string;
  /** `available`, `disabled`, `pending`, `failed`, … */
  state: string;
  public: boolean;
  /** ISO 8601; set by EnableImageDeprecation (ours or anyone's). */
  deprecationTime?: string;
  deregistrationProtected: boolean;
  tags: Record<string, string>;
  snapshotIds: string[];
}

export type UsageSource =
  | 'instance'
  | 'launch-template'
  | 'auto-scaling-group'
  | 'launch-configuration'
  | 'ssm-parameter'
  | 'spot-request'
  | 'spot-fleet'
  | 'ec2-fleet'
  | 'batch-compute-environment'
  | 'image-builder-recipe'
  | 'launch-permission';

/** Something that references an AMI id, found in one account-region. */
export interface UsageRef {
  imageId: string;
  source: UsageSource;
  /** Human-readable handle: `i-0abc (stopped)`, `lt-0abc v3`, `/golden/web/ami`. */
  ref: string;
  account: string;
  region: string;
}

/** DescribeImageAttribute(launchPermission) for one image. */
export interface LaunchPermissions {
  userIds: string[];
  /** `all` = public. */
  groups: string[];
  organizationArns: string[];
  organizationalUnitArns: string[];
}

/** A listing that could not be completed; the scope it names is closed for retirement. */
export interface ScopeFailure {
  account: string;
  region: string;
  source: UsageSource | 'images' | 'regions' | 'credentials';
  error: string;
}

export type Action = 'keep' | 'deprecate' | 'disable' | 'deregister';

export type ReasonCode =
  | 'not-selected'
  | 'ungrouped'
  | 'not-available'
  | 'newest'
  | 'young'
  | 'in-use'
  | 'protected'
  | 'shared'
  | 'scope-incomplete'
  | 'floor'
  | 'retiring'
  | 'cap'
  | 'launch-permissions-unknown'
  | 'expired'
  | 'stage-due';

export interface Reason {
  code: ReasonCode;
  detail: string;
}

export interface Decision {
  image: ImageRecord;
  /** Group key (family) the image was ranked in; absent when not selected or ungrouped. */
  group?: string;
  action: Action;
  /** Every reason, in a fixed order: all keep reasons when kept, the retirement path otherwise. */
  reasons: Reason[];
}

export interface Plan {
  generatedAt: string;
  decisions: Decision[];
  /** Scopes where something could not be listed: nothing there was retired. */
  failures: ScopeFailure[];
  /** Images that would be retired if their launch permissions were known (fetch, then re-plan). */
  needLaunchPermissions: string[];
  summary: PlanSummary;
}

export interface PlanSummary {
  images: number;
  selected: number;
  keep: number;
  deprecate: number;
  disable: number;
  deregister: number;
  deferredByCap: number;
  deletionCap: number | null;
  scopes: number;
  incompleteScopes: number;
}
