/**
 * `imagegate prune` against moto, through the real command (in-process: flags, config, the
 * default AwsClients reading AWS_ENDPOINT_URL, report, exit code). An organization of three
 * accounts over two regions, old and new images per family, and every usage source retention
 * knows; the product reaches member accounts only by assuming roles, as in AWS.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateComputeEnvironmentCommand } from '@aws-sdk/client-batch';
import {
  CreateFleetCommand,
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  ModifyImageAttributeCommand,
  RequestSpotFleetCommand,
  RequestSpotInstancesCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/prune.js';
import { runCommand } from '../helpers/cli.js';
import { MANAGEMENT } from './helpers/moto.js';
import { isMutating } from './helpers/proxy.js';
import { useMoto } from './helpers/session.js';
import type { SeededImage } from './helpers/world.js';

const REGIONS = ['eu-west-1', 'us-east-1'];
const FAMILY = 'imagegate:family';
const moto = useMoto();

let dir: string;
let A: string; // owns the images
let B: string; // runs workloads from them
let img: Record<string, SeededImage>;
let orgId: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aws-prune-'));
  const org = await moto.world.organization([{ name: 'images' }, { name: 'apps' }]);
  A = org.accounts.images as string;
  B = org.accounts.apps as string;
  orgId = org.id;
  img = await seed();
  writeConfig();
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

function writeConfig(extra: string[] = []) {
  writeFileSync(
    join(dir, 'imagegate.yaml'),
    [
      'retention:',
      '  accounts: organization',
      '  role: "arn:aws:iam::{account}:role/imagegate-prune"',
      `  regions: [${REGIONS.join(', ')}]`,
      '  keepNewest: 1',
      '  keepYoungerThanDays: 14',
      '  retainAtLeast: 1',
      '  ssmParameters: [/golden/]',
      ...extra,
      '',
    ].join('\n'),
  );
}

/** Old and new images in A; each old one but the `free` ones is held by one usage source. */
async function seed(): Promise<Record<string, SeededImage>> {
  const eu = 'eu-west-1';
  const web = { [FAMILY]: 'web' };
  const out: Record<string, SeededImage> = {};
  const batch = async (region: string, ageDays: number, specs: Array<[string, Record<string, string>]>) => {
    const made = await moto.world.images(
      A,
      region,
      ageDays,
      specs.map(([name, tags]) => ({ name: `${name}-image`, tags })),
    );
    specs.forEach(([key], n) => {
      out[key] = made[n] as SeededImage;
    });
  };
  const api = { [FAMILY]: 'api' };
  await batch(eu, 0, [['web-new', web]]);
  await batch('us-east-1', 1, [['api-new', api]]);
  await batch(eu, 400, [
    ...[
      'web-free-1',
      'web-free-2',
      'web-running',
      'web-stopped',
      'web-lt-nondefault',
      'web-lt-other-account',
      'web-launch-config',
      'web-ssm',
      'web-shared-outside',
      'web-shared-in-scope',
      'web-shared-own-org',
      'web-shared-foreign-org',
      'web-spot-request',
      'web-spot-fleet',
      'web-ec2-fleet',
      'web-batch',
      'web-image-builder',
      'web-ssm-secure',
      'web-ssm-datatype',
    ].map((k): [string, Record<string, string>] => [k, web]),
    ['web-prod', { ...web, Stage: 'prod' }],
  ]);
  await batch('us-east-1', 400, [['api-old', api]]);

  const ec2A = moto.world.ec2(A, eu);
  await ec2A.send(new RunInstancesCommand({ ImageId: out['web-running']?.id, MinCount: 1, MaxCount: 1 }));
  const stopped = await ec2A.send(
    new RunInstancesCommand({ ImageId: out['web-stopped']?.id, MinCount: 1, MaxCount: 1 }),
  );
  await ec2A.send(new StopInstancesCommand({ InstanceIds: [stopped.Instances?.[0]?.InstanceId as string] }));
  // Version 1 (the default) launches the new image; version 2 still names the old one.
  const lt = await ec2A.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'web',
      LaunchTemplateData: { ImageId: out['web-new']?.id },
    }),
  );
  await ec2A.send(
    new CreateLaunchTemplateVersionCommand({
      LaunchTemplateId: lt.LaunchTemplate?.LaunchTemplateId,
      LaunchTemplateData: { ImageId: out['web-lt-nondefault']?.id },
    }),
  );
  await moto.world.ec2(B, eu).send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'consumer',
      LaunchTemplateData: { ImageId: out['web-lt-other-account']?.id },
    }),
  );
  const asg = moto.world.asg(A, eu);
  await asg.send(
    new CreateLaunchConfigurationCommand({
      LaunchConfigurationName: 'web-lc',
      ImageId: out['web-launch-config']?.id,
      InstanceType: 't3.micro',
    }),
  );
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'web-asg',
      LaunchConfigurationName: 'web-lc',
      MinSize: 0,
      MaxSize: 1,
      AvailabilityZones: ['eu-west-1a'],
    }),
  );
  await moto.world
    .ssm(B, eu)
    .send(
      new PutParameterCommand({ Name: '/golden/web/current', Value: out['web-ssm']?.id, Type: 'String' }),
    );
  await ec2A.send(
    new ModifyImageAttributeCommand({
      ImageId: out['web-shared-outside']?.id,
      LaunchPermission: { Add: [{ UserId: '999999999999' }] },
    }),
  );
  await ec2A.send(
    new ModifyImageAttributeCommand({
      ImageId: out['web-shared-in-scope']?.id,
      LaunchPermission: { Add: [{ UserId: B }] },
    }),
  );
  await ec2A.send(
    new ModifyImageAttributeCommand({
      ImageId: out['web-shared-own-org']?.id,
      LaunchPermission: {
        Add: [{ OrganizationArn: `arn:aws:organizations::${MANAGEMENT}:organization/${orgId}` }],
      },
    }),
  );
  await ec2A.send(
    new ModifyImageAttributeCommand({
      ImageId: out['web-shared-foreign-org']?.id,
      LaunchPermission: {
        Add: [
          { OrganizationalUnitArn: 'arn:aws:organizations::999999999999:ou/o-foreign0001/ou-ab12-cdef3456' },
        ],
      },
    }),
  );
  await seedIssue14Sources(out);
  return out;
}

/**
 * The usage sources issue 14 found missing. Spot requests and fleets in moto launch instances
 * at once; those are terminated so that only the request or fleet still holds its AMI (as a
 * persistent request or a maintained fleet does in AWS between replacements).
 */
async function seedIssue14Sources(out: Record<string, SeededImage>): Promise<void> {
  const eu = 'eu-west-1';
  const ec2A = moto.world.ec2(A, eu);
  const ec2B = moto.world.ec2(B, eu);
  await ec2A.send(
    new RequestSpotInstancesCommand({
      Type: 'persistent',
      LaunchSpecification: { ImageId: out['web-spot-request']?.id, InstanceType: 't3.micro' },
    }),
  );
  await ec2B.send(
    new RequestSpotFleetCommand({
      SpotFleetRequestConfig: {
        IamFleetRole: `arn:aws:iam::${B}:role/fleet`,
        TargetCapacity: 1,
        SpotPrice: '0.1',
        AllocationStrategy: 'lowestPrice',
        LaunchSpecifications: [{ ImageId: out['web-spot-fleet']?.id, InstanceType: 't3.micro' }],
      },
    }),
  );
  const lt = await ec2A.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'fleet',
      LaunchTemplateData: { InstanceType: 't3.micro' },
    }),
  );
  await ec2A.send(
    new CreateFleetCommand({
      Type: 'maintain',
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: 'spot' },
      LaunchTemplateConfigs: [
        {
          LaunchTemplateSpecification: {
            LaunchTemplateId: lt.LaunchTemplate?.LaunchTemplateId,
            Version: '1',
          },
          Overrides: [{ ImageId: out['web-ec2-fleet']?.id, InstanceType: 't3.micro' }],
        },
      ],
    }),
  );
  for (const ec2 of [ec2A, ec2B]) {
    const ids = (await ec2.send(new DescribeInstancesCommand({}))).Reservations?.flatMap((r) =>
      (r.Instances ?? []).filter((i) => i.InstanceLifecycle === 'spot').map((i) => i.InstanceId as string),
    );
    if (ids?.length) await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
  }
  await moto.world.iamRole(A, 'batch-service');
  await moto.world.iamRole(A, 'batch-instance');
  const subnet = (await ec2A.send(new DescribeSubnetsCommand({}))).Subnets?.[0]?.SubnetId as string;
  const group = (await ec2A.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups?.[0]
    ?.GroupId as string;
  await moto.world.batch(A, eu).send(
    new CreateComputeEnvironmentCommand({
      computeEnvironmentName: 'gpu-jobs',
      type: 'MANAGED',
      state: 'ENABLED',
      serviceRole: `arn:aws:iam::${A}:role/batch-service`,
      computeResources: {
        type: 'EC2',
        minvCpus: 0,
        maxvCpus: 4,
        instanceTypes: ['optimal'],
        subnets: [subnet],
        securityGroupIds: [group],
        instanceRole: `arn:aws:iam::${A}:instance-profile/batch-instance`,
        ec2Configuration: [{ imageType: 'ECS_AL2', imageIdOverride: out['web-batch']?.id }],
      },
    }),
  );
  moto.proxy.imageBuilder.recipe(B, eu, {
    name: 'app-on-web',
    parentImage: out['web-image-builder']?.id as string,
    pipeline: 'nightly-app',
  });
  const ssmA = moto.world.ssm(A, eu);
  await ssmA.send(
    new PutParameterCommand({
      Name: '/golden/web/secure',
      Value: out['web-ssm-secure']?.id,
      Type: 'SecureString',
    }),
  );
  await ssmA.send(
    new PutParameterCommand({
      Name: '/teams/payments/base-ami',
      Value: out['web-ssm-datatype']?.id,
      Type: 'String',
      DataType: 'aws:ec2:image',
    }),
  );
}

interface JsonDecision {
  imageId: string;
  action: string;
  reasons: Array<{ code: string; detail: string }>;
}
interface JsonReport {
  dryRun: boolean;
  summary: { incompleteScopes: number; deregister: number };
  failures: Array<{ account: string; region: string; source: string; error: string }>;
  decisions: JsonDecision[];
  apply?: { outcomes: Array<{ imageId: string; status: string; detail: string }> };
}

async function prune(...args: string[]): Promise<{ report: JsonReport; exitCode: number }> {
  const r = await runCommand(register, 'prune', ['--config', join(dir, 'imagegate.yaml'), '--json', ...args]);
  return { report: JSON.parse(r.stdout) as JsonReport, exitCode: r.exitCode };
}

const RETIRED = ['web-free-1', 'web-free-2', 'web-shared-in-scope', 'web-shared-own-org', 'api-old'];
const name = (id: string) => Object.entries(img).find(([, i]) => i.id === id)?.[0] ?? id;
const byName = (r: JsonReport) => Object.fromEntries(r.decisions.map((d) => [name(d.imageId), d]));
const retiring = (r: JsonReport) =>
  r.decisions
    .filter((d) => d.action !== 'keep')
    .map((d) => name(d.imageId))
    .sort();

describe('imagegate prune against moto', () => {
  it('dry run: plans exactly the unused old images, says why each other one stays, changes nothing', async () => {
    const accounts = [MANAGEMENT, A, B];
    const before = await moto.world.state(accounts, REGIONS);
    const { report, exitCode } = await prune();

    expect(exitCode).toBe(0);
    expect(report.dryRun).toBe(true);
    expect(report.failures).toEqual([]);
    expect(retiring(report)).toEqual([...RETIRED].sort());
    const d = byName(report);
    const why = (k: string) => d[k]?.reasons.map((r) => `${r.code}: ${r.detail}`).join(' | ');
    expect(why('web-new')).toMatch(/newest/);
    expect(why('web-running')).toMatch(
      new RegExp(`in-use: instance in ${A}/eu-west-1: i-\\w+ \\(running\\)`),
    );
    expect(why('web-stopped')).toMatch(/in-use: instance .*\(stopped\)/);
    expect(why('web-lt-nondefault')).toMatch(/in-use: launch-template .* v2/);
    expect(why('web-lt-other-account')).toMatch(new RegExp(`in-use: launch-template in ${B}/eu-west-1`));
    expect(why('web-launch-config')).toMatch(/in-use: auto-scaling-group .*web-asg \(web-lc\)/);
    expect(why('web-launch-config')).toMatch(/in-use: launch-configuration .*web-lc/);
    expect(why('web-ssm')).toMatch(
      new RegExp(`in-use: ssm-parameter in ${B}/eu-west-1: /golden/web/current`),
    );
    expect(why('web-shared-outside')).toMatch(/shared: launch permission outside the scope: 999999999999/);
    expect(why('web-prod')).toMatch(/protected: .*Stage=prod/);
    // Shared with an OU of another organization: outside use, though the scope is "organization".
    expect(why('web-shared-foreign-org')).toMatch(
      /shared: launch permission outside the scope: .*o-foreign0001/,
    );
    // Issue 14's sources, each on its own.
    expect(why('web-spot-request')).toMatch(
      new RegExp(`in-use: spot-request in ${A}/eu-west-1: sir-\\w+ \\(persistent`),
    );
    expect(why('web-spot-fleet')).toMatch(new RegExp(`in-use: spot-fleet in ${B}/eu-west-1: sfr-`));
    expect(why('web-ec2-fleet')).toMatch(/in-use: ec2-fleet .*fleet-.* \(maintain\)/);
    expect(why('web-batch')).toMatch(/in-use: batch-compute-environment .*gpu-jobs/);
    expect(why('web-image-builder')).toMatch(
      new RegExp(`in-use: image-builder-recipe in ${B}/eu-west-1: app-on-web \\(pipelines nightly-app\\)`),
    );
    expect(why('web-ssm-secure')).toMatch(/in-use: ssm-parameter .*\/golden\/web\/secure/);
    expect(why('web-ssm-datatype')).toMatch(/in-use: ssm-parameter .*\/teams\/payments\/base-ami/);
    for (const k of ['web-spot-request', 'web-spot-fleet', 'web-ec2-fleet'])
      expect(why(k)).not.toMatch(/in-use: instance/);
    expect(why('api-new')).toMatch(/newest/);

    expect(moto.proxy.calls.filter(isMutating)).toEqual([]);
    // Every member account was reached by assuming the configured role, never by other means.
    const assumed = moto.proxy.calls.filter((c) => c.action === 'AssumeRole').map((c) => c.params.RoleArn);
    for (const a of accounts) expect(assumed).toContain(`arn:aws:iam::${a}:role/imagegate-prune`);
    // One session per account-region, shared by the EC2, Auto Scaling and SSM clients there.
    expect(assumed).toHaveLength(accounts.length * REGIONS.length);
    expect(await moto.world.state(accounts, REGIONS)).toEqual(before);
  });

  it('--apply deregisters exactly the planned images and their snapshots; a second run is a no-op', async () => {
    writeConfig(['  stages: { deprecate: false }']);
    const log = join(dir, 'audit.jsonl');
    const { report, exitCode } = await prune('--apply', '--audit-log', log);
    expect(exitCode).toBe(0);
    expect(report.apply?.outcomes.filter((o) => o.status !== 'done')).toEqual([]);
    expect(report.apply?.outcomes.map((o) => name(o.imageId)).sort()).toEqual([...RETIRED].sort());

    const gone = RETIRED.map((k) => img[k] as SeededImage);
    const kept = Object.values(img).filter((i) => !gone.includes(i));
    for (const region of REGIONS) {
      const left = await moto.world.imageIds(A, region);
      const snaps = await moto.world.snapshotIds(A, region);
      for (const i of gone.filter((g) => g.region === region)) {
        expect(left).not.toContain(i.id);
        for (const s of i.snapshotIds) expect(snaps).not.toContain(s);
      }
      for (const i of kept.filter((k) => k.region === region)) {
        expect(left).toContain(i.id);
        for (const s of i.snapshotIds) expect(snaps).toContain(s);
      }
    }
    const events = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; imageId?: string });
    expect(
      events
        .filter((e) => e.event === 'snapshots-done')
        .map((e) => name(e.imageId ?? ''))
        .sort(),
    ).toEqual([...RETIRED].sort());

    moto.proxy.calls.length = 0;
    const again = await prune('--apply', '--audit-log', log);
    expect(again.exitCode).toBe(0);
    expect(retiring(again.report)).toEqual([]);
    expect(moto.proxy.calls.filter(isMutating)).toEqual([]);
  });

  it('staged retirement: --apply deprecates, and re-running changes nothing until the next stage is due', async () => {
    const log = join(dir, 'audit.jsonl');
    const first = await prune('--apply', '--audit-log', log);
    expect(first.exitCode).toBe(0);
    expect(first.report.apply?.outcomes.map((o) => [name(o.imageId), o.status]).sort()).toEqual(
      [...RETIRED].sort().map((k) => [k, 'done']),
    );
    expect(moto.proxy.calls.filter((c) => c.action === 'EnableImageDeprecation')).toHaveLength(
      RETIRED.length,
    );
    expect(moto.proxy.calls.filter((c) => c.action === 'DeregisterImage')).toEqual([]);

    // The deprecation time is the next whole minute; run again once it has passed.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * 60_000 });
    moto.proxy.calls.length = 0;
    const second = await prune('--apply', '--audit-log', log).finally(() => vi.useRealTimers());
    expect(second.exitCode).toBe(0);
    expect(retiring(second.report)).toEqual([]);
    for (const k of RETIRED) {
      expect(byName(second.report)[k]?.reasons.map((r) => r.code)).toContain('retiring');
    }
    expect(moto.proxy.calls.filter(isMutating)).toEqual([]);
  });

  it('a role that cannot be assumed closes that account: its shares stay, exit 3', async () => {
    moto.proxy.fault({
      action: 'AssumeRole',
      when: (p) => String(p.RoleArn).includes(`::${B}:`),
      code: 'AccessDenied',
      message: `not authorized to perform sts:AssumeRole on arn:aws:iam::${B}:role/imagegate-prune`,
    });
    writeConfig(['  stages: { deprecate: false }']);
    const { report, exitCode } = await prune('--apply', '--audit-log', join(dir, 'audit.jsonl'));
    expect(exitCode).toBe(3);
    expect(report.failures.some((f) => f.account === B && /AccessDenied/.test(f.error))).toBe(true);
    // Shared with B, whose usage is unknown: kept. Images no one else can launch still go.
    expect(byName(report)['web-shared-in-scope']?.action).toBe('keep');
    expect(byName(report)['web-shared-in-scope']?.reasons.map((r) => r.code)).toContain('scope-incomplete');
    expect(await moto.world.imageIds(A, 'eu-west-1')).toContain(img['web-shared-in-scope']?.id);
    expect(await moto.world.imageIds(A, 'eu-west-1')).not.toContain(img['web-free-1']?.id);
  });

  it('an API failing mid-listing closes that account-region only, exit 3', async () => {
    // The first launch template version listing in A/eu-west-1 answers; the next one is denied.
    await moto.world
      .ec2(A, 'eu-west-1')
      .send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'second', LaunchTemplateData: {} }));
    moto.proxy.fault({
      action: 'DescribeLaunchTemplateVersions',
      account: A,
      region: 'eu-west-1',
      skip: 1,
      code: 'UnauthorizedOperation',
    });
    writeConfig(['  stages: { deprecate: false }']);
    const { report, exitCode } = await prune('--apply', '--audit-log', join(dir, 'audit.jsonl'));
    expect(exitCode).toBe(3);
    expect(report.failures).toEqual([
      expect.objectContaining({ account: A, region: 'eu-west-1', source: 'launch-template' }),
    ]);
    expect(retiring(report)).toEqual(['api-old']);
    const left = await moto.world.imageIds(A, 'eu-west-1');
    for (const k of RETIRED.filter((r) => r !== 'api-old')) expect(left).toContain(img[k]?.id);
    expect(await moto.world.imageIds(A, 'us-east-1')).not.toContain(img['api-old']?.id);
  });

  it("a usage source failing only at --apply's re-check is reported: exit 3, failures, skipped images", async () => {
    // The survey's listing in B answers; the re-check right before acting is denied.
    moto.proxy.fault({
      action: 'DescribeLaunchConfigurations',
      account: B,
      region: 'eu-west-1',
      skip: 1,
      code: 'AccessDenied',
      message: 'not authorized to perform autoscaling:DescribeLaunchConfigurations',
    });
    writeConfig(['  stages: { deprecate: false }']);
    const { report, exitCode } = await prune('--apply', '--audit-log', join(dir, 'audit.jsonl'));
    expect(exitCode).toBe(3);
    expect(report.failures).toEqual([
      expect.objectContaining({ account: B, region: 'eu-west-1', source: 'launch-configuration' }),
    ]);
    expect(report.summary.incompleteScopes).toBe(1);
    // Only the image B may launch is in doubt; B cannot launch the others at all.
    const outcome = (k: string) => report.apply?.outcomes.find((o) => o.imageId === img[k]?.id)?.status;
    expect(outcome('web-shared-in-scope')).toBe('skipped');
    for (const k of ['web-free-1', 'web-free-2', 'api-old']) expect(outcome(k)).toBe('done');
    expect(await moto.world.imageIds(A, 'eu-west-1')).toContain(img['web-shared-in-scope']?.id);
  });

  it('the last instance check before a deregistration failing is reported too: exit 3', async () => {
    // Only the per-image check (one image-id value) fails; the batch re-check names several.
    moto.proxy.fault({
      action: 'DescribeInstances',
      account: A,
      region: 'eu-west-1',
      when: (p) => p['Filter.2.Name'] === 'image-id' && !('Filter.2.Value.2' in p),
      times: 1,
      code: 'UnauthorizedOperation',
    });
    writeConfig(['  stages: { deprecate: false }']);
    const { report, exitCode } = await prune('--apply', '--audit-log', join(dir, 'audit.jsonl'));
    expect(exitCode).toBe(3);
    expect(report.failures).toEqual([
      expect.objectContaining({ account: A, region: 'eu-west-1', source: 'instance' }),
    ]);
    const skipped = report.apply?.outcomes.filter((o) => o.status === 'skipped') ?? [];
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.detail).toMatch(/instances could not be re-checked: .*UnauthorizedOperation/);
    expect(await moto.world.imageIds(A, 'eu-west-1')).toContain(skipped[0]?.imageId);
  });
});
