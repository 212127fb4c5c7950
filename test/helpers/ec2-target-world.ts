/**
 * The EC2 calls an EC2 test target makes, answered as the API documents them, with the state
 * they change: ImportKeyPair / CreateSecurityGroup / RunInstances create resources (duplicate
 * names refused, unknown key pair or group refused, ClientToken at most 64 characters and
 * idempotent), a new instance is unknown to DescribeInstances for a moment (eventual
 * consistency) and then walks the states the test scripts, TerminateInstances moves it through
 * shutting-down to terminated, and a security group cannot be deleted while an instance that
 * uses it is alive — nor for a few attempts after, while its network interface lingers.
 * `leftovers()` names whatever a run did not tear down. Wired in with aws-sdk-client-mock.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  type AuthorizeSecurityGroupIngressCommandInput,
  CreateSecurityGroupCommand,
  type CreateSecurityGroupCommandInput,
  DeleteKeyPairCommand,
  type DeleteKeyPairCommandInput,
  DeleteSecurityGroupCommand,
  type DeleteSecurityGroupCommandInput,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  DescribeVpcsCommand,
  type EC2Client,
  GetConsoleOutputCommand,
  type GetConsoleOutputCommandInput,
  ImportKeyPairCommand,
  type ImportKeyPairCommandInput,
  type InstanceStateName,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  type Tag,
  type TagSpecification,
  TerminateInstancesCommand,
  type TerminateInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { AwsError } from './aws-world.js';

/** One DescribeInstances answer for a booting instance: not visible yet, or a state. */
export type BootStep = 'NotFound' | 'pending' | 'running' | 'terminated';

export interface Ec2TargetWorldOptions {
  /** DescribeInstances answers for a new instance, one per call; the last one stays. */
  boot?: BootStep[];
  /** StateReason of an instance that ends up terminated during boot. */
  stateReason?: { Code: string; Message: string };
  publicIp?: string;
  privateIp?: string;
  /** GetConsoleOutput text, base64 as the API returns it. */
  console?: string;
  /** DeleteSecurityGroup attempts refused after the group's instance terminated (ENI lingers). */
  eniLinger?: number;
  /** What cloud-init does with the launch key at first boot: install it for the login user. */
  onKeyImported?: (publicKey: string) => void;
}

interface FakeInstance {
  id: string;
  state: InstanceStateName;
  steps: BootStep[];
  groupIds: string[];
  tags: Tag[];
  reason?: { Code: string; Message: string };
}

const tagsFor = (specs: TagSpecification[] | undefined, type: string): Tag[] =>
  (specs ?? []).filter((s) => s.ResourceType === type).flatMap((s) => s.Tags ?? []);

export class Ec2TargetWorld {
  readonly keyPairs = new Map<string, { name: string; tags: Tag[] }>();
  readonly groups = new Map<string, { name: string; tags: Tag[]; linger: number }>();
  readonly instances = new Map<string, FakeInstance>();
  private readonly tokens = new Map<string, string>();

  constructor(
    mock: AwsClientStub<EC2Client>,
    private readonly opts: Ec2TargetWorldOptions = {},
  ) {
    mock.reset();
    const boot = opts.boot ?? ['pending', 'running'];
    const id = (prefix: string, n: number) => `${prefix}${n === 0 ? '' : n}`;

    mock.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-0d1', IsDefault: true }] });
    mock.on(ImportKeyPairCommand).callsFake((input: ImportKeyPairCommandInput) => {
      const name = input.KeyName ?? '';
      if ([...this.keyPairs.values()].some((k) => k.name === name))
        throw new AwsError('InvalidKeyPair.Duplicate', `The keypair '${name}' already exists.`);
      const keyPairId = id('key-0aa', this.keyPairs.size);
      this.keyPairs.set(keyPairId, { name, tags: tagsFor(input.TagSpecifications, 'key-pair') });
      opts.onKeyImported?.(Buffer.from(input.PublicKeyMaterial ?? new Uint8Array()).toString());
      return { KeyPairId: keyPairId, KeyName: name };
    });
    mock.on(CreateSecurityGroupCommand).callsFake((input: CreateSecurityGroupCommandInput) => {
      if (!input.VpcId) throw new AwsError('VPCIdNotSpecified', 'No default VPC for this user');
      if ([...this.groups.values()].some((g) => g.name === input.GroupName))
        throw new AwsError(
          'InvalidGroup.Duplicate',
          `The security group '${input.GroupName}' already exists`,
        );
      const groupId = id('sg-0bb', this.groups.size);
      this.groups.set(groupId, {
        name: input.GroupName ?? '',
        tags: tagsFor(input.TagSpecifications, 'security-group'),
        linger: 0,
      });
      return { GroupId: groupId };
    });
    mock
      .on(AuthorizeSecurityGroupIngressCommand)
      .callsFake((input: AuthorizeSecurityGroupIngressCommandInput) => {
        if (!this.groups.has(input.GroupId ?? ''))
          throw new AwsError(
            'InvalidGroupId.NotFound',
            `The security group '${input.GroupId}' does not exist`,
          );
        return { Return: true };
      });
    mock.on(RunInstancesCommand).callsFake((input: RunInstancesCommandInput) => {
      const token = input.ClientToken;
      if (token !== undefined && token.length > 64)
        throw new AwsError('InvalidParameterValue', `Value (${token}) for parameter clientToken is invalid.`);
      const again = token === undefined ? undefined : this.tokens.get(token);
      if (again) return { Instances: [this.view(this.instances.get(again)!)] };
      // No key at all is allowed (instances reached through SSM); a named one must exist.
      if (input.KeyName !== undefined && ![...this.keyPairs.values()].some((k) => k.name === input.KeyName))
        throw new AwsError('InvalidKeyPair.NotFound', `The key pair '${input.KeyName}' does not exist`);
      const missing = (input.SecurityGroupIds ?? []).find((g) => !this.groups.has(g));
      if (missing)
        throw new AwsError('InvalidGroup.NotFound', `The security group '${missing}' does not exist`);
      const instance: FakeInstance = {
        id: id('i-0cc', this.instances.size),
        state: 'pending',
        steps: [...boot],
        groupIds: input.SecurityGroupIds ?? [],
        tags: tagsFor(input.TagSpecifications, 'instance'),
      };
      this.instances.set(instance.id, instance);
      if (token !== undefined) this.tokens.set(token, instance.id);
      return { Instances: [this.view(instance)] };
    });
    mock.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
      const found = (input.InstanceIds ?? []).map((i) => this.instances.get(i));
      // A just-launched instance is unknown for a moment; so is one that never existed.
      const unknown = found.findIndex((i) => i === undefined || i.steps[0] === 'NotFound');
      if (unknown >= 0) {
        found[unknown]?.steps.shift();
        throw new AwsError(
          'InvalidInstanceID.NotFound',
          `The instance ID '${input.InstanceIds?.[unknown]}' does not exist`,
        );
      }
      const views = (found as FakeInstance[]).map((i) => {
        this.advance(i);
        const view = this.view(i);
        // Shutting down is seen once; the next look finds the instance terminated.
        if (i.state === 'shutting-down') this.terminated(i);
        return view;
      });
      return { Reservations: views.map((v) => ({ Instances: [v] })) };
    });
    mock.on(GetConsoleOutputCommand).callsFake((input: GetConsoleOutputCommandInput) => ({
      InstanceId: input.InstanceId,
      ...(opts.console ? { Output: opts.console } : {}),
    }));
    mock.on(TerminateInstancesCommand).callsFake((input: TerminateInstancesCommandInput) => {
      const ids = input.InstanceIds ?? [];
      const missing = ids.find((i) => !this.instances.has(i));
      if (missing)
        throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${missing}' does not exist`);
      return {
        TerminatingInstances: ids.map((i) => {
          const instance = this.instances.get(i)!;
          const previous = instance.state;
          instance.steps = [];
          if (previous !== 'terminated') instance.state = 'shutting-down';
          return {
            InstanceId: i,
            PreviousState: { Name: previous },
            CurrentState: { Name: instance.state },
          };
        }),
      };
    });
    mock.on(DeleteKeyPairCommand).callsFake((input: DeleteKeyPairCommandInput) => {
      // Deleting a key pair that does not exist succeeds, as EC2 does.
      this.keyPairs.delete(input.KeyPairId ?? '');
      return { Return: true };
    });
    mock.on(DeleteSecurityGroupCommand).callsFake((input: DeleteSecurityGroupCommandInput) => {
      const group = this.groups.get(input.GroupId ?? '');
      if (!group)
        throw new AwsError('InvalidGroup.NotFound', `The security group '${input.GroupId}' does not exist`);
      const users = [...this.instances.values()].filter((i) => i.groupIds.includes(input.GroupId ?? ''));
      if (users.some((i) => i.state !== 'terminated') || group.linger > 0) {
        group.linger = Math.max(0, group.linger - 1);
        throw new AwsError('DependencyViolation', `resource ${input.GroupId} has a dependent object`);
      }
      this.groups.delete(input.GroupId ?? '');
      return { Return: true };
    });
  }

  /** Everything still alive: what the run under test failed to tear down. */
  leftovers(): string[] {
    return [
      ...[...this.instances.values()].filter((i) => i.state !== 'terminated').map((i) => i.id),
      ...this.keyPairs.keys(),
      ...this.groups.keys(),
    ];
  }

  private advance(i: FakeInstance): void {
    const step = i.steps.length > 1 ? i.steps.shift() : i.steps[0];
    if (step === 'terminated') {
      this.terminated(i);
      if (this.opts.stateReason) i.reason = this.opts.stateReason;
    } else if (step && step !== 'NotFound') i.state = step;
  }

  private terminated(i: FakeInstance): void {
    i.state = 'terminated';
    i.steps = [];
    for (const g of i.groupIds) {
      const group = this.groups.get(g);
      if (group) group.linger = this.opts.eniLinger ?? 1;
    }
  }

  private view(i: FakeInstance) {
    // A terminated instance has released its addresses.
    const alive = i.state === 'pending' || i.state === 'running';
    return {
      InstanceId: i.id,
      State: { Name: i.state },
      Tags: i.tags,
      ...(alive && this.opts.publicIp ? { PublicIpAddress: this.opts.publicIp } : {}),
      ...(alive && this.opts.privateIp ? { PrivateIpAddress: this.opts.privateIp } : {}),
      ...(i.reason ? { StateReason: i.reason } : {}),
    };
  }
}

/** Console output of a booting instance, base64 as GetConsoleOutput returns it; with `fingerprint`, the host key block cloud-init prints. */
export function consoleOutput(fingerprint: string | undefined): string {
  const block = fingerprint
    ? `ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----\nec2: 256 ${fingerprint} root@ip-10-0-0-5 (ED25519)\nec2: -----END SSH HOST KEY FINGERPRINTS-----\n`
    : '';
  return Buffer.from(`[    0.000000] Linux version 6.1\ncloud-init: booting\n${block}login:\n`).toString(
    'base64',
  );
}
