/**
 * `imagegate drift` choosing EC2 hosts against moto: running instances by tag, by Auto Scaling
 * group, or every one in a region; the AMI of each; an AMI deregistered since launch marks its
 * hosts retired; an AMI imagegate never promoted (no attestation tag) is reported as such
 * without connecting to the host at all.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
} from '@aws-sdk/client-auto-scaling';
import { DeregisterImageCommand, RunInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { register } from '../../src/cli/drift.js';
import type { DriftReport } from '../../src/drift/model.js';
import { selectHosts } from '../../src/drift/select.js';
import { instancesOf } from '../../src/drift/select-ec2.js';
import { runCommand } from '../helpers/cli.js';
import { installDevKey } from '../helpers/evidence.js';
import { awsEnv, MANAGEMENT, MOTO_ENDPOINT, resetMoto, useEnv } from './helpers/moto.js';
import { MotoWorld } from './helpers/world.js';

const REGION = 'eu-west-1';
const world = new MotoWorld(MOTO_ENDPOINT);
let restoreEnv: () => void;
let ids: { prod: string[]; dev: string; stopped: string; asg: string[]; kept: string; gone: string };

beforeAll(() => {
  restoreEnv = useEnv(awsEnv(MOTO_ENDPOINT, REGION));
});
afterAll(() => restoreEnv());

const tags = (t: Record<string, string>) => [
  { ResourceType: 'instance' as const, Tags: Object.entries(t).map(([Key, Value]) => ({ Key, Value })) },
];

beforeEach(async () => {
  await resetMoto();
  const ec2 = world.ec2(MANAGEMENT, REGION);
  const kept = await world.image(MANAGEMENT, REGION, 'web-1');
  const gone = await world.image(MANAGEMENT, REGION, 'web-0');
  const run = async (ImageId: string, t: Record<string, string>, n = 1) =>
    (
      (
        await ec2.send(
          new RunInstancesCommand({ ImageId, MinCount: n, MaxCount: n, TagSpecifications: tags(t) }),
        )
      ).Instances ?? []
    ).map((i) => i.InstanceId as string);
  const prod = [
    ...(await run(kept.id, { env: 'prod', app: 'web' }, 2)),
    ...(await run(gone.id, { env: 'prod' })),
  ];
  const [dev] = await run(kept.id, { env: 'dev' });
  const [stopped] = await run(kept.id, { env: 'prod' });
  await ec2.send(new StopInstancesCommand({ InstanceIds: [stopped as string] }));
  await ec2.send(new DeregisterImageCommand({ ImageId: gone.id }));
  const asg = world.asg(MANAGEMENT, REGION);
  await asg.send(
    new CreateLaunchConfigurationCommand({
      LaunchConfigurationName: 'web-lc',
      ImageId: kept.id,
      InstanceType: 't3.micro',
    }),
  );
  await asg.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: 'web-asg',
      LaunchConfigurationName: 'web-lc',
      MinSize: 2,
      MaxSize: 2,
      DesiredCapacity: 2,
      AvailabilityZones: ['eu-west-1a'],
    }),
  );
  const all = await instancesOf(new AwsClients(), {
    region: REGION,
    tags: [],
    asgs: ['web-asg'],
    sshUser: 'x',
    address: 'private',
  });
  ids = {
    prod,
    dev: dev as string,
    stopped: stopped as string,
    asg: all.map((h) => h.name),
    kept: kept.id,
    gone: gone.id,
  };
});

const select = (over: Partial<Parameters<typeof instancesOf>[1]>) =>
  instancesOf(new AwsClients(), {
    region: REGION,
    tags: [],
    asgs: [],
    sshUser: 'admin',
    address: 'private',
    ...over,
  });

describe('drift: EC2 host selection (moto)', () => {
  it('by tag: running instances only, each with its AMI and an SSH target at its private address', async () => {
    const hosts = await select({ tags: ['env=prod'] });
    expect(hosts.map((h) => h.name).sort()).toEqual([...ids.prod].sort());
    expect(hosts.map((h) => h.name)).not.toContain(ids.stopped);
    for (const h of hosts) {
      expect(h.target).toMatch(/^ssh:\/\/admin@\d+\.\d+\.\d+\.\d+$/);
      expect(h.image).toMatchObject({ kind: 'ami', region: REGION });
      expect(h.source).toBe(`ec2 ${REGION}`);
    }
    expect((await select({ tags: ['env=prod', 'app=web'] })).length).toBe(2);
    expect((await select({ tags: ['app'] })).length).toBe(2);
  });

  it('with connect ssm, each host is reached by instance id through SSM, in its region', async () => {
    const hosts = await select({ tags: ['env=prod'], connect: 'ssm' });
    expect(hosts.map((h) => h.target).sort()).toEqual(
      [...ids.prod].map((id) => `ssm://${id}?region=${REGION}`).sort(),
    );
  });

  it('an AMI deregistered since launch marks its hosts retired, the others not', async () => {
    const hosts = await select({ tags: ['env=prod'] });
    const retired = hosts.filter((h) => h.retired);
    expect(retired.map((h) => h.image?.id)).toEqual([ids.gone]);
    expect(retired[0]?.retired).toMatch(/deregistered/);
    expect(retired[0]?.imageGone).toBe(true);
  });

  it('by Auto Scaling group: its instances; a group that does not exist is bad input', async () => {
    expect(ids.asg).toHaveLength(2);
    const hosts = await select({ asgs: ['web-asg'] });
    expect(hosts.every((h) => h.image?.id === ids.kept)).toBe(true);
    await expect(select({ asgs: ['nope'] })).rejects.toThrow(
      /--asg nope: no such Auto Scaling group in eu-west-1/,
    );
  });

  it('by region alone: every running instance', async () => {
    const hosts = await select({});
    expect(hosts).toHaveLength(ids.prod.length + 1 + 2);
  });

  it('across the organization: every ACTIVE account through the role, each host named by its account', async () => {
    const org = await world.organization([{ name: 'web-prod' }, { name: 'web-dev' }]);
    const found: Record<string, string> = {};
    for (const [name, account] of Object.entries(org.accounts)) {
      const image = await world.image(account, REGION, `base-${name}`);
      const made = await world.ec2(account, REGION).send(
        new RunInstancesCommand({
          ImageId: image.id,
          MinCount: 1,
          MaxCount: 1,
          TagSpecifications: tags({ env: 'prod' }),
        }),
      );
      found[made.Instances?.[0]?.InstanceId as string] = `ec2 ${account}/${REGION}`;
    }
    const hosts = await selectHosts(
      {
        labels: [],
        ec2: { region: REGION, tags: ['env=prod'], asgs: [], sshUser: 'admin', address: 'private' },
        accounts: { accounts: 'organization', role: 'arn:aws:iam::{account}:role/imagegate-drift' },
      },
      {
        docker: () => {
          throw new Error('no docker here');
        },
        aws: () => new AwsClients(),
      },
    );
    const sources = Object.fromEntries(hosts.map((h) => [h.name, h.source]));
    for (const [instance, source] of Object.entries(found)) expect(sources[instance]).toBe(source);
    // The management account is a member too: its prod instances are in the fleet as well.
    for (const id of ids.prod) expect(sources[id]).toBe(`ec2 ${MANAGEMENT}/${REGION}`);
  });

  it('the command reports unpromoted and retired AMIs without connecting, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imagegate-drift-ec2-'));
    installDevKey(join(dir, '.imagegate'));
    writeFileSync(
      join(dir, 'imagegate.yaml'),
      'stages:\n  prod:\n    trust: [local-dev]\n    regions: [eu-west-1]\n',
    );
    const r = await runCommand(register, 'drift', [
      '--region',
      REGION,
      '--tag',
      'env=prod',
      '--format',
      'json',
      '-q',
      '-c',
      join(dir, 'imagegate.yaml'),
    ]);
    process.exitCode = 0;
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as DriftReport;
    expect(report.summary).toMatchObject({ hosts: 3, unpromoted: 2, retired: 1, unreachable: 0 });
    const byImage = (id: string) => report.hosts.filter((h) => h.imageId === id);
    for (const h of byImage(ids.kept)) {
      expect(h.findings).toEqual(['unpromoted']);
      expect(h.reasons).toEqual([expect.stringMatching(/has no imagegate:attestation-sha256 tag/)]);
    }
    // Its AMI is gone: nothing to verify, and retired (not unpromoted) is what it is.
    expect(byImage(ids.gone).map((h) => [h.findings, h.reasons])).toEqual([
      [['retired'], [expect.stringMatching(/deregistered/)]],
    ]);
  });
});
