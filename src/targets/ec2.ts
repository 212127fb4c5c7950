import { randomBytes, randomUUID } from 'node:crypto';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  GetConsoleOutputCommand,
  ImportKeyPairCommand,
  type Instance,
  RunInstancesCommand,
  type RunInstancesCommandOutput,
  type Tag,
} from '@aws-sdk/client-ec2';
// ssh2 is CommonJS: Node's ESM loader exposes only its default export (vitest hides this).
import { errorCode, THROTTLING, withRetry } from '../aws/retry.js';
import type { Ec2TestConfig } from '../config/types.js';
import type { ArtifactRef } from '../evidence/verdict.js';
import { TargetError } from '../transports/errors.js';
import { parseSshEndpoint } from '../transports/open.js';
import { type SshEndpoint, type SshOptions, SshTransport } from '../transports/ssh.js';
import type { SsmTransport } from '../transports/ssm.js';
import { checkCidr, detectCallerCidr } from './caller-ip.js';
import { consoleFingerprints } from './console-fingerprints.js';
import { deleteKeyPair, deleteSecurityGroup, terminateAndWait } from './ec2-cleanup.js';
import { type EphemeralMark, ephemeralTags } from './labels.js';
import { launchKey } from './launch-key.js';
import { type Booted, InfraError, type Target } from './target.js';

export interface Ec2TargetOptions {
  /** From AwsClients.ec2({ region }): region, credentials and endpoint come from there. */
  ec2: EC2Client;
  region: string;
  mark: Omit<EphemeralMark, 'createdAt'>;
  settings?: Ec2TestConfig;
  /** User data content (already read from settings.userData). */
  userData?: string;
  /** known_hosts for the bastion (the instance itself is checked against its console output). */
  knownHosts?: string;
  /**
   * Connect even when the console shows no host key fingerprints (`--insecure-ignore-host-key`):
   * the key seen is recorded as not verified. Never the default.
   */
  insecureIgnoreHostKey?: boolean;
  /** Caller address detection; default asks checkip.amazonaws.com. */
  detectCidr?: () => Promise<string>;
  /** Port sshd listens on (22 on a real instance). */
  sshPort?: number;
  /** Bound on waiting for `running` and for SSH to answer (`test.ec2.bootTimeout`); default 10 min. */
  bootDeadlineMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Waiting for termination before deleting the group, in teardown. */
  teardownWaitMs?: number;
  /**
   * `test.ec2.connect: ssm`: opens the suite transport through SSM Run Command once the agent
   * is online, instead of SSH. Given by the factory (AwsClients.ssm for the region).
   */
  openSsm?: (instanceId: string) => Promise<SsmTransport>;
}

const DEFAULT_INSTANCE_TYPE = 't3.micro';
const DEFAULT_USER = 'ec2-user';
/** Reaching `running` and an SSH answer; `test.ec2.bootTimeout` changes it. */
const DEFAULT_BOOT_MS = 10 * 60_000;

/**
 * Boots an AMI as a throwaway EC2 instance: temporary ED25519 key pair and security group
 * (SSH from the caller's /32 only) unless configured, IMDSv2 required, everything tagged
 * ephemeral. Teardown terminates, waits, then deletes the key pair and group.
 */
export class Ec2Target implements Target {
  private instanceId: string | undefined;
  private keyPairId: string | undefined;
  private groupId: string | undefined;
  private closed = false;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: Ec2TargetOptions) {
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async boot(artifact: ArtifactRef): Promise<Booted> {
    const s = this.opts.settings ?? {};
    const ec2 = this.opts.ec2;
    const viaSsm = s.connect === 'ssm';
    if (viaSsm && !this.opts.openSsm) throw new InfraError('test.ec2.connect: ssm needs an SSM client');
    // Check the SSH source range before creating anything.
    const cidr =
      s.securityGroupId || viaSsm
        ? undefined
        : checkCidr(s.allowCidr ?? (await (this.opts.detectCidr ?? (() => detectCallerCidr()))()));
    const tags = ephemeralTags({ ...this.opts.mark, artifact: artifact.id, createdAt: new Date() });
    const name = `imagegate-${this.opts.mark.runId}-${randomBytes(3).toString('hex')}`;
    const named: Tag[] = [...tags, { Key: 'Name', Value: name }];

    // Over SSM there is no key and no inbound rule: the agent calls out to SSM.
    const keys = viaSsm ? undefined : launchKey(name);
    if (keys) {
      const key = await this.call(() =>
        ec2.send(
          new ImportKeyPairCommand({
            KeyName: name,
            PublicKeyMaterial: Buffer.from(keys.public),
            TagSpecifications: [{ ResourceType: 'key-pair', Tags: named }],
          }),
        ),
      );
      this.keyPairId = key.KeyPairId;
      await this.abortIfClosed();
    }

    let groupId = s.securityGroupId;
    if (!groupId) {
      const group = await this.call(async () =>
        ec2.send(
          new CreateSecurityGroupCommand({
            GroupName: name,
            Description: viaSsm
              ? `imagegate test ${this.opts.mark.runId}: no inbound access (SSM)`
              : `imagegate test ${this.opts.mark.runId}: SSH from ${cidr} only`,
            VpcId: await this.vpcId(s.subnetId),
            TagSpecifications: [{ ResourceType: 'security-group', Tags: named }],
          }),
        ),
      );
      this.groupId = groupId = group.GroupId!;
      await this.abortIfClosed();
      if (!viaSsm)
        await this.call(() =>
          ec2.send(
            new AuthorizeSecurityGroupIngressCommand({
              GroupId: groupId,
              IpPermissions: [
                {
                  IpProtocol: 'tcp',
                  FromPort: 22,
                  ToPort: 22,
                  IpRanges: [{ CidrIp: cidr, Description: 'imagegate test: SSH from the caller only' }],
                },
              ],
              TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: named }],
            }),
          ),
        );
    }

    const instanceType = s.instanceType ?? DEFAULT_INSTANCE_TYPE;
    // Same token on a retried call: never two instances for one boot. Not the name: EC2 takes at
    // most 64 characters and a --run-id alone may have 64.
    const clientToken = randomUUID();
    let run: RunInstancesCommandOutput;
    try {
      run = await this.call(() =>
        ec2.send(
          new RunInstancesCommand({
            ImageId: artifact.id,
            InstanceType: instanceType as never,
            MinCount: 1,
            MaxCount: 1,
            ...(keys ? { KeyName: name } : {}),
            SecurityGroupIds: [groupId],
            ...(s.subnetId ? { SubnetId: s.subnetId } : {}),
            ...(s.instanceProfile
              ? {
                  IamInstanceProfile: s.instanceProfile.startsWith('arn:')
                    ? { Arn: s.instanceProfile }
                    : { Name: s.instanceProfile },
                }
              : {}),
            MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
            InstanceInitiatedShutdownBehavior: 'terminate',
            ...(this.opts.userData ? { UserData: Buffer.from(this.opts.userData).toString('base64') } : {}),
            ClientToken: clientToken,
            TagSpecifications: [
              { ResourceType: 'instance', Tags: named },
              { ResourceType: 'volume', Tags: named },
            ],
          }),
        ),
      );
    } catch (err) {
      throw new InfraError(
        `RunInstances for ${artifact.id} in ${this.opts.region} failed: ${errorCode(err)}: ${(err as Error).message}`,
      );
    }
    this.instanceId = run.Instances?.[0]?.InstanceId;
    if (!this.instanceId) throw new InfraError('RunInstances returned no instance');
    await this.abortIfClosed();

    const deadline = Date.now() + this.bootMs();
    const instance = await this.waitRunning(deadline);
    // What the verdict records of the instance, however it is reached.
    const common = {
      kind: 'ec2',
      region: this.opts.region,
      instanceId: this.instanceId,
      instanceType,
      ami: artifact.id,
      ...(s.subnetId ? { subnetId: s.subnetId } : {}),
      securityGroup: groupId,
      imdsv2: 'required',
    };
    if (!keys) {
      const transport = await this.connectSsm(this.instanceId, deadline);
      return { transport, describe: { ...common, connect: 'ssm' } };
    }
    const usePrivate = Boolean(s.privateIp || s.bastion);
    const host = usePrivate
      ? instance.PrivateIpAddress
      : (instance.PublicIpAddress ?? instance.PrivateIpAddress);
    if (!host)
      throw new InfraError(
        `${this.instanceId} has no ${usePrivate ? 'private' : 'public'} address to reach over SSH`,
      );
    const endpoint: SshEndpoint = { user: s.sshUser ?? DEFAULT_USER, host, port: this.opts.sshPort ?? 22 };
    const { transport, note } = await this.connect(endpoint, keys.private, deadline);
    return {
      transport,
      describe: {
        ...common,
        ...(cidr ? { sshAllowedFrom: cidr } : {}),
        address: `${endpoint.host}:${endpoint.port}`,
        ...(s.bastion ? { bastion: s.bastion } : {}),
        hostKey: {
          type: transport.hostKey.type,
          fingerprint: transport.hostKey.fingerprint,
          verifiedBy: transport.hostKey.verifiedBy,
          note,
          ...(transport.hostKey.warning ? { warning: transport.hostKey.warning } : {}),
        },
      },
    };
  }

  private async vpcId(subnetId: string | undefined): Promise<string> {
    const ec2 = this.opts.ec2;
    if (subnetId) {
      const res = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }));
      const vpc = res.Subnets?.[0]?.VpcId;
      if (!vpc) throw new InfraError(`subnet ${subnetId} not found in ${this.opts.region}`);
      return vpc;
    }
    const res = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
    );
    const vpc = res.Vpcs?.[0]?.VpcId;
    if (!vpc) throw new InfraError(`no default VPC in ${this.opts.region}: set test.ec2.subnetId`);
    return vpc;
  }

  private bootMs(): number {
    return this.opts.bootDeadlineMs ?? DEFAULT_BOOT_MS;
  }

  /** The boot window as configured (`10m`, `90s`), for messages. */
  private bootWindow(): string {
    const ms = this.bootMs();
    return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
  }

  /** Poll until running; a just-launched id may be unknown to Describe for a few seconds. */
  private async waitRunning(deadline: number): Promise<Instance> {
    for (let delay = 1000; ; delay = Math.min(delay * 2, 15_000)) {
      const res = await withRetry(
        () => this.opts.ec2.send(new DescribeInstancesCommand({ InstanceIds: [this.instanceId!] })),
        { retryOn: [...THROTTLING, 'InvalidInstanceID.NotFound'], sleep: this.sleep },
      );
      const instance = res.Reservations?.[0]?.Instances?.[0];
      const state = instance?.State?.Name;
      if (instance && state === 'running') return instance;
      if (state === 'terminated' || state === 'shutting-down') {
        throw new InfraError(
          `${this.instanceId} ${state} during boot: ${instance?.StateReason?.Message ?? 'no reason given'}`,
        );
      }
      if (Date.now() + delay > deadline) {
        throw new InfraError(
          `${this.instanceId} not running within ${this.bootWindow()} (state ${state ?? 'unknown'}): raise test.ec2.bootTimeout if the AMI boots slowly`,
        );
      }
      await this.sleep(delay);
    }
  }

  /**
   * Retry SSH with backoff until it answers (sshd and cloud-init's key take a while). The host
   * key is checked against the fingerprints the instance printed to its console; when the
   * console has none (yet, or ever), the key seen is recorded and the verdict says so.
   */
  private async connect(endpoint: SshEndpoint, privateKey: string, deadline: number) {
    const s = this.opts.settings ?? {};
    const insecure = this.opts.insecureIgnoreHostKey === true;
    let lastError = 'no attempt';
    for (let delay = 2000; ; delay = Math.min(delay * 2, 20_000)) {
      await this.abortIfClosed();
      const fingerprints = await this.consoleFingerprints();
      // Without fingerprints there is nothing to verify the instance's key against: wait for
      // cloud-init to print them rather than trust the first key that answers.
      if (fingerprints.length > 0 || insecure) {
        const sshOpts: SshOptions = {
          privateKey,
          readyTimeoutMs: 15_000,
          ...(fingerprints.length ? { expectedFingerprints: fingerprints } : { insecureIgnoreHostKey: true }),
          ...(s.bastion ? { jump: parseSshEndpoint(s.bastion.replace(/^ssh:\/\//, ''), s.bastion) } : {}),
          ...(insecure ? { insecureIgnoreJumpHostKey: true } : {}),
          ...(this.opts.knownHosts ? { knownHosts: this.opts.knownHosts } : {}),
        };
        try {
          const transport = await SshTransport.connect(endpoint, sshOpts);
          const note = fingerprints.length
            ? `matched a fingerprint from ${this.instanceId}'s console output`
            : `--insecure-ignore-host-key: the console output of ${this.instanceId} had no host key fingerprints; this is the key seen on first connection, not verified`;
          return { transport, note };
        } catch (err) {
          // A refused host key is an answer, not a delay: never retry it.
          if (err instanceof TargetError && err.kind !== 'connect') throw err;
          lastError = (err as Error).message;
        }
      } else {
        lastError = 'no SSH host key fingerprints in the console output yet';
      }
      if (Date.now() + delay > deadline) {
        throw new InfraError(
          fingerprints.length > 0 || insecure
            ? `SSH to ${this.instanceId} at ${endpoint.host}:${endpoint.port} did not answer within ${this.bootWindow()}: ${lastError}`
            : `${this.instanceId} printed no SSH host key fingerprints to its console within ${this.bootWindow()}, so its host key cannot be verified: use an AMI whose cloud-init prints them (ssh_fp_console_blacklist unset), raise test.ec2.bootTimeout, or pass --insecure-ignore-host-key for a throwaway test`,
        );
      }
      await this.sleep(delay);
    }
  }

  /** Wait for the instance's SSM agent to register and come online, then run suites through it. */
  private async connectSsm(instanceId: string, deadline: number): Promise<SsmTransport> {
    let lastError = 'no attempt';
    for (let delay = 2000; ; delay = Math.min(delay * 2, 20_000)) {
      await this.abortIfClosed();
      try {
        return await this.opts.openSsm!(instanceId);
      } catch (err) {
        if (!(err instanceof TargetError) || err.kind !== 'connect') throw err;
        lastError = err.message;
      }
      if (Date.now() + delay > deadline) {
        throw new InfraError(
          `${instanceId}: SSM agent not online within ${this.bootWindow()} (${lastError}): the AMI needs the SSM agent, test.ec2.instanceProfile needs AmazonSSMManagedInstanceCore, and the subnet a route to SSM`,
        );
      }
      await this.sleep(delay);
    }
  }

  private async consoleFingerprints(): Promise<string[]> {
    const text = await this.consoleText();
    return text ? consoleFingerprints(text) : [];
  }

  private async consoleText(): Promise<string | undefined> {
    if (!this.instanceId) return undefined;
    try {
      const res = await this.opts.ec2.send(
        new GetConsoleOutputCommand({ InstanceId: this.instanceId, Latest: true }),
      );
      return res.Output ? Buffer.from(res.Output, 'base64').toString('utf8') : undefined;
    } catch {
      // Console output is best effort (not every instance type keeps it).
      return undefined;
    }
  }

  async logs(): Promise<string | undefined> {
    const text = await this.consoleText();
    return text?.split('\n').slice(-200).join('\n');
  }

  async teardown(): Promise<void> {
    this.closed = true;
    await this.cleanup();
  }

  private async abortIfClosed(): Promise<void> {
    if (!this.closed) return;
    // Teardown ran while a create call was in flight: remove what it produced too.
    await this.cleanup();
    throw new InfraError('torn down while booting');
  }

  /** Remove whatever exists so far, each step independent of the others' failure. */
  private async cleanup(): Promise<void> {
    const ec2 = this.opts.ec2;
    const wait = {
      sleep: this.sleep,
      ...(this.opts.teardownWaitMs ? { waitMs: this.opts.teardownWaitMs } : {}),
    };
    const errors: string[] = [];
    let instanceGone = true;
    if (this.instanceId) {
      const id = this.instanceId;
      try {
        await terminateAndWait(ec2, [id], wait);
        this.instanceId = undefined;
      } catch (err) {
        instanceGone = false;
        errors.push(`terminate ${id}: ${(err as Error).message}`);
      }
    }
    if (this.keyPairId) {
      const id = this.keyPairId;
      try {
        await deleteKeyPair(ec2, id, wait);
        this.keyPairId = undefined;
      } catch (err) {
        errors.push(`delete key pair ${id}: ${(err as Error).message}`);
      }
    }
    if (this.groupId && instanceGone) {
      const id = this.groupId;
      try {
        await deleteSecurityGroup(ec2, id, wait);
        this.groupId = undefined;
      } catch (err) {
        errors.push(`delete security group ${id}: ${(err as Error).message}`);
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, { retryOn: THROTTLING, sleep: this.sleep });
  }
}
