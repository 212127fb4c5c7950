import type { PacedCaller } from '../aws/call.js';
import type { AwsClients, AwsScope } from '../aws/clients.js';
import { type Scope, scopeKey } from './model.js';

/** What every AWS-facing retention module needs: clients per scope and the paced caller. */
export interface RetentionAws {
  clients: AwsClients;
  caller: PacedCaller;
}

export function awsScope(s: Scope): AwsScope {
  return { region: s.region, accountId: s.account, ...(s.roleArn ? { roleArn: s.roleArn } : {}) };
}

/** Pacing keys: EC2 buckets are per account-region; Auto Scaling and SSM have their own. */
export function paceKey(
  s: Scope,
  service: 'ec2' | 'autoscaling' | 'ssm' | 'batch' | 'imagebuilder' = 'ec2',
): string {
  return `${scopeKey(s)}|${service}`;
}

/** `err.name: message` on one line, for reports. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message.split('\n')[0]}`;
  return String(err);
}
