import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ImageTestConfig } from '../config/types.js';
import { timerMilliseconds } from '../core/duration.js';
import { UserError } from '../core/errors.js';
import type { ArtifactRef } from '../evidence/verdict.js';
import type { Target } from './target.js';

export function readUserData(file: string | undefined, dir: string): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(resolve(dir, file), 'utf8');
  } catch (err) {
    throw new UserError(`test.ec2.userData ${file}: cannot read it (${(err as NodeJS.ErrnoException).code})`);
  }
}

/**
 * Builds EC2 targets for AMI artifacts. Loaded lazily: the AWS SDK costs seconds of start-up and
 * only AMIs need it.
 */
export async function ec2TargetFactory(
  settings: ImageTestConfig,
  dir: string,
  mark: { runId: string; ttlSeconds: number },
  knownHosts?: string,
  insecureIgnoreHostKey?: boolean,
): Promise<(ami: ArtifactRef) => Target> {
  const [{ AwsClients }, { Ec2Target }, { SsmTransport }] = await Promise.all([
    import('../aws/clients.js'),
    import('./ec2.js'),
    import('../transports/ssm.js'),
  ]);
  if (settings.ec2?.connect === 'ssm' && !settings.ec2.instanceProfile) {
    throw new UserError(
      'test.ec2.connect: ssm needs test.ec2.instanceProfile: an instance profile with the AmazonSSMManagedInstanceCore policy, so the agent can register',
    );
  }
  const userData = readUserData(settings.ec2?.userData, dir);
  const clients = new AwsClients();
  return (ami) => {
    if (!ami.region)
      throw new UserError(`${ami.reference}: no region for this AMI: pass --region or set AWS_REGION`);
    // The schema allows only `N(s|m|h)` here; past Node's timer limit it would fire at once.
    const boot = settings.ec2?.bootTimeout ? timerMilliseconds(settings.ec2.bootTimeout) : undefined;
    if (boot && 'problem' in boot) throw new UserError(`test.ec2.bootTimeout: ${boot.problem}`);
    const bootSeconds = boot ? boot.ms / 1000 : undefined;
    return new Ec2Target({
      ec2: clients.ec2({ region: ami.region }),
      region: ami.region,
      mark,
      settings: settings.ec2 ?? {},
      ...(bootSeconds !== undefined ? { bootDeadlineMs: bootSeconds * 1000 } : {}),
      ...(userData !== undefined ? { userData } : {}),
      ...(knownHosts ? { knownHosts } : {}),
      ...(insecureIgnoreHostKey ? { insecureIgnoreHostKey } : {}),
      ...(settings.ec2?.connect === 'ssm'
        ? {
            openSsm: (instanceId: string) =>
              SsmTransport.open(clients.ssm({ region: ami.region! }), {
                instanceId,
                region: ami.region!,
              }),
          }
        : {}),
    });
  };
}
