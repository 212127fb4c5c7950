import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
} from '@aws-sdk/client-auto-scaling';
import { BatchClient, DescribeComputeEnvironmentsCommand } from '@aws-sdk/client-batch';
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeFleetsCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSpotFleetRequestsCommand,
  DescribeSpotInstanceRequestsCommand,
  DisableImageCommand,
  EC2Client,
  EnableImageDeprecationCommand,
} from '@aws-sdk/client-ec2';
import {
  ImagebuilderClient,
  ListImagePipelinesCommand,
  ListImageRecipesCommand,
} from '@aws-sdk/client-imagebuilder';
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../../src/cli/prune.js';
import {
  AwsError,
  autoScalingRespond,
  ec2Respond,
  emptyScope,
  type ScopeData,
  sdkImage,
} from '../../helpers/aws-world.js';

const ec2 = mockClient(EC2Client);
const asg = mockClient(AutoScalingClient);
// Sources this world holds nothing of: answered empty so they do not reach the network.
const batch = mockClient(BatchClient);
const ib = mockClient(ImagebuilderClient);
const ssm = mockClient(SSMClient);
let data: ScopeData;
let out: string;
let dir: string;

beforeEach(() => {
  const now = new Date();
  data = emptyScope();
  data.images = [
    sdkImage('ami-new', 1, 'web', now),
    sdkImage('ami-mid', 20, 'web', now),
    sdkImage('ami-old', 90, 'web', now, {
      DeprecationTime: new Date(now.getTime() - 40 * 86_400_000).toISOString(),
    }),
  ];
  const e = (op: string) => async (input: object) => ec2Respond(data, op, input as Record<string, unknown>);
  for (const [cmd, op] of [
    [DescribeImagesCommand, 'DescribeImages'],
    [DescribeInstancesCommand, 'DescribeInstances'],
    [DescribeLaunchTemplatesCommand, 'DescribeLaunchTemplates'],
    [DescribeLaunchTemplateVersionsCommand, 'DescribeLaunchTemplateVersions'],
    [DescribeImageAttributeCommand, 'DescribeImageAttribute'],
    [EnableImageDeprecationCommand, 'EnableImageDeprecation'],
    [DisableImageCommand, 'DisableImage'],
    [DeregisterImageCommand, 'DeregisterImage'],
    [DeleteSnapshotCommand, 'DeleteSnapshot'],
    [DescribeSpotInstanceRequestsCommand, 'DescribeSpotInstanceRequests'],
    [DescribeSpotFleetRequestsCommand, 'DescribeSpotFleetRequests'],
    [DescribeFleetsCommand, 'DescribeFleets'],
  ] as const) {
    ec2.on(cmd as typeof DescribeImagesCommand).callsFake(e(op));
  }
  asg
    .on(DescribeLaunchConfigurationsCommand)
    .callsFake(async (i) => autoScalingRespond(data, 'DescribeLaunchConfigurations', i));
  asg
    .on(DescribeAutoScalingGroupsCommand)
    .callsFake(async (i) => autoScalingRespond(data, 'DescribeAutoScalingGroups', i));
  batch.on(DescribeComputeEnvironmentsCommand).resolves({ computeEnvironments: [] });
  ib.on(ListImageRecipesCommand).resolves({ imageRecipeSummaryList: [] });
  ib.on(ListImagePipelinesCommand).resolves({ imagePipelineList: [] });
  ssm.on(DescribeParametersCommand).resolves({ Parameters: [] });
  dir = mkdtempSync(join(tmpdir(), 'prune-cli-'));
  writeFileSync(
    join(dir, 'imagegate.yaml'),
    [
      'retention:',
      '  accounts: ["111111111111"]',
      '  role: "arn:aws:iam::{account}:role/imagegate-prune"',
      '  regions: [eu-west-1]',
      '  keepNewest: 1',
      '  retainAtLeast: 0',
      '',
    ].join('\n'),
  );
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  ec2.reset();
  asg.reset();
  batch.reset();
  ib.reset();
  ssm.reset();
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function prune(...args: string[]) {
  const program = new Command('imagegate').exitOverride();
  register(program);
  await program.parseAsync(['node', 'imagegate', 'prune', '--config', join(dir, 'imagegate.yaml'), ...args]);
}

describe('imagegate prune', () => {
  it('is a dry run by default: prints the plan, changes nothing', async () => {
    await prune('--json');
    const plan = JSON.parse(out);
    expect(plan.dryRun).toBe(true);
    expect(plan.decisions.map((d: { imageId: string; action: string }) => [d.imageId, d.action])).toEqual([
      ['ami-new', 'keep'],
      ['ami-mid', 'deprecate'],
      ['ami-old', 'deregister'],
    ]);
    expect(ec2.commandCalls(DeregisterImageCommand)).toHaveLength(0);
    expect(ec2.commandCalls(EnableImageDeprecationCommand)).toHaveLength(0);
    expect(process.exitCode).toBeUndefined();
  });

  it('--apply acts, honours --max-deletions and writes the audit log', async () => {
    const log = join(dir, 'audit.jsonl');
    await prune('--apply', '--max-deletions', '0', '--audit-log', log, '--format', 'markdown');
    expect(out).toContain('| done | `ami-mid` (111111111111/eu-west-1) | deprecate |');
    expect(ec2.commandCalls(DeregisterImageCommand)).toHaveLength(0);
    expect(data.images.find((i) => i.ImageId === 'ami-mid')?.DeprecationTime).toBeDefined();
    const events = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).event);
    expect(events).toEqual(['run-start', 'intent', 'result', 'run-end']);
  });

  it('exits 3 and retires nothing when a usage source is denied', async () => {
    ec2
      .on(DescribeInstancesCommand)
      .rejects(new AwsError('UnauthorizedOperation', 'not authorized to DescribeInstances'));
    await prune('--apply', '--audit-log', join(dir, 'audit.jsonl'));
    expect(out).toContain(
      'INCOMPLETE 111111111111/eu-west-1 instance: UnauthorizedOperation: not authorized to DescribeInstances',
    );
    expect(ec2.commandCalls(DeregisterImageCommand)).toHaveLength(0);
    expect(process.exitCode).toBe(3);
  });

  it('rejects bad retention rules with the file and key', async () => {
    writeFileSync(join(dir, 'imagegate.yaml'), 'retention:\n  keepNewest: -1\n');
    await expect(prune()).rejects.toThrow(
      /imagegate\.yaml:2:3: invalid imagegate\.yaml: retention\.keepNewest: must be >= 0/,
    );
  });
});
