/**
 * Which account-regions prune surveys, against moto's Organizations, EC2 and STS: the ACTIVE
 * accounts of the organization across ListAccounts pages (moto pages at 100), a role each, the
 * organization's id from the account ARNs, enabled regions per account, an account whose role
 * cannot be assumed (the proxy refuses it: moto lets any role be assumed), and the caller alone.
 */
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { CloseAccountCommand } from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import { resolveScopes } from '../../src/retention/scopes.js';
import { MANAGEMENT } from './helpers/moto.js';
import { retentionAws } from './helpers/retention.js';
import { useMoto } from './helpers/session.js';

const moto = useMoto({ region: 'us-east-1' });
const role = 'arn:aws:iam::{account}:role/imagegate-prune';
const roleOf = (account: string) => `arn:aws:iam::${account}:role/imagegate-prune`;
const aws = retentionAws;

describe('resolveScopes against moto', () => {
  it('takes every ACTIVE account of the organization across pages, a role each, the listed regions, and names the organization', async () => {
    const org = await moto.world.organization(Array.from({ length: 100 }, (_, n) => ({ name: `acct-${n}` })));
    const closed = org.accounts['acct-7'] as string;
    await moto.world.organizations().send(new CloseAccountCommand({ AccountId: closed }));

    const r = await resolveScopes(aws(), {
      accounts: 'organization',
      role,
      regions: ['eu-west-1', 'us-east-1'],
      homeRegion: 'us-east-1',
      concurrency: 4,
    });
    const active = [MANAGEMENT, ...Object.values(org.accounts)].filter((a) => a !== closed).sort();
    expect(r.scopes).toEqual(
      active.flatMap((account) =>
        ['eu-west-1', 'us-east-1'].map((region) => ({ account, region, roleArn: roleOf(account) })),
      ),
    );
    expect(r.failures).toEqual([]);
    expect(r.organizationWide).toBe(true);
    expect(r.organizationId).toBe(org.id);
    const pages = moto.proxy.calls.filter((c) => c.action === 'ListAccounts');
    expect(pages).toHaveLength(2);
    expect(pages[1]?.params.NextToken).toEqual(expect.any(String));
  });

  it('lists enabled regions per account; an account whose role cannot be assumed is closed everywhere', async () => {
    const [ok, denied] = ['111111111111', '222222222222'];
    moto.proxy.fault({
      action: 'AssumeRole',
      when: (p) => p.RoleArn === roleOf(denied as string),
      code: 'AccessDenied',
      message: 'not authorized to perform sts:AssumeRole',
    });
    const r = await resolveScopes(aws(), {
      accounts: [denied as string, ok as string],
      role,
      regions: 'enabled',
      homeRegion: 'us-east-1',
      concurrency: 1,
    });
    const enabled = (await moto.world.ec2(ok as string, 'us-east-1').send(new DescribeRegionsCommand({})))
      .Regions;
    expect(r.scopes).toEqual(
      (enabled ?? [])
        .map((x) => x.RegionName as string)
        .sort()
        .map((region) => ({ account: ok, region, roleArn: roleOf(ok as string) })),
    );
    expect(r.scopes.length).toBeGreaterThan(1);
    expect(r.failures).toEqual([
      {
        account: denied,
        region: '*',
        source: 'regions',
        error: 'AccessDenied: not authorized to perform sts:AssumeRole',
      },
    ]);
    expect(r.organizationWide).toBe(false);
    // Without AllRegions, EC2 answers with the regions enabled for the account.
    const asked = moto.proxy.calls.filter((c) => c.action === 'DescribeRegions');
    expect(asked.map((c) => c.account)).toEqual([ok]);
    expect(Object.keys(asked[0]?.params ?? {}).filter((k) => k.startsWith('AllRegions'))).toEqual([]);
  });

  it('without a role, uses the caller and refuses other accounts', async () => {
    const own = await resolveScopes(aws(), { homeRegion: 'eu-west-1', concurrency: 1 });
    expect(own.scopes).toEqual([{ account: MANAGEMENT, region: 'eu-west-1' }]);
    await expect(
      resolveScopes(aws(), { accounts: ['222222222222'], homeRegion: 'eu-west-1', concurrency: 1 }),
    ).rejects.toThrow(`retention.role is required to reach accounts other than ${MANAGEMENT}`);
  });
});
