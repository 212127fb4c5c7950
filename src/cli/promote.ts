import { join } from 'node:path';
import type { Command } from 'commander';
import { imageSuiteSettings } from '../config/images.js';
import { loadConfig } from '../config/load.js';
import { describeAction, describePlan } from '../promote/describe.js';
import { configOption, quietOption } from './options.js';
import { terminalOutput } from './output.js';

interface PromoteOpts {
  to: string;
  evidence?: string;
  region?: string;
  dryRun?: boolean;
  json?: boolean;
  config?: string;
  quiet?: boolean;
}

async function run(artifact: string, opts: PromoteOpts): Promise<void> {
  const out = terminalOutput({ quiet: opts.quiet || opts.json });
  const loaded = loadConfig(opts.config);
  // Loaded on use: the AWS SDK and dockerode cost seconds of start-up every other command skips.
  const { promoteArtifact } = await import('../promote/run.js');
  const result = await promoteArtifact({
    artifact,
    to: opts.to,
    stages: loaded.config.stages,
    ...(loaded.config.evidence ? { evidenceConfig: loaded.config.evidence } : {}),
    configDir: loaded.dir,
    stateDir: join(loaded.dir, '.imagegate'),
    images: imageSuiteSettings(loaded),
    notice: (m) => process.stderr.write(`imagegate: ${m}\n`),
    ...(opts.evidence ? { evidence: opts.evidence } : {}),
    ...(opts.region ? { region: opts.region } : {}),
    dryRun: Boolean(opts.dryRun),
    onAction: (a) => out.progress(`… ${describeAction(a)}`),
  });
  if (opts.json) {
    out.result(JSON.stringify(result, null, 2));
    return;
  }
  const head = `${result.artifact.reference} (${result.artifact.id}) → ${result.stage}, evidence ${result.evidence} (signed by ${result.signedBy})`;
  if (result.dryRun) {
    out.result([`plan: ${head}`, ...describePlan(result.plan)].join('\n'));
  } else if (!result.changed) {
    out.result(`already promoted: ${head} (recorded ${result.record?.at ?? 'earlier'}); nothing to do`);
  } else {
    const where = result.record?.registry
      ? `${result.record.registry.repository}@${result.record.registry.digest} (${result.record.registry.tags.join(', ')})`
      : `${result.record?.aws?.images.length ?? 0} image views in ${result.record?.aws?.recipients.length ?? 0} receiving accounts`;
    out.result(`promoted: ${head}\n  ${where}`);
  }
}

export function register(program: Command): void {
  program
    .command('promote')
    .summary('promote a tested artifact to a stage, with its evidence')
    .description(
      'Promote the exact artifact that passed `imagegate test` to a stage of imagegate.yaml (AWS accounts, ' +
        'regions and OUs, or a container registry). Refuses unless a key the stage trusts signed a ' +
        'passing verdict about that exact artifact, and until a signed record shows the stage it ' +
        'requires was reached. The evidence goes with the image (OCI referrers; AMI tag + evidence ' +
        'store) and the promotion is recorded as a signed attestation. Idempotent: re-running resumes.',
    )
    .argument('<artifact>', 'image reference or id (web:1.2, sha256:…) or AMI id (ami-…)')
    .requiredOption('--to <stage>', 'stage name from imagegate.yaml stages:')
    .option(
      '--evidence <verdict>',
      'signed verdict (DSSE envelope; default: newest matching one in .imagegate/verdicts/)',
    )
    .option('--region <region>', 'source region of the AMI when the verdict does not name one')
    .option('--dry-run', 'discover and print the plan (recipients, copies, shares, tags); change nothing')
    .option('--json', 'print the result (plan, record) as JSON on stdout')
    .addOption(configOption('imagegate.yaml to read stages from'))
    .addOption(quietOption())
    .addHelpText(
      'after',
      `
Examples:
  imagegate promote web:1.2 --to dev                 # push to the dev registry, tag dev
  imagegate promote ami-0abc1234def567890 --to prod --dry-run
  imagegate promote ami-0abc1234def567890 --to prod --evidence out/web.verdict.json --json

Exit codes: 0 promoted (or already), 1 refused (no evidence, failed test, required stage not
reached), 2 bad input, 3 promotion stopped part-way (run again to resume), 4 a registry refused
the login (docker login HOST, or the stage's credentials variables), 5 forged or damaged
evidence (signature, schema, inconsistent results, unreadable newest verdict), 6 signed by a key
the stage does not trust, 7 evidence about another artifact (digest mismatch).
See docs/promote.md.`,
    )
    .action(run);
}
