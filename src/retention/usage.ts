import { describeError, type RetentionAws } from './context.js';
import type { Scope, ScopeFailure, UsageRef, UsageSource } from './model.js';
import { autoScalingUsage } from './usage/auto-scaling.js';
import { batchUsage } from './usage/batch.js';
import { fleetUsage } from './usage/fleets.js';
import { imageBuilderUsage } from './usage/image-builder.js';
import { instanceUsage } from './usage/instances.js';
import { launchTemplateUsage } from './usage/launch-templates.js';
import { ssmParameterUsage } from './usage/ssm-parameters.js';

export interface UsageOptions {
  /** SSM parameter names (or paths ending in `/`) that hold AMI ids. */
  ssmParameters: string[];
  /** Narrow the instance listing to these AMIs (re-check before acting). */
  imageIds?: string[];
}

export interface ScopeUsage {
  refs: UsageRef[];
  /** One per source that could not be listed completely; the scope is then closed. */
  failures: ScopeFailure[];
}

/**
 * Everything in one account-region that can launch an AMI. Sources run side by side (they draw
 * from the same pacing buckets); a failing source never hides the others' findings, and its
 * failure closes the scope for retirement.
 */
export async function collectUsage(aws: RetentionAws, scope: Scope, opts: UsageOptions): Promise<ScopeUsage> {
  const sources: Array<[UsageSource, () => Promise<UsageRef[]>]> = [
    ['instance', () => instanceUsage(aws, scope, opts.imageIds)],
    ['launch-template', () => launchTemplateUsage(aws, scope)],
    ['launch-configuration', () => autoScalingUsage(aws, scope)],
    ['ssm-parameter', () => ssmParameterUsage(aws, scope, opts.ssmParameters)],
    // One source name for the three fleet listings: any of them failing closes the scope.
    ['spot-request', () => fleetUsage(aws, scope)],
    ['batch-compute-environment', () => batchUsage(aws, scope)],
    ['image-builder-recipe', () => imageBuilderUsage(aws, scope)],
  ];
  const settled = await Promise.allSettled(sources.map(([, list]) => list()));
  const refs: UsageRef[] = [];
  const failures: ScopeFailure[] = [];
  settled.forEach((r, n) => {
    const source = sources[n]?.[0] as UsageSource;
    if (r.status === 'fulfilled') refs.push(...r.value);
    else
      failures.push({ account: scope.account, region: scope.region, source, error: describeError(r.reason) });
  });
  return { refs, failures };
}
