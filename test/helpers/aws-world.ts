/**
 * The one shared fake AWS world, kept for the 50,000-image retention benchmark and its pacing
 * (bench/retention/prune.ts): moto cannot hold that many images in bench time, nor answer with
 * AWS's latency. It answers the EC2, Auto Scaling and SSM calls retention makes, per
 * account-region, as EC2 does: MaxResults/NextToken pages, the filters we send,
 * IncludeDisabled/IncludeDeprecated, and mutations that change later answers. Nothing else uses
 * it: retention's behaviour is tested against moto in test/aws/.
 */
import type { Image, Instance, LaunchPermission } from '@aws-sdk/client-ec2';

export interface ScopeData {
  images: Image[];
  instances: Instance[];
  launchTemplates: Array<{ id: string; versions: Array<{ number: number; imageId?: string }> }>;
  launchConfigurations: Array<{ name: string; imageId: string }>;
  groups: Array<{ name: string; launchConfiguration?: string }>;
  parameters: Array<{ name: string; value: string }>;
  launchPermissions: Record<string, LaunchPermission[]>;
  deletedSnapshots: string[];
}

export function emptyScope(): ScopeData {
  return {
    images: [],
    instances: [],
    launchTemplates: [],
    launchConfigurations: [],
    groups: [],
    parameters: [],
    launchPermissions: {},
    deletedSnapshots: [],
  };
}

type Input = Record<string, unknown>;
type Filter = { Name?: string; Values?: string[] };

class AwsError extends Error {
  constructor(name: string, message = name) {
    super(message);
    this.name = name;
  }
}

function page<T>(items: T[], input: Input, max: number): { items: T[]; NextToken?: string } {
  const size = Math.min(Number(input.MaxResults ?? input.MaxRecords ?? max), max);
  const start = input.NextToken ? Number(input.NextToken) : 0;
  const end = start + size;
  return end < items.length
    ? { items: items.slice(start, end), NextToken: String(end) }
    : { items: items.slice(start) };
}

const filterValues = (input: Input, name: string) =>
  ((input.Filters as Filter[] | undefined) ?? []).find((f) => f.Name === name)?.Values;

export function ec2Respond(d: ScopeData, op: string, input: Input): unknown {
  switch (op) {
    case 'DescribeImages': {
      let list = d.images.filter(
        (i) =>
          (i.State !== 'disabled' || input.IncludeDisabled) &&
          (!i.DeprecationTime || input.IncludeDeprecated || input.ImageIds),
      );
      const ids = input.ImageIds as string[] | undefined;
      if (ids) {
        const missing = ids.find((id) => !d.images.some((i) => i.ImageId === id));
        if (missing)
          throw new AwsError('InvalidAMIID.NotFound', `The image id '[${missing}]' does not exist`);
        list = list.filter((i) => ids.includes(i.ImageId as string));
      }
      const snap = filterValues(input, 'block-device-mapping.snapshot-id');
      if (snap)
        list = list.filter((i) => i.BlockDeviceMappings?.some((m) => snap.includes(m.Ebs?.SnapshotId ?? '')));
      const p = page(list, input, 1000);
      return { Images: p.items, NextToken: p.NextToken };
    }
    case 'DescribeInstances': {
      const states = filterValues(input, 'instance-state-name');
      const images = filterValues(input, 'image-id');
      const list = d.instances.filter(
        (i) =>
          (!states || states.includes(i.State?.Name ?? '')) && (!images || images.includes(i.ImageId ?? '')),
      );
      const p = page(list, input, 1000);
      return { Reservations: p.items.map((i) => ({ Instances: [i] })), NextToken: p.NextToken };
    }
    case 'DescribeLaunchTemplates': {
      const p = page(d.launchTemplates, input, 200);
      return { LaunchTemplates: p.items.map((t) => ({ LaunchTemplateId: t.id })), NextToken: p.NextToken };
    }
    case 'DescribeLaunchTemplateVersions': {
      const t = d.launchTemplates.find((x) => x.id === input.LaunchTemplateId);
      if (!t) throw new AwsError('InvalidLaunchTemplateId.NotFound');
      const p = page(t.versions, input, 200);
      const resolve = (imageId?: string) => {
        if (!imageId?.startsWith('resolve:ssm:') || !input.ResolveAlias) return imageId;
        const name = imageId.slice('resolve:ssm:'.length);
        return d.parameters.find((x) => x.name === name)?.value ?? imageId;
      };
      return {
        LaunchTemplateVersions: p.items.map((v) => ({
          LaunchTemplateId: t.id,
          VersionNumber: v.number,
          LaunchTemplateData: { ImageId: resolve(v.imageId) },
        })),
        NextToken: p.NextToken,
      };
    }
    case 'DescribeImageAttribute': {
      if (!d.images.some((i) => i.ImageId === input.ImageId)) throw new AwsError('InvalidAMIID.NotFound');
      return {
        ImageId: input.ImageId,
        LaunchPermissions: d.launchPermissions[input.ImageId as string] ?? [],
      };
    }
    case 'EnableImageDeprecation': {
      const i = find(d, input.ImageId);
      i.DeprecationTime = (input.DeprecateAt as Date).toISOString();
      return { Return: true };
    }
    case 'DisableImage': {
      find(d, input.ImageId).State = 'disabled';
      return { Return: true };
    }
    case 'DeregisterImage': {
      find(d, input.ImageId);
      d.images = d.images.filter((i) => i.ImageId !== input.ImageId);
      return { Return: true };
    }
    case 'DeleteSnapshot': {
      const id = input.SnapshotId as string;
      if (d.deletedSnapshots.includes(id)) throw new AwsError('InvalidSnapshot.NotFound');
      d.deletedSnapshots.push(id);
      return {};
    }
    // Sources the fake world holds nothing of (the aws project seeds them in moto).
    case 'DescribeSpotInstanceRequests':
      return { SpotInstanceRequests: [] };
    case 'DescribeSpotFleetRequests':
      return { SpotFleetRequestConfigs: [] };
    case 'DescribeFleets':
      return { Fleets: [] };
    default:
      throw new Error(`fake EC2 has no ${op}`);
  }
}

export function autoScalingRespond(d: ScopeData, op: string, input: Input): unknown {
  if (op === 'DescribeLaunchConfigurations') {
    const p = page(d.launchConfigurations, input, 100);
    return {
      LaunchConfigurations: p.items.map((l) => ({ LaunchConfigurationName: l.name, ImageId: l.imageId })),
      NextToken: p.NextToken,
    };
  }
  if (op === 'DescribeAutoScalingGroups') {
    const p = page(d.groups, input, 100);
    return {
      AutoScalingGroups: p.items.map((g) => ({
        AutoScalingGroupName: g.name,
        LaunchConfigurationName: g.launchConfiguration,
      })),
      NextToken: p.NextToken,
    };
  }
  throw new Error(`fake Auto Scaling has no ${op}`);
}

export function ssmRespond(d: ScopeData, op: string, input: Input): unknown {
  if (op === 'GetParameters') {
    const names = input.Names as string[];
    const found = d.parameters.filter((p) => names.includes(p.name));
    return {
      Parameters: found.map((p) => ({ Name: p.name, Value: p.value })),
      InvalidParameters: names.filter((n) => !found.some((p) => p.name === n)),
    };
  }
  if (op === 'GetParametersByPath') {
    const list = d.parameters.filter((p) => p.name.startsWith(input.Path as string));
    const p = page(list, input, 10);
    return { Parameters: p.items.map((x) => ({ Name: x.name, Value: x.value })), NextToken: p.NextToken };
  }
  if (op === 'DescribeParameters') return { Parameters: [] };
  throw new Error(`fake SSM has no ${op}`);
}

function find(d: ScopeData, id: unknown): Image {
  const i = d.images.find((x) => x.ImageId === id);
  if (!i) throw new AwsError('InvalidAMIID.NotFound');
  return i;
}

/** An SDK-shaped image: `days` old, family tag, one snapshot. */
export function sdkImage(
  id: string,
  days: number,
  family: string,
  now: Date,
  over: Partial<Image> = {},
): Image {
  return {
    ImageId: id,
    Name: `${family}-${id}`,
    OwnerId: '000000000000',
    CreationDate: new Date(now.getTime() - days * 86_400_000).toISOString(),
    State: 'available',
    Public: false,
    DeregistrationProtection: 'disabled',
    Tags: [{ Key: 'imagegate:family', Value: family }],
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: `snap-${id.slice(4)}` } }],
    ...over,
  };
}
