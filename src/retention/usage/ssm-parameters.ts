import { GetParametersByPathCommand, GetParametersCommand, type Parameter } from '@aws-sdk/client-ssm';
import { paginate } from '../../aws/call.js';
import { chunk } from '../../core/pool.js';
import { awsScope, paceKey, type RetentionAws } from '../context.js';
import type { Scope, UsageRef } from '../model.js';

/** GetParameters takes at most 10 names; GetParametersByPath returns at most 10 per page. */
const BATCH = 10;
const AMI = /\bami-[0-9a-f]{8,17}\b/g;

/**
 * Parameters configured as holding AMI ids (pipelines publish "current golden image" there).
 * A name ending in `/` is a path, read recursively. Any AMI id in a value counts, so JSON or
 * list values work too. A name that does not exist in this account-region is not an error.
 */
export async function ssmParameterUsage(
  aws: RetentionAws,
  scope: Scope,
  configured: string[],
): Promise<UsageRef[]> {
  if (configured.length === 0) return [];
  const ssm = aws.clients.ssm(awsScope(scope));
  const key = paceKey(scope, 'ssm');
  const params: Parameter[] = [];
  const paths = configured.filter((n) => n.endsWith('/'));
  const names = configured.filter((n) => !n.endsWith('/'));
  for (const Names of chunk(names, BATCH)) {
    const page = await aws.caller.call(key, 'describe', 'ssm:GetParameters', () =>
      ssm.send(new GetParametersCommand({ Names })),
    );
    params.push(...(page.Parameters ?? []));
  }
  for (const Path of paths) {
    await paginate(
      (NextToken) =>
        aws.caller.call(key, 'describe', 'ssm:GetParametersByPath', () =>
          ssm.send(new GetParametersByPathCommand({ Path, Recursive: true, MaxResults: BATCH, NextToken })),
        ),
      (page) => params.push(...(page.Parameters ?? [])),
    );
  }
  const out: UsageRef[] = [];
  for (const p of params) {
    for (const imageId of new Set(p.Value?.match(AMI) ?? [])) {
      out.push({
        imageId,
        source: 'ssm-parameter',
        ref: p.Name ?? '?',
        account: scope.account,
        region: scope.region,
      });
    }
  }
  return out;
}
