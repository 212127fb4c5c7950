/**
 * Seeding and reading moto state for the `aws` project. Seeding talks to moto directly (not
 * through the test proxy), so the proxy's call log holds only the product's calls.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { BatchClient } from '@aws-sdk/client-batch';
import {
  CreateTagsCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  RegisterImageCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { SSMClient } from '@aws-sdk/client-ssm';
import { clientIn, MANAGEMENT, MOTO_ENDPOINT } from './moto.js';

export interface SeededImage {
  id: string;
  name: string;
  account: string;
  region: string;
  snapshotIds: string[];
}

export class MotoWorld {
  private readonly clients = new Map<string, unknown>();

  /** `age` makes an image report an older creation date (the test proxy's age()). */
  constructor(
    readonly endpoint = MOTO_ENDPOINT,
    private readonly age: (imageId: string, days: number) => void = () => {
      throw new Error('MotoWorld: ageing images needs the test proxy');
    },
  ) {}

  private cached<C>(key: string, make: () => C): C {
    let c = this.clients.get(key) as C | undefined;
    if (!c) {
      c = make();
      this.clients.set(key, c);
    }
    return c;
  }
  ec2(account: string, region: string): EC2Client {
    return this.cached(`ec2|${account}|${region}`, () => clientIn(EC2Client, account, region, this.endpoint));
  }
  asg(account: string, region: string): AutoScalingClient {
    return this.cached(`asg|${account}|${region}`, () =>
      clientIn(AutoScalingClient, account, region, this.endpoint),
    );
  }
  ssm(account: string, region: string): SSMClient {
    return this.cached(`ssm|${account}|${region}`, () => clientIn(SSMClient, account, region, this.endpoint));
  }
  batch(account: string, region: string): BatchClient {
    return this.cached(`batch|${account}|${region}`, () =>
      clientIn(BatchClient, account, region, this.endpoint),
    );
  }
  /** An IAM role and an instance profile of that name (Batch checks they exist). */
  async iamRole(account: string, name: string): Promise<void> {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'batch.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    await this.iam(account, { Action: 'CreateRole', RoleName: name, AssumeRolePolicyDocument: policy });
    await this.iam(account, { Action: 'CreateInstanceProfile', InstanceProfileName: name });
  }
  /** No IAM client in the dependencies (the product never calls IAM), so a raw query. */
  private async iam(account: string, params: Record<string, string>): Promise<void> {
    const res = await fetch(`${this.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-moto-account-id': account,
        authorization:
          'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: new URLSearchParams({ Version: '2010-05-08', ...params }).toString(),
    });
    if (!res.ok) throw new Error(`iam ${params.Action}: ${res.status} ${await res.text()}`);
  }
  organizations(account = MANAGEMENT): OrganizationsClient {
    return this.cached(`org|${account}`, () =>
      clientIn(OrganizationsClient, account, 'us-east-1', this.endpoint),
    );
  }

  /**
   * An organization run from MANAGEMENT with one member account per name; `ous` nests OUs
   * (`apps/child`) and places accounts in them. Returns account ids by name and OU ids/ARNs.
   */
  async organization(accounts: Array<{ name: string; ou?: string }>): Promise<{
    id: string;
    accounts: Record<string, string>;
    ous: Record<string, { id: string; arn: string }>;
  }> {
    const org = this.organizations();
    const created = await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const root = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
    const ous: Record<string, { id: string; arn: string }> = {};
    const ouFor = async (path: string): Promise<string> => {
      if (ous[path]) return ous[path].id;
      const parts = path.split('/');
      const parent = parts.length > 1 ? await ouFor(parts.slice(0, -1).join('/')) : root;
      const made = await org.send(
        new CreateOrganizationalUnitCommand({ ParentId: parent, Name: parts.at(-1) as string }),
      );
      ous[path] = { id: made.OrganizationalUnit?.Id as string, arn: made.OrganizationalUnit?.Arn as string };
      return ous[path].id;
    };
    const ids: Record<string, string> = {};
    for (const a of accounts) {
      const made = await org.send(
        new CreateAccountCommand({ AccountName: a.name, Email: `${a.name}@example.test` }),
      );
      const id = made.CreateAccountStatus?.AccountId as string;
      ids[a.name] = id;
      if (a.ou) {
        await org.send(
          new MoveAccountCommand({
            AccountId: id,
            SourceParentId: root,
            DestinationParentId: await ouFor(a.ou),
          }),
        );
      }
    }
    return { id: created.Organization?.Id as string, accounts: ids, ous };
  }

  /** Register an AMI `ageDays` old (moto's clock), tagged. Every moto AMI gets one snapshot. */
  async image(
    account: string,
    region: string,
    name: string,
    opts: { ageDays?: number; tags?: Record<string, string> } = {},
  ): Promise<SeededImage> {
    const ec2 = this.ec2(account, region);
    const made = await ec2.send(new RegisterImageCommand({ Name: name }));
    const id = made.ImageId as string;
    if (opts.ageDays) this.age(id, opts.ageDays);
    // RegisterImage ignores tags in moto; tag afterwards, as a pipeline would.
    if (opts.tags) {
      await ec2.send(
        new CreateTagsCommand({
          Resources: [id],
          Tags: Object.entries(opts.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    }
    const img = (await ec2.send(new DescribeImagesCommand({ ImageIds: [id] }))).Images?.[0];
    const snapshotIds = (img?.BlockDeviceMappings ?? []).flatMap((m) =>
      m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : [],
    );
    return { id, name, account, region, snapshotIds };
  }

  /** Several images of one age at once, tagged afterwards. */
  async images(
    account: string,
    region: string,
    ageDays: number,
    specs: Array<{ name: string; tags?: Record<string, string> }>,
  ): Promise<SeededImage[]> {
    const ec2 = this.ec2(account, region);
    return Promise.all(
      specs.map(async (s) => {
        const id = (await ec2.send(new RegisterImageCommand({ Name: s.name }))).ImageId as string;
        if (ageDays) this.age(id, ageDays);
        if (s.tags) {
          await ec2.send(
            new CreateTagsCommand({
              Resources: [id],
              Tags: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })),
            }),
          );
        }
        const img = (await ec2.send(new DescribeImagesCommand({ ImageIds: [id] }))).Images?.[0];
        const snapshotIds = (img?.BlockDeviceMappings ?? []).flatMap((m) =>
          m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : [],
        );
        return { id, name: s.name, account, region, snapshotIds };
      }),
    );
  }

  /** Own image ids in an account-region (moto has no disabled/deprecated state to hide). */
  async imageIds(account: string, region: string): Promise<string[]> {
    const out = await this.ec2(account, region).send(new DescribeImagesCommand({ Owners: ['self'] }));
    return (out.Images ?? []).map((i) => i.ImageId as string).sort();
  }

  async snapshotIds(account: string, region: string): Promise<string[]> {
    // moto ignores OwnerIds=[self]; the owner-id filter works (see its README).
    const out = await this.ec2(account, region).send(
      new DescribeSnapshotsCommand({ Filters: [{ Name: 'owner-id', Values: [account] }] }),
    );
    return (out.Snapshots ?? []).map((s) => s.SnapshotId as string).sort();
  }

  /**
   * What retention could change, per account-region: images (with state, tags and launch
   * permissions), snapshots, and instances. Compared whole before and after a dry run.
   */
  async state(accounts: string[], regions: string[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const account of accounts) {
      for (const region of regions) {
        const ec2 = this.ec2(account, region);
        const images = (await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images ?? [];
        const withPerms = [];
        for (const i of images.sort((a, b) => String(a.ImageId).localeCompare(String(b.ImageId)))) {
          const lp = await ec2.send(
            new DescribeImageAttributeCommand({ ImageId: i.ImageId, Attribute: 'launchPermission' }),
          );
          withPerms.push({
            id: i.ImageId,
            state: i.State,
            deprecation: i.DeprecationTime,
            tags: i.Tags,
            launch: lp.LaunchPermissions,
          });
        }
        const instances = (await ec2.send(new DescribeInstancesCommand({}))).Reservations?.flatMap(
          (r) => r.Instances?.map((x) => [x.InstanceId, x.ImageId, x.State?.Name]) ?? [],
        );
        out[`${account}/${region}`] = {
          images: withPerms,
          snapshots: await this.snapshotIds(account, region),
          instances,
        };
      }
    }
    return out;
  }

  /**
   * What a test run left alive in an account-region: instances not terminated, key pairs, and
   * security groups other than the VPC's `default`. Empty after a clean teardown.
   */
  async leftovers(account: string, region: string): Promise<string[]> {
    const ec2 = this.ec2(account, region);
    const instances = ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? [])
      .flatMap((r) => r.Instances ?? [])
      .filter((i) => i.State?.Name !== 'terminated')
      .map((i) => i.InstanceId as string);
    const keys = ((await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? []).map(
      (k) => k.KeyName as string,
    );
    const groups = ((await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [])
      .filter((g) => g.GroupName !== 'default')
      .map((g) => g.GroupId as string);
    return [...instances, ...keys, ...groups];
  }
}
