import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { PacedCaller } from '../../../src/aws/call.js';
import { AwsClients } from '../../../src/aws/clients.js';
import { Pacer } from '../../../src/aws/pace.js';
import type { RetentionAws } from '../../../src/retention/context.js';
import { resolveScopes } from '../../../src/retention/scopes.js';
import { AwsError } from '../../helpers/aws-world.js';

const aws = (): RetentionAws => ({
  clients: new AwsClients(),
  caller: new PacedCaller(new Pacer(), { sleep: async () => {}, random: () => 0 }),
});
const org = mockClient(OrganizationsClient);
const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);
afterEach(() => {
  org.reset();
  ec2.reset();
  sts.reset();
});

const role = 'arn:aws:iam::{account}:role/imagegate-prune';

describe('resolveScopes', () => {
  it('names the organization in scope from the account ARNs, and none when they disagree', async () => {
    const arn = (o: string, id: string) => `arn:aws:organizations::111111111111:account/${o}/${id}`;
    org.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: '111111111111', Status: 'ACTIVE', Arn: arn('o-abc123', '111111111111') },
        { Id: '222222222222', Status: 'ACTIVE', Arn: arn('o-abc123', '222222222222') },
      ],
    });
    const sel = {
      accounts: 'organization' as const,
      role,
      regions: ['eu-west-1'],
      homeRegion: 'eu-west-1',
      concurrency: 2,
    };
    expect((await resolveScopes(aws(), sel)).organizationId).toBe('o-abc123');
    org.reset();
    org.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: '111111111111', Status: 'ACTIVE', Arn: arn('o-abc123', '111111111111') },
        { Id: '222222222222', Status: 'ACTIVE' },
      ],
    });
    expect((await resolveScopes(aws(), sel)).organizationId).toBeUndefined();
  });

  it('takes ACTIVE accounts of the organization across pages, a role each, and the listed regions', async () => {
    org
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({
        Accounts: [
          { Id: '222222222222', Status: 'ACTIVE' },
          { Id: '333333333333', Status: 'SUSPENDED' },
        ],
        NextToken: 't',
      })
      .on(ListAccountsCommand, { NextToken: 't' })
      .resolves({ Accounts: [{ Id: '111111111111', State: 'ACTIVE' } as never] });
    const r = await resolveScopes(aws(), {
      accounts: 'organization',
      role,
      regions: ['eu-west-1', 'us-east-1'],
      homeRegion: 'us-east-1',
      concurrency: 4,
    });
    expect(r.organizationWide).toBe(true);
    expect(r.scopes).toEqual([
      {
        account: '111111111111',
        region: 'eu-west-1',
        roleArn: 'arn:aws:iam::111111111111:role/imagegate-prune',
      },
      {
        account: '111111111111',
        region: 'us-east-1',
        roleArn: 'arn:aws:iam::111111111111:role/imagegate-prune',
      },
      {
        account: '222222222222',
        region: 'eu-west-1',
        roleArn: 'arn:aws:iam::222222222222:role/imagegate-prune',
      },
      {
        account: '222222222222',
        region: 'us-east-1',
        roleArn: 'arn:aws:iam::222222222222:role/imagegate-prune',
      },
    ]);
  });

  it('lists enabled regions per account; an account whose regions cannot be listed is closed everywhere', async () => {
    ec2
      .on(DescribeRegionsCommand)
      .resolvesOnce({ Regions: [{ RegionName: 'eu-west-1' }, { RegionName: 'ap-east-1' }] })
      .rejectsOnce(new AwsError('AuthFailure', 'role cannot be assumed'));
    const r = await resolveScopes(aws(), {
      accounts: ['111111111111', '222222222222'],
      role,
      regions: 'enabled',
      homeRegion: 'us-east-1',
      concurrency: 1,
    });
    expect(r.scopes.map((s) => `${s.account}/${s.region}`)).toEqual([
      '111111111111/ap-east-1',
      '111111111111/eu-west-1',
    ]);
    expect(r.failures).toEqual([
      {
        account: '222222222222',
        region: '*',
        source: 'regions',
        error: 'AuthFailure: role cannot be assumed',
      },
    ]);
    expect(r.organizationWide).toBe(false);
    // Without AllRegions, EC2 answers with the regions enabled for the account.
    expect(ec2.commandCalls(DescribeRegionsCommand)[0]!.args[0].input).toEqual({});
  });

  it('without a role, uses the caller and refuses other accounts', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111' });
    const own = await resolveScopes(aws(), { homeRegion: 'eu-west-1', concurrency: 1 });
    expect(own.scopes).toEqual([{ account: '111111111111', region: 'eu-west-1' }]);
    await expect(
      resolveScopes(aws(), { accounts: ['222222222222'], homeRegion: 'eu-west-1', concurrency: 1 }),
    ).rejects.toThrow('retention.role is required to reach accounts other than 111111111111');
  });
});
