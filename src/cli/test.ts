import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { ImageTestConfig, ReadinessConfig } from '../config/types.js';
import { durationSeconds } from '../core/duration.js';
import { UserError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import type { ArtifactRef, Verdict } from '../evidence/verdict.js';
import type { Readiness, TestStatus } from '../gate/test-artifact.js';
import type { Suite } from '../suite/model.js';
import { DEFAULT_TTL_SECONDS, newRunId } from '../targets/labels.js';
import type { Target } from '../targets/target.js';
import { interruptSignal } from './interrupt.js';
import { paint, terminalOutput } from './output.js';

interface TestOpts {
  gossfile: string[];
  image?: string;
  vars: string[];
  varsInline?: string;
  out: string;
  region?: string;
  ttl?: string;
  runId?: string;
  knownHosts?: string;
  config?: string;
  json?: boolean;
  quiet?: boolean;
}

const EXIT: Record<TestStatus, number> = { pass: 0, fail: 1, infra: 2 };

async function run(artifactArg: string, opts: TestOpts): Promise<void> {
  // Loaded lazily: other commands should not pay for dockerode, ssh2, the AWS SDK and the suite engine.
  const [{ sealVerdict, writeVerdict }, { ArtifactError, resolveArtifacts }, { makeTarget }] =
    await Promise.all([
      import('../evidence/seal.js'),
      import('../gate/artifacts.js'),
      import('../targets/make-target.js'),
    ]);
  const { testArtifact } = await import('../gate/test-artifact.js');
  const out = terminalOutput({ quiet: opts.quiet || opts.json });
  const loaded = loadConfig(opts.config);
  const imageConfig = opts.image === undefined ? undefined : loaded.config.images?.[opts.image];
  if (opts.image !== undefined && !imageConfig) {
    const known = Object.keys(loaded.config.images ?? {});
    throw new UserError(
      `--image ${opts.image}: not in ${loaded.file ?? 'imagegate.yaml'} (known: ${known.join(', ') || 'none'})`,
    );
  }
  const settings: ImageTestConfig = imageConfig?.test ?? {};
  if (opts.runId !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(opts.runId)) {
    throw new UserError(`--run-id ${opts.runId}: use up to 64 letters, digits, dots, dashes or underscores`);
  }
  const ttlText = opts.ttl ?? settings.ttl;
  const ttlParsed = ttlText === undefined ? DEFAULT_TTL_SECONDS : durationSeconds(ttlText);
  const ttlSeconds = ttlParsed === undefined ? undefined : Math.ceil(ttlParsed);
  if (ttlSeconds === undefined || ttlSeconds <= 0)
    throw new UserError(`--ttl ${ttlText}: expected a duration such as 90m or 2h`);

  // Relative to the working directory, so verdicts name suites the way the repository does.
  const fromConfig = (imageConfig?.suites ?? []).map((s) =>
    s.startsWith('builtin:') ? s : relative(process.cwd(), resolve(loaded.dir, s)),
  );
  const suiteFiles = [...opts.gossfile, ...fromConfig];
  if (suiteFiles.length === 0) {
    throw new UserError(
      'no suites to run: pass -g FILE (repeatable) or --image NAME whose imagegate.yaml entry lists suites',
    );
  }
  const vars = [...(imageConfig?.suiteVars ?? []).map((v) => resolve(loaded.dir, v)), ...opts.vars];
  const load = (file: string) => loadSuiteForTest(file, vars, opts.varsInline);
  const suites: Suite[] = [];
  for (const f of suiteFiles) suites.push(await load(f));

  let artifacts: Awaited<ReturnType<typeof resolveArtifacts>>;
  try {
    artifacts = await resolveArtifacts(artifactArg, {
      ...(opts.region ? { region: opts.region } : {}),
      onSkip: (m) => out.progress(m),
    });
  } catch (err) {
    if (err instanceof ArtifactError) throw new UserError(err.message, 2);
    throw new UserError(`infrastructure: ${(err as Error).message}`, 2);
  }

  const runIdEarly = opts.runId ?? newRunId();
  const ec2 = artifacts.some((a) => a.kind === 'ami')
    ? await ec2TargetFactory(settings, loaded.dir, { runId: runIdEarly, ttlSeconds }, opts.knownHosts)
    : undefined;
  const interrupt = interruptSignal();
  const runId = runIdEarly;
  const results: { status: TestStatus; file: string; verdict: Verdict }[] = [];
  try {
    for (const artifact of artifacts) {
      const readinessConfig = artifact.kind === 'ami' ? settings.ec2?.readiness : settings.docker?.readiness;
      const readiness = readinessConfig
        ? await loadReadiness(readinessConfig, loaded.dir, vars, opts.varsInline)
        : undefined;
      const target = makeTarget(artifact, {
        mark: { runId, ttlSeconds },
        settings,
        ...(ec2 ? { ec2 } : {}),
      });
      const outcome = await testArtifact({
        artifact,
        suites,
        target,
        ...(readiness ? { readiness } : {}),
        ...(opts.image ? { image: opts.image } : {}),
        signal: interrupt.signal,
        progress: (m) => out.progress(`imagegate test: ${m}`),
        toolVersion: VERSION,
        repoDir: loaded.dir,
      });
      const verdict = sealVerdict(outcome.verdict);
      const file = writeVerdict(resolve(opts.out), verdict);
      results.push({ status: outcome.status, file, verdict });
      if (!opts.json) out.result(summarise(outcome.status, verdict, file, out.color));
    }
  } catch (err) {
    const sig = interrupt.received();
    if (sig)
      throw new UserError(
        `interrupted by ${sig}: test target torn down, no verdict written`,
        sig === 'SIGINT' ? 130 : 143,
      );
    throw err;
  } finally {
    interrupt.dispose();
  }
  if (opts.json) out.result(JSON.stringify(results, null, 2));
  process.exitCode = Math.max(...results.map((r) => EXIT[r.status]));
}

export function readUserData(file: string | undefined, dir: string): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(resolve(dir, file), 'utf8');
  } catch (err) {
    throw new UserError(`test.ec2.userData ${file}: cannot read it (${(err as NodeJS.ErrnoException).code})`);
  }
}

/** `--known-hosts`, shared with `gate`, which boots AMIs the same way. */
export const KNOWN_HOSTS_OPTION = [
  '--known-hosts <file>',
  'known_hosts to verify an EC2 bastion against (default ~/.ssh/known_hosts); instances are checked against their console output',
] as const;

/**
 * Builds EC2 targets for AMI artifacts (shared with `gate`). Loaded lazily: the AWS SDK costs
 * seconds of start-up and only AMIs need it.
 */
export async function ec2TargetFactory(
  settings: ImageTestConfig,
  dir: string,
  mark: { runId: string; ttlSeconds: number },
  knownHosts?: string,
): Promise<(ami: ArtifactRef) => Target> {
  const [{ AwsClients }, { Ec2Target }] = await Promise.all([
    import('../aws/clients.js'),
    import('../targets/ec2.js'),
  ]);
  const userData = readUserData(settings.ec2?.userData, dir);
  const clients = new AwsClients();
  return (ami) => {
    if (!ami.region)
      throw new UserError(`${ami.reference}: no region for this AMI: pass --region or set AWS_REGION`);
    // The schema allows only `N(s|m|h)` here, so the parse cannot fail.
    const bootSeconds = settings.ec2?.bootTimeout ? durationSeconds(settings.ec2.bootTimeout) : undefined;
    return new Ec2Target({
      ec2: clients.ec2({ region: ami.region }),
      region: ami.region,
      mark,
      settings: settings.ec2 ?? {},
      ...(bootSeconds !== undefined ? { bootDeadlineMs: bootSeconds * 1000 } : {}),
      ...(userData !== undefined ? { userData } : {}),
      ...(knownHosts ? { knownHosts } : {}),
    });
  };
}

export async function loadSuiteForTest(
  file: string,
  vars: string[],
  varsInline: string | undefined,
): Promise<Suite> {
  const { loadSuite } = await import('../suite/load.js');
  try {
    return await loadSuite(file, { vars, ...(varsInline ? { varsInline } : {}) });
  } catch (err) {
    // Suite errors exit 78 under `validate`; here every bad input is 2.
    if (err instanceof UserError) throw new UserError(err.message, 2);
    throw err;
  }
}

export async function loadReadiness(
  r: ReadinessConfig,
  dir: string,
  vars: string[],
  varsInline: string | undefined,
): Promise<Readiness> {
  const suite = await loadSuiteForTest(
    r.suite.startsWith('builtin:') ? r.suite : relative(process.cwd(), resolve(dir, r.suite)),
    vars,
    varsInline,
  );
  return {
    suite,
    retryTimeoutMs: (durationSeconds(r.retryTimeout ?? '60s') ?? 60) * 1000,
    sleepMs: (durationSeconds(r.sleep ?? '1s') ?? 1) * 1000,
  };
}

function summarise(status: TestStatus, v: Verdict, file: string, color: boolean): string {
  const counts = v.suites.reduce(
    (acc, s) => ({
      n: acc.n + s.run.summary['test-count'],
      failed: acc.failed + s.run.summary['failed-count'],
    }),
    { n: 0, failed: 0 },
  );
  const head =
    status === 'pass'
      ? paint(color, 'green', 'PASS')
      : status === 'fail'
        ? paint(color, 'red', 'FAIL')
        : paint(color, 'yellow', 'ERROR (infrastructure, not a verdict on the image)');
  const lines = [
    `${head} ${v.artifact.reference} (${v.artifact.id}): ${counts.n} checks, ${counts.failed} failed`,
  ];
  if (v.error) lines.push(`  ${v.error}`);
  for (const s of v.suites) {
    for (const r of s.run.results.filter((x) => x.result === 1)) {
      lines.push(`  ✗ ${s.name}: ${r['summary-line'].replace(/\n/g, '\n    ')}`);
    }
  }
  lines.push(`  verdict: ${file}`);
  return lines.join('\n');
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(program: Command): void {
  program
    .command('test')
    .summary('boot an artifact, run suites, tear down, write a verdict')
    .description(
      'Boot an artifact as an ephemeral container (docker image) or EC2 instance (AMI), run Goss-compatible\n' +
        'suites against it, write a verdict, and tear everything down — on success, failure, error, Ctrl-C\n' +
        'and SIGTERM. ARTIFACT is an image reference or id, an AMI id (with --region), or a Packer\n' +
        'manifest.json (every docker/amazon build of its newest run).',
    )
    .argument('<artifact>', 'web:1.2 | sha256:… | ami-0abc… | path/to/manifest.json')
    .option(
      '-g, --gossfile <file>',
      'suite to run (repeatable; builtin:NAME for built-in suites)',
      collect,
      [],
    )
    .option('--image <name>', 'image from imagegate.yaml: adds its suites, suiteVars and test settings')
    .option('--vars <file>', 'goss vars file (repeatable)', collect, [])
    .option('--vars-inline <yaml>', 'goss vars as inline YAML/JSON, winning over files')
    .option('--out <dir>', 'where verdicts are written', '.imagegate/verdicts')
    .option('--region <region>', 'region of an AMI artifact (default $AWS_REGION)')
    .option(
      '--ttl <duration>',
      'lifetime label on what is booted; `sweep` removes it after this (default 2h)',
    )
    .option(
      '--run-id <id>',
      'label what is booted with this run id (e.g. the CI job id) for `sweep --run-id`',
    )
    .option(...KNOWN_HOSTS_OPTION)
    .option('--config <file>', 'imagegate.yaml (default ./imagegate.yaml)')
    .option('--json', 'print verdict file names and verdicts as JSON on stdout')
    .option('-q, --quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Examples:
  imagegate test debian:bookworm -g builtin:cleanup -g goss/base.yaml
  imagegate test imagegate-example/web:dev --image web          # suites + test settings from imagegate.yaml
  imagegate test packer/web/manifest.json --image web --out verdicts/
  imagegate test ami-0abc1234def567890 --region eu-west-1 --image base

Exit codes: 0 every artifact passed, 1 a check failed (or the service never became ready),
2 bad input or infrastructure failure (the message says which), 130/143 interrupted (torn down).
After a crash or kill -9, \`imagegate sweep --apply\` removes what was left. See docs/test.md.`,
    )
    .action(run);
}
