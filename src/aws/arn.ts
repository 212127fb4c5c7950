/** `o-…` of an organization, OU or account ARN from Organizations; undefined for anything else. */
export function organizationOfArn(arn: string): string | undefined {
  return /^arn:[^:]+:organizations::\d+:(?:organization|ou|account)\/(o-[a-z0-9]+)(?:\/|$)/.exec(arn)?.[1];
}
