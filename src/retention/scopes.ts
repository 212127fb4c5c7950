import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { roleFor } from '../aws/clients.js';
import { listActiveAccounts, listActiveAccountsInOu, organizationOf } from '../aws/organizations.js';
import { mapLimit } from '../core/pool.js';
import { awsScope, describeError, type RetentionAws } from './context.js';
import type { Scope, ScopeFailure } from './model.js';

export interface ScopeSelection {
  /** Account ids, `organization` (ACTIVE accounts), or unset for the caller's own account. */
  accounts?: string[] | 'organization';
  ou?: string;
  /** Role pattern with `{account}`; required to reach accounts other than the caller's. */
  role?: string;
  /** Region names, or `enabled` (DescribeRegions per account); unset = the home region. */
  regions?: string[] | 'enabled';
  homeRegion: string;
  concurrency: number;
}

export interface ResolvedScopes {
  scopes: Scope[];
  /** Accounts whose regions could not be listed (region `*`): closed everywhere. */
  failures: ScopeFailure[];
  /** The whole organization is in scope, so shares with it (or its OUs) stay inside. */
  organizationWide: boolean;
  /** `o-…` of the organization in scope; shares with any other organization are outside use. */
  organizationId?: string;
}

/** Accounts × regions to survey. Throws when the account list itself cannot be obtained. */
export async function resolveScopes(aws: RetentionAws, sel: ScopeSelection): Promise<ResolvedScopes> {
  const { accounts, organizationId } = await resolveAccounts(aws, sel);
  const failures: ScopeFailure[] = [];
  const perAccount = await mapLimit(accounts, sel.concurrency, async ({ account, roleArn }) => {
    const base = { account, region: sel.homeRegion, ...(roleArn ? { roleArn } : {}) };
    if (sel.regions !== 'enabled')
      return (sel.regions ?? [sel.homeRegion]).map((region) => ({ ...base, region }));
    try {
      // Without AllRegions, EC2 lists only the regions enabled for this account.
      const res = await aws.caller.call(
        `${account}/${sel.homeRegion}|ec2`,
        'describe',
        'ec2:DescribeRegions',
        () => aws.clients.ec2(awsScope(base)).send(new DescribeRegionsCommand({})),
      );
      return (res.Regions ?? []).flatMap((r) => (r.RegionName ? [{ ...base, region: r.RegionName }] : []));
    } catch (err) {
      failures.push({ account, region: '*', source: 'regions', error: describeError(err) });
      return [];
    }
  });
  const scopes = perAccount
    .flat()
    .sort((a, b) => `${a.account}/${a.region}`.localeCompare(`${b.account}/${b.region}`));
  const organizationWide = sel.accounts === 'organization' && !sel.ou;
  return {
    scopes,
    failures,
    organizationWide,
    ...(organizationWide && organizationId ? { organizationId } : {}),
  };
}

async function resolveAccounts(
  aws: RetentionAws,
  sel: ScopeSelection,
): Promise<{ accounts: Array<{ account: string; roleArn?: string }>; organizationId?: string }> {
  const withOrg = (accounts: Array<{ account: string; roleArn?: string }>) =>
    organizationId ? { accounts, organizationId } : { accounts };
  let ids: string[];
  let organizationId: string | undefined;
  if (sel.accounts === 'organization') {
    const org = aws.clients.organizations();
    const listed = sel.ou ? await listActiveAccountsInOu(org, sel.ou) : await listActiveAccounts(org);
    ids = listed.map((a) => a.id);
    organizationId = organizationOf(listed);
  } else if (sel.accounts && sel.accounts.length > 0) {
    ids = [...new Set(sel.accounts)].sort();
  } else {
    ids = [];
  }
  if (sel.role)
    return withOrg(ids.map((account) => ({ account, roleArn: roleFor(sel.role as string, account) })));
  const sts = aws.clients.sts({ region: sel.homeRegion });
  const me = (await sts.send(new GetCallerIdentityCommand({}))).Account;
  if (!me) throw new Error('sts:GetCallerIdentity returned no account');
  const others = ids.filter((a) => a !== me);
  if (others.length > 0) {
    throw new Error(
      `retention.role is required to reach accounts other than ${me} (${others.slice(0, 3).join(', ')}…)`,
    );
  }
  return withOrg([{ account: me }]);
}
