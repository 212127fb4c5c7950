import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { UserError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import type { Verdict } from '../evidence/verdict.js';
import type { TestStatus } from '../gate/test-artifact.js';
import { interruptSignal } from './interrupt.js';
import {
  collect,
  configOption,
  insecureHostKeyOption,
  knownHostsOption,
  quietOption,
  runIdOption,
} from './options.js';
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
  insecureIgnoreHostKey?: boolean;
  config?: string;
  json?: boolean;
  quiet?: boolean;
}

const EXIT: Record<TestStatus, number> = { pass: 0, fail: 1, infra: 2 };

async function run(artifact: string, opts: TestOpts): Promise<void> {
  // Loaded lazily: other commands should not pay for dockerode, ssh2, the AWS SDK and the suite engine.
  const { runTest } = await import('../gate/test-run.js');
  const out = terminalOutput({ quiet: opts.quiet || opts.json });
  const loaded = loadConfig(opts.config);
  const interrupt = interruptSignal();
  let records: Awaited<ReturnType<typeof runTest>>;
  try {
    records = await runTest({
      artifact,
      loaded,
      ...(opts.image !== undefined ? { image: opts.image } : {}),
      gossfiles: opts.gossfile,
      vars: opts.vars,
      ...(opts.varsInline ? { varsInline: opts.varsInline } : {}),
      verdictDir: resolve(opts.out),
      ...(opts.region ? { region: opts.region } : {}),
      ...(opts.ttl ? { ttl: opts.ttl } : {}),
      ...(opts.runId ? { runId: opts.runId } : {}),
      ...(opts.knownHosts ? { knownHosts: opts.knownHosts } : {}),
      ...(opts.insecureIgnoreHostKey ? { insecureIgnoreHostKey: true } : {}),
      signal: interrupt.signal,
      progress: (m) => out.progress(m),
      onRecord: (r) => {
        if (!opts.json) out.result(summarise(r.status, r.verdict, r.file, out.color));
      },
      toolVersion: VERSION,
      notice: (m) => process.stderr.write(`imagegate: ${m}\n`),
    });
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
  if (opts.json)
    out.result(
      JSON.stringify(
        records.map((r) => ({ status: r.status, file: r.file, verdict: r.verdict })),
        null,
        2,
      ),
    );
  process.exitCode = Math.max(...records.map((r) => EXIT[r.status]));
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
  const hostKey = (v.target as { hostKey?: { warning?: string } }).hostKey;
  if (hostKey?.warning) lines.push(`  ${paint(color, 'yellow', hostKey.warning)}`);
  for (const s of v.suites) {
    for (const r of s.run.results.filter((x) => x.result === 1)) {
      lines.push(`  ✗ ${s.name}: ${r['summary-line'].replace(/\n/g, '\n    ')}`);
    }
  }
  lines.push(`  verdict: ${file}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('test')
    .summary('boot an artifact, run suites, tear down, write a verdict')
    .description(
      'Boot an artifact as an ephemeral container (docker image) or EC2 instance (AMI), run Goss-compatible ' +
        'suites against it, write a verdict, and tear everything down — on success, failure, error, Ctrl-C ' +
        'and SIGTERM. ARTIFACT is an image reference or id, an AMI id (with --region), or a Packer ' +
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
    .addOption(runIdOption('label what is booted with this run id (e.g. the CI job id) for `sweep --run-id`'))
    .addOption(knownHostsOption())
    .addOption(insecureHostKeyOption())
    .addOption(configOption('imagegate.yaml (default ./imagegate.yaml)'))
    .option('--json', 'print verdict file names and verdicts as JSON on stdout')
    .addOption(quietOption())
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
