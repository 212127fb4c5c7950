import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { BatchClient } from '@aws-sdk/client-batch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { KMSClient } from '@aws-sdk/client-kms';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity } from '@aws-sdk/types';

// imagegate targets Node 20 (see docs/dependencies.md); the SDK's notice that releases after
// January 2027 need Node 22 would otherwise interrupt every AWS command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * Where an AWS call goes: a region, and optionally another account reached by assuming a role
 * there. Endpoints are never hard-wired: the SDK honours AWS_ENDPOINT_URL (and per-service
 * AWS_ENDPOINT_URL_EC2, …) so any emulator works; `endpoint` overrides both when set.
 */
export interface AwsScope {
  region: string;
  /** Role to assume for this scope (another account); omitted = the caller's own credentials. */
  roleArn?: string;
  /** Account id, for reports and tags; derived from roleArn when not given. */
  accountId?: string;
}

export interface AwsSettings {
  endpoint?: string;
  /** SDK attempts per call, throttling included; adaptive mode adds client-side rate limiting. */
  maxAttempts?: number;
  roleSessionName?: string;
  externalId?: string;
}

/** Ask for a new assumed-role session this long before the current one expires. */
const REFRESH_MS = 5 * 60_000;

type ClientCtor<C> = new (config: Record<string, unknown>) => C;

/**
 * One factory per run: clients are cached per (service, region, role) so connection pools and
 * the adaptive retry token buckets are shared by every caller of the same scope.
 */
export class AwsClients {
  private readonly cache = new Map<string, unknown>();
  private readonly sessions = new Map<string, () => Promise<AwsCredentialIdentity>>();

  constructor(private readonly settings: AwsSettings = {}) {}

  ec2(scope: AwsScope): EC2Client {
    return this.client('ec2', EC2Client, scope);
  }
  autoScaling(scope: AwsScope): AutoScalingClient {
    return this.client('autoscaling', AutoScalingClient, scope);
  }
  batch(scope: AwsScope): BatchClient {
    return this.client('batch', BatchClient, scope);
  }
  imageBuilder(scope: AwsScope): ImagebuilderClient {
    return this.client('imagebuilder', ImagebuilderClient, scope);
  }
  ssm(scope: AwsScope): SSMClient {
    return this.client('ssm', SSMClient, scope);
  }
  sts(scope: AwsScope): STSClient {
    return this.client('sts', STSClient, scope);
  }
  /** Evidence signing (Sign, GetPublicKey): the key's region is the one in its ARN. */
  kms(scope: AwsScope): KMSClient {
    return this.client('kms', KMSClient, scope);
  }
  /** The AMI evidence store, when it is a bucket. */
  s3(scope: AwsScope): S3Client {
    return this.client('s3', S3Client, scope);
  }
  /** Organizations is global; its API lives in us-east-1 for the commercial partition. */
  organizations(scope: Partial<AwsScope> = {}): OrganizationsClient {
    return this.client('organizations', OrganizationsClient, { region: 'us-east-1', ...scope });
  }

  private client<C>(service: string, Ctor: ClientCtor<C>, scope: AwsScope): C {
    const key = `${service}|${scope.region}|${scope.roleArn ?? ''}`;
    const hit = this.cache.get(key);
    if (hit) return hit as C;
    const config: Record<string, unknown> = {
      region: scope.region,
      maxAttempts: this.settings.maxAttempts ?? 8,
      retryMode: 'adaptive',
    };
    if (this.settings.endpoint) config.endpoint = this.settings.endpoint;
    if (scope.roleArn) config.credentials = this.assumed(scope.roleArn, scope.region);
    const client = new Ctor(config);
    this.cache.set(key, client);
    return client;
  }

  /**
   * One assumed-role session per (role, region), shared by every service's client there: a
   * survey of N account-regions costs N AssumeRole calls, not one per service client.
   */
  private assumed(roleArn: string, region: string) {
    const key = `${roleArn}|${region}`;
    const hit = this.sessions.get(key);
    if (hit) return hit;
    const provider = fromTemporaryCredentials({
      params: {
        RoleArn: roleArn,
        RoleSessionName: this.settings.roleSessionName ?? 'imagegate',
        ...(this.settings.externalId ? { ExternalId: this.settings.externalId } : {}),
      },
      clientConfig: {
        region,
        ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}),
      },
    });
    // The SDK memoizes credentials per client, not per provider: share the session ourselves,
    // asking again only when it is close to expiring, and never caching a failure.
    let current: Promise<AwsCredentialIdentity> | undefined;
    const fresh = () => {
      const p = provider();
      current = p;
      p.catch(() => {
        if (current === p) current = undefined;
      });
      return p;
    };
    const shared = async (): Promise<AwsCredentialIdentity> => {
      const creds = await (current ?? fresh());
      const expiring = creds.expiration && creds.expiration.getTime() - Date.now() < REFRESH_MS;
      return expiring ? fresh() : creds;
    };
    this.sessions.set(key, shared);
    return shared;
  }
}

/** `arn:aws:iam::123456789012:role/x` → `123456789012`. */
export function accountOfRole(roleArn: string): string | undefined {
  return /^arn:[^:]+:iam::(\d{12}):role\//.exec(roleArn)?.[1];
}

/** Expand a role pattern such as `arn:aws:iam::{account}:role/imagegate` for one account. */
export function roleFor(pattern: string, accountId: string): string {
  return pattern.replace('{account}', accountId);
}
