/**
 * A small EC2/SSM/Organizations world behind aws-sdk-client-mock, behaving as the real APIs are
 * documented to: tags are per account (a shared AMI shows each account only its own tags),
 * CopyImage honours ClientToken and needs snapshot permission across accounts, copies start
 * `pending`, names are unique per account and region, unknown ids raise InvalidAMIID.NotFound.
 * Every call is logged with the account, region and role of the client that received it.
 */
import {
  CopyImageCommand,
  CreateTagsCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  EC2Client,
  type Filter,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  type TagSpecification,
} from '@aws-sdk/client-ec2';
import {
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { type AwsScope, accountOfRole } from '../../../src/aws/clients.js';
import type { AwsPort } from '../../../src/promote/aws.js';

export const OWNER = '111111111111';
type Tags = Record<string, string>;

interface FakeImage {
  id: string;
  owner: string;
  region: string;
  name: string;
  state: string;
  pollsUntilAvailable: number;
  snapshots: string[];
  encrypted: boolean;
  kmsKeyId?: string;
  created: number;
  /** Tags by the account that wrote them. */
  tags: Map<string, Tags>;
  launch: { accounts: Set<string>; orgs: Set<string>; ous: Set<string> };
}

interface FakeSnapshot {
  id: string;
  owner: string;
  cvp: Set<string>;
  tags: Tags;
}

export interface Call {
  command: string;
  account: string;
  region: string;
  role?: string;
  input: Record<string, unknown>;
}

type Injector = (call: Call) => Error | undefined;

function limited(when: (c: Call) => boolean, error: () => Error, times: number): Injector {
  let left = times;
  return (c) => {
    if (left <= 0 || !when(c)) return undefined;
    left--;
    return error();
  };
}

export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

export class FakeAws implements AwsPort {
  readonly images = new Map<string, FakeImage>();
  readonly snapshots = new Map<string, FakeSnapshot>();
  readonly parameters = new Map<string, string>();
  readonly calls: Call[] = [];
  /** OU id → { accounts (with status), child OU ids }. */
  readonly ous = new Map<string, { accounts: { Id: string; State: string }[]; children: string[] }>();
  /** Copies stay pending for this many DescribeImages-by-id polls. */
  copyPolls = 1;
  /** Copies for which this is true end `failed` instead of `available`. */
  failCopies: (image: { id: string; owner: string; region: string }) => boolean = () => false;
  /** Filtered listings see an image only when this says so: models a listing that lags a write. */
  listed: (imageId: string) => boolean = () => true;
  private readonly tokens = new Map<string, string>();
  private readonly clients = new Map<string, unknown>();
  private injectors: Injector[] = [];
  private seq = 0;
  private clock = 0;

  /** Fail calls matching `when` (before they take effect), `times` times. */
  inject(when: (c: Call) => boolean, error: () => Error, times = 1): void {
    this.injectors.push(limited(when, error, times));
  }

  /** Fail a matching call after it took effect: the response was lost, the work was done. */
  loseResponse(when: (c: Call) => boolean, times = 1): void {
    this.afterHooks.push(limited(when, () => awsError('TimeoutError', 'socket hang up'), times));
  }
  private afterHooks: Injector[] = [];

  addImage(opts: { region: string; name: string; tags?: Tags; encrypted?: boolean; owner?: string }): string {
    const owner = opts.owner ?? OWNER;
    const id = this.newImage(owner, opts.region, opts.name, 'available', opts.encrypted ?? false);
    if (opts.tags) this.images.get(id)?.tags.set(owner, { ...opts.tags });
    return id;
  }

  /** Mutating calls (anything but Describe/Get/List). */
  mutations(): Call[] {
    return this.calls.filter((c) => !/^(Describe|Get|List)/.test(c.command));
  }

  imagesOf(account: string, region?: string): FakeImage[] {
    return [...this.images.values()].filter((i) => i.owner === account && (!region || i.region === region));
  }

  tagsSeenBy(account: string, imageId: string): Tags {
    return this.images.get(imageId)?.tags.get(account) ?? {};
  }

  // ── AwsPort ──────────────────────────────────────────────────────────────────────────────
  ec2(scope: AwsScope): EC2Client {
    return this.client('ec2', scope, () => {
      const c = new EC2Client({ region: scope.region });
      const m = mockClient(c);
      const on = <I extends object>(
        name: string,
        cmd: new (input: I) => unknown,
        fn: (call: Call) => unknown,
      ) =>
        // biome-ignore lint/suspicious/noExplicitAny: aws-sdk-client-mock's command typing is generic over every command
        m.on(cmd as any).callsFake((input: Record<string, unknown>) => this.handle(name, scope, input, fn));
      on('DescribeImages', DescribeImagesCommand, (c) => this.describeImages(c));
      on('CopyImage', CopyImageCommand, (c) => this.copyImage(c));
      on('CreateTags', CreateTagsCommand, (c) => this.createTags(c));
      on('ModifyImageAttribute', ModifyImageAttributeCommand, (c) => this.modifyImage(c));
      on('DescribeImageAttribute', DescribeImageAttributeCommand, (c) => this.describeImageAttribute(c));
      on('ModifySnapshotAttribute', ModifySnapshotAttributeCommand, (c) => this.modifySnapshot(c));
      on('DescribeSnapshotAttribute', DescribeSnapshotAttributeCommand, (c) => this.describeSnapshot(c));
      return c;
    });
  }

  ssm(scope: AwsScope): SSMClient {
    return this.client('ssm', scope, () => {
      const c = new SSMClient({ region: scope.region });
      const m = mockClient(c);
      m.on(GetParameterCommand).callsFake((input) =>
        this.handle('GetParameter', scope, input, (call) => {
          const v = this.parameters.get(`${call.account}|${call.region}|${String(call.input.Name)}`);
          if (v === undefined) throw awsError('ParameterNotFound');
          return { Parameter: { Name: call.input.Name, Value: v } };
        }),
      );
      m.on(PutParameterCommand).callsFake((input) =>
        this.handle('PutParameter', scope, input, (call) => {
          this.parameters.set(
            `${call.account}|${call.region}|${String(call.input.Name)}`,
            String(call.input.Value),
          );
          return { Version: 1 };
        }),
      );
      return c;
    });
  }

  organizations(): OrganizationsClient {
    return this.client('org', { region: 'us-east-1' }, () => {
      const c = new OrganizationsClient({ region: 'us-east-1' });
      const m = mockClient(c);
      // One item per page, so pagination is exercised on every listing.
      const page = <T>(items: T[], token: unknown) => {
        const i = token ? Number(token) : 0;
        return { items: items.slice(i, i + 1), next: i + 1 < items.length ? String(i + 1) : undefined };
      };
      m.on(ListAccountsForParentCommand).callsFake((input) =>
        this.handle('ListAccountsForParent', { region: 'us-east-1' }, input, (call) => {
          const p = page(this.ous.get(String(call.input.ParentId))?.accounts ?? [], call.input.NextToken);
          return { Accounts: p.items, NextToken: p.next };
        }),
      );
      m.on(ListChildrenCommand).callsFake((input) =>
        this.handle('ListChildren', { region: 'us-east-1' }, input, (call) => {
          const kids = (this.ous.get(String(call.input.ParentId))?.children ?? []).map((Id) => ({ Id }));
          const p = page(kids, call.input.NextToken);
          return { Children: p.items, NextToken: p.next };
        }),
      );
      m.on(ListAccountsCommand).callsFake((input) =>
        this.handle('ListAccounts', { region: 'us-east-1' }, input, () => ({
          Accounts: [...this.ous.values()].flatMap((o) => o.accounts),
        })),
      );
      return c;
    });
  }

  // ── internals ────────────────────────────────────────────────────────────────────────────
  private client<C>(service: string, scope: AwsScope, make: () => C): C {
    const key = `${service}|${scope.region}|${scope.roleArn ?? ''}`;
    if (!this.clients.has(key)) this.clients.set(key, make());
    return this.clients.get(key) as C;
  }

  private async handle(
    name: string,
    scope: AwsScope,
    input: object,
    fn: (c: Call) => unknown,
  ): Promise<unknown> {
    const call: Call = {
      command: name,
      account: scope.roleArn ? (accountOfRole(scope.roleArn) ?? '?') : OWNER,
      region: scope.region,
      ...(scope.roleArn ? { role: scope.roleArn } : {}),
      input: input as Record<string, unknown>,
    };
    this.calls.push(call);
    for (const inj of this.injectors) {
      const err = inj(call);
      if (err) throw err;
    }
    const out = fn(call);
    for (const hook of this.afterHooks) {
      const err = hook(call);
      if (err) throw err;
    }
    return out;
  }

  private newImage(owner: string, region: string, name: string, state: string, encrypted: boolean): string {
    if (this.imagesOf(owner, region).some((i) => i.name === name && i.state !== 'deregistered')) {
      throw awsError('InvalidAMIName.Duplicate', `AMI name ${name} is already in use`);
    }
    const n = ++this.seq;
    const id = `ami-${n.toString(16).padStart(17, '0')}`;
    const snap = `snap-${n.toString(16).padStart(17, '0')}`;
    this.snapshots.set(snap, { id: snap, owner, cvp: new Set(), tags: {} });
    this.images.set(id, {
      id,
      owner,
      region,
      name,
      state,
      pollsUntilAvailable: this.copyPolls,
      snapshots: [snap],
      encrypted,
      created: ++this.clock,
      tags: new Map(),
      launch: { accounts: new Set(), orgs: new Set(), ous: new Set() },
    });
    return id;
  }

  /** The OUs an account is in, with their ancestors: sharing with an OU covers its child OUs. */
  private ouOf(account: string): string[] {
    const out = [...this.ous.entries()]
      .filter(([, o]) => o.accounts.some((a) => a.Id === account))
      .map(([id]) => id);
    for (let i = 0; i < out.length; i++) {
      for (const [id, o] of this.ous)
        if (o.children.includes(out[i] as string) && !out.includes(id)) out.push(id);
    }
    return out;
  }

  private visible(img: FakeImage, account: string): boolean {
    if (img.owner === account) return true;
    if (img.launch.accounts.has(account)) return true;
    const ous = this.ouOf(account);
    return (
      [...img.launch.ous].some((arn) => ous.some((ou) => arn.endsWith(`/${ou}`))) || img.launch.orgs.size > 0
    );
  }

  private find(call: Call, id: unknown): FakeImage {
    const img = this.images.get(String(id));
    if (!img || img.region !== call.region || !this.visible(img, call.account)) {
      throw awsError('InvalidAMIID.NotFound', `The image id '[${String(id)}]' does not exist`);
    }
    return img;
  }

  private owned(call: Call, id: unknown): FakeImage {
    const img = this.find(call, id);
    if (img.owner !== call.account) throw awsError('AuthFailure', `not the owner of ${img.id}`);
    return img;
  }

  private view(img: FakeImage, account: string) {
    return {
      ImageId: img.id,
      OwnerId: img.owner,
      Name: img.name,
      State: img.state,
      CreationDate: new Date(Date.UTC(2026, 0, 1) + img.created * 1000).toISOString(),
      BlockDeviceMappings: img.snapshots.map((s) => ({
        DeviceName: '/dev/xvda',
        Ebs: { SnapshotId: s, Encrypted: img.encrypted },
      })),
      Tags: Object.entries(img.tags.get(account) ?? {}).map(([Key, Value]) => ({ Key, Value })),
    };
  }

  private describeImages(call: Call) {
    const ids = call.input.ImageIds as string[] | undefined;
    if (ids?.length) {
      const imgs = ids.map((id) => this.find(call, id));
      for (const img of imgs) {
        if (img.state === 'pending' && --img.pollsUntilAvailable <= 0) {
          img.state = this.failCopies(img) ? 'failed' : 'available';
        }
      }
      return { Images: imgs.map((i) => this.view(i, call.account)) };
    }
    const owners = call.input.Owners as string[] | undefined;
    const filters = (call.input.Filters as Filter[] | undefined) ?? [];
    const out = [...this.images.values()].filter((img) => {
      if (img.region !== call.region || img.state === 'deregistered' || !this.listed(img.id)) return false;
      if (owners?.includes('self') ? img.owner !== call.account : !this.visible(img, call.account))
        return false;
      const tags = img.tags.get(call.account) ?? {};
      return filters.every((f) => {
        const key = String(f.Name).replace(/^tag:/, '');
        return (f.Values ?? []).includes(tags[key] ?? '\u0000');
      });
    });
    return { Images: out.map((i) => this.view(i, call.account)) };
  }

  private copyImage(call: Call) {
    const token = String(call.input.ClientToken ?? '');
    const tokenKey = `${call.account}|${call.region}|${token}`;
    if (token && this.tokens.has(tokenKey)) return { ImageId: this.tokens.get(tokenKey) };
    const src = this.find({ ...call, region: String(call.input.SourceRegion) }, call.input.SourceImageId);
    if (
      src.owner !== call.account &&
      !src.snapshots.every((s) => this.snapshots.get(s)?.cvp.has(call.account))
    ) {
      throw awsError('InvalidRequest', 'You do not have permission to access the storage of this ami');
    }
    const id = this.newImage(
      call.account,
      call.region,
      String(call.input.Name),
      'pending',
      Boolean(call.input.Encrypted),
    );
    const img = this.images.get(id) as FakeImage;
    if (call.input.KmsKeyId) img.kmsKeyId = String(call.input.KmsKeyId);
    for (const spec of (call.input.TagSpecifications as TagSpecification[] | undefined) ?? []) {
      const tags = Object.fromEntries((spec.Tags ?? []).map((t) => [String(t.Key), String(t.Value)]));
      if (spec.ResourceType === 'image') img.tags.set(call.account, tags);
      if (spec.ResourceType === 'snapshot')
        for (const s of img.snapshots) Object.assign(this.snapshots.get(s)?.tags ?? {}, tags);
    }
    if (token) this.tokens.set(tokenKey, id);
    return { ImageId: id };
  }

  private createTags(call: Call) {
    const tags = Object.fromEntries(
      ((call.input.Tags as { Key: string; Value: string }[]) ?? []).map((t) => [t.Key, t.Value]),
    );
    for (const r of call.input.Resources as string[]) {
      if (r.startsWith('snap-')) {
        const s = this.snapshots.get(r);
        if (!s || s.owner !== call.account) throw awsError('InvalidSnapshot.NotFound', r);
        Object.assign(s.tags, tags);
      } else {
        const img = this.find(call, r);
        img.tags.set(call.account, { ...(img.tags.get(call.account) ?? {}), ...tags });
      }
    }
    return {};
  }

  private modifyImage(call: Call) {
    const img = this.owned(call, call.input.ImageId);
    const add = (call.input.LaunchPermission as { Add?: Record<string, string>[] }).Add ?? [];
    for (const p of add) {
      if (p.UserId === img.owner) throw awsError('InvalidParameter', 'cannot share with the owner');
      if (p.UserId) img.launch.accounts.add(p.UserId);
      if (p.OrganizationArn) img.launch.orgs.add(p.OrganizationArn);
      if (p.OrganizationalUnitArn) img.launch.ous.add(p.OrganizationalUnitArn);
    }
    return {};
  }

  private describeImageAttribute(call: Call) {
    const img = this.owned(call, call.input.ImageId);
    return {
      ImageId: img.id,
      LaunchPermissions: [
        ...[...img.launch.accounts].map((UserId) => ({ UserId })),
        ...[...img.launch.orgs].map((OrganizationArn) => ({ OrganizationArn })),
        ...[...img.launch.ous].map((OrganizationalUnitArn) => ({ OrganizationalUnitArn })),
      ],
    };
  }

  private snapshot(call: Call): FakeSnapshot {
    const s = this.snapshots.get(String(call.input.SnapshotId));
    if (!s || s.owner !== call.account)
      throw awsError('InvalidSnapshot.NotFound', String(call.input.SnapshotId));
    return s;
  }

  private modifySnapshot(call: Call) {
    const s = this.snapshot(call);
    for (const u of (call.input.UserIds as string[]) ?? []) s.cvp.add(u);
    return {};
  }

  private describeSnapshot(call: Call) {
    const s = this.snapshot(call);
    return { SnapshotId: s.id, CreateVolumePermissions: [...s.cvp].map((UserId) => ({ UserId })) };
  }
}
