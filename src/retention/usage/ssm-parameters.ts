import {
  DescribeParametersCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  type Parameter,
} from '@aws-sdk/client-ssm';
import { paginate } from '../../aws/call.js';
import { chunk } from '../../core/pool.js';
import { awsScope, paceKey, type RetentionAws } from '../context.js';
import type { Scope, UsageRef } from '../model.js';

/** GetParameters takes at most 10 names; GetParametersByPath returns at most 10 per page. */
const BATCH = 10;
const AMI = /\bami-[0-9a-f]{8,17}\b/g;

/** DescribeParameters' largest page. */
const DESCRIBE_PAGE = 50;

/**
 * Parameters that hold AMI ids: those configured (pipelines publish "current golden image"
 * there; a name ending in `/` is a path, read recursively) and every parameter of data type
 * `aws:ec2:image`, configured or not (that type exists to hold one). Values are read decrypted,
 * so a SecureString holding an AMI id counts too (needs kms:Decrypt; without it the source
 * fails and the scope is closed). Any AMI id in a value counts, so JSON or list values work.
 * A configured name that does not exist in this account-region is not an error.
 */
export async function ssmParameterUsage(
  aws: RetentionAws,
  scope: Scope,
  configured: string[],
): Promise<UsageRef[]> {
  const ssm = aws.clients.ssm(awsScope(scope));
  const key = paceKey(scope, 'ssm');
  const params: Parameter[] = [];
  const paths = configured.filter((n) => n.endsWith('/'));
  const names = new Set(configured.filter((n) => !n.endsWith('/')));
  await paginate(
    (NextToken) =>
      aws.caller.call(key, 'describe', 'ssm:DescribeParameters', () =>
        ssm.send(
          new DescribeParametersCommand({
            ParameterFilters: [{ Key: 'DataType', Option: 'Equals', Values: ['aws:ec2:image'] }],
            MaxResults: DESCRIBE_PAGE,
            NextToken,
          }),
        ),
      ),
    (page) => {
      for (const p of page.Parameters ?? []) if (p.Name) names.add(p.Name);
    },
  );
  for (const Names of chunk([...names], BATCH)) {
    const page = await aws.caller.call(key, 'describe', 'ssm:GetParameters', () =>
      ssm.send(new GetParametersCommand({ Names, WithDecryption: true })),
    );
    params.push(...(page.Parameters ?? []));
  }
  for (const Path of paths) {
    await paginate(
      (NextToken) =>
        aws.caller.call(key, 'describe', 'ssm:GetParametersByPath', () =>
          ssm.send(
            new GetParametersByPathCommand({
              Path,
              Recursive: true,
              WithDecryption: true,
              MaxResults: BATCH,
              NextToken,
            }),
          ),
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
