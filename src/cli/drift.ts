import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { loadConfig } from '../config/load.js';
import { UserError } from '../core/errors.js';
import { interruptSignal } from './interrupt.js';
import { collect, concurrencyOption, configOption, quietOption, sshHostOptions } from './options.js';
import { terminalOutput } from './output.js';

interface DriftOpts {
  label?: string[];
  inventory?: string;
  region?: string;
  tag?: string[];
  asg?: string[];
  accounts?: string;
  ou?: string;
  role?: string;
  sshUser: string;
  publicIp?: boolean;
  connect: 'ssh' | 'ssm';
  stage?: string;
  concurrency: number;
  format: 'text' | 'json';
  identity?: string;
  knownHosts?: string;
  insecureIgnoreHostKey?: boolean;
  jump?: string;
  config?: string;
  quiet?: boolean;
  failOnUnverified?: boolean;
}

async function run(opts: DriftOpts): Promise<void> {
  const out = terminalOutput({ quiet: opts.quiet });
  if ((opts.tag?.length || opts.asg?.length || opts.accounts) && !opts.region)
    throw new UserError('--tag, --asg and --accounts select EC2 instances: pass --region REGION too');
  // How EC2 instances are reached means nothing without EC2 selection: say so rather than ignore it.
  const ec2Only = [
    opts.publicIp ? '--public-ip' : '',
    opts.role && !opts.accounts ? '--role' : '',
    opts.connect === 'ssm' ? '--connect ssm' : '',
    opts.sshUser !== undefined && opts.sshUser !== 'ec2-user' ? '--ssh-user' : '',
  ].filter(Boolean);
  if (ec2Only.length > 0 && !opts.region)
    throw new UserError(
      `${ec2Only.join(', ')}: only for EC2 instances selected with --region (inventory targets carry their own user and transport)`,
    );
  if (opts.accounts && !opts.role)
    throw new UserError(
      '--accounts: pass --role PATTERN too (the role to assume in each account, {account} replaced)',
    );
  if (opts.ou && opts.accounts !== 'organization') throw new UserError('--ou needs --accounts organization');
  // SSM commands are sent with the caller's own credentials, which reach no other account.
  if (opts.connect === 'ssm' && opts.accounts)
    throw new UserError(
      '--connect ssm works in your own account only: drop --accounts, or use --connect ssh',
    );
  const loaded = loadConfig(opts.config);
  // Loaded on use: dockerode, ssh2 and the AWS SDK cost seconds of start-up.
  const [{ selectHosts }, { runDrift }, { renderDriftText }, { exitCodeOf }] = await Promise.all([
    import('../drift/select.js'),
    import('../drift/run.js'),
    import('../drift/render.js'),
    import('../drift/classify.js'),
  ]);
  const hosts = await selectHosts({
    labels: opts.label ?? [],
    ...(opts.inventory !== undefined ? { inventory: opts.inventory } : {}),
    ...(opts.region
      ? {
          ec2: {
            region: opts.region,
            tags: opts.tag ?? [],
            asgs: opts.asg ?? [],
            sshUser: opts.sshUser,
            address: opts.publicIp ? ('public' as const) : ('private' as const),
            connect: opts.connect,
          },
        }
      : {}),
    ...(opts.accounts && opts.role
      ? {
          accounts: {
            accounts:
              opts.accounts === 'organization'
                ? ('organization' as const)
                : opts.accounts
                    .split(',')
                    .map((a) => a.trim())
                    .filter(Boolean),
            ...(opts.ou ? { ou: opts.ou } : {}),
            role: opts.role,
          },
        }
      : {}),
  });
  out.progress(`imagegate drift: checking ${hosts.length} host(s), ${opts.concurrency} at a time`);
  const interrupt = interruptSignal();
  const report = await runDrift({
    signal: interrupt.signal,
    hosts,
    concurrency: opts.concurrency,
    stages: loaded.config.stages,
    ...(opts.stage ? { stage: opts.stage } : {}),
    ...(loaded.config.evidence ? { evidenceConfig: loaded.config.evidence } : {}),
    ...(loaded.config.images ? { images: loaded.config.images } : {}),
    configDir: loaded.dir,
    stateDir: join(loaded.dir, '.imagegate'),
    open: {
      ...(opts.identity ? { identity: opts.identity } : {}),
      ...(opts.knownHosts ? { knownHosts: opts.knownHosts } : {}),
      ...(opts.insecureIgnoreHostKey ? { insecureIgnoreHostKey: true } : {}),
      ...(opts.jump ? { jump: opts.jump } : {}),
      onWarning: (m) => out.progress(`imagegate: ${m}`),
    },
    progress: (m) => out.progress(`imagegate drift: ${m}`),
  })
    .catch((err: unknown) => {
      const sig = interrupt.received();
      if (!sig) throw err;
      throw new UserError(
        `interrupted by ${sig}: no report; the collectors running on hosts were stopped`,
        sig === 'SIGINT' ? 130 : 143,
      );
    })
    .finally(() => interrupt.dispose());
  out.result(opts.format === 'json' ? JSON.stringify(report, null, 2) : renderDriftText(report));
  process.exitCode = exitCodeOf(report, { failOnUnverified: opts.failOnUnverified === true });
}

export function register(program: Command): void {
  const drift = program
    .command('drift')
    .summary("run each live host's image suites against the host (EC2, containers, inventory)")
    .description(
      'Is the fleet still what the gate approved? Select running hosts, find the image each runs, ' +
        "verify that image's signed verdict, run the suites it passed against the live host (one " +
        'read-only collection per host over docker exec or SSH) and report per host: drift (checks ' +
        'that passed at promotion and fail now), an image never promoted, a retired or deprecated ' +
        'image, a newer promoted successor, or an unreachable host. Boot-only checks ' +
        '(meta: {imagegate: {when: boot}}) are skipped on live hosts; live-only ones run only here.',
    )
    .option(
      '--label <key=value>',
      'containers (Docker) carrying this label; repeatable, all must match',
      collect,
    )
    .option(
      '--inventory <file>',
      'YAML list of ssh://, ssm:// and docker:// targets with the image each came from',
    )
    .option('--region <region>', 'EC2: running instances in this region (narrow with --tag, --asg)')
    .option('--tag <key=value>', 'EC2: instances with this tag; repeatable, all must match', collect)
    .option('--asg <name>', 'EC2: instances of this Auto Scaling group; repeatable', collect)
    .option(
      '--accounts <ids>',
      'EC2: comma-separated account ids, or `organization` (every ACTIVE account); needs --role',
    )
    .option('--ou <id>', 'EC2: with --accounts organization, only accounts under this OU')
    .option('--role <pattern>', 'EC2: role to assume in each account, {account} replaced')
    .addOption(
      new Option(
        '--connect <how>',
        'EC2: ssh to each address, or ssm (Run Command by instance id: no inbound port, see docs/ssm.md)',
      )
        .choices(['ssh', 'ssm'])
        .default('ssh'),
    )
    .option('--ssh-user <user>', 'EC2: login user on the instances', 'ec2-user')
    .option('--public-ip', 'EC2: connect to public addresses (default: private, from inside the VPC)')
    .option('--stage <stage>', "trust only this stage's keys for the verdicts (default: any stage's)")
    .option(
      '--fail-on-unverified',
      'exit 1 also when a check fails that was not passed at promotion (a suite changed since the image was tested)',
    )
    .addOption(concurrencyOption('hosts checked at once', 8))
    .addOption(new Option('--format <format>', 'output').choices(['text', 'json']).default('text'));
  sshHostOptions(drift)
    .addOption(configOption('imagegate.yaml with the trust policy and image suiteVars'))
    .addOption(quietOption())
    .addHelpText(
      'after',
      `
Examples:
  imagegate drift --label app=web                         # containers on this Docker host
  imagegate drift --inventory fleet.yaml --identity ~/.ssh/drift --format json > drift.json
  imagegate drift --region eu-west-1 --tag env=prod --asg web-prod --concurrency 16
  imagegate drift --region eu-west-1 --tag env=prod --accounts organization \
      --role 'arn:aws:iam::{account}:role/imagegate-drift'

Inventory (fleet.yaml):
  hosts:
    - target: ssh://admin@10.0.0.5:22
      image: 127.0.0.1:5001/web@sha256:4c1f…    # registry image, local image or sha256:ID
    - target: docker://web-1                     # image read from the container

Run it from the directory \`imagegate test\` ran in: verdicts name their suites by path, and
local verdicts are read from .imagegate/verdicts beside imagegate.yaml.
Exit codes: 0 no drift; 1 drift, or an unpromoted or retired image; 2 bad input;
3 hosts unreachable (listed) and nothing else found; 130/143 interrupted. See docs/drift.md.`,
    )
    .action(run);
}
