import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { configOption, quietOption } from './options.js';
import { terminalOutput } from './output.js';

interface VerifyOpts {
  stage?: string;
  evidence?: string;
  region?: string;
  json?: boolean;
  config?: string;
  quiet?: boolean;
}

async function run(artifact: string, opts: VerifyOpts): Promise<void> {
  const out = terminalOutput({ quiet: opts.quiet || opts.json });
  const loaded = loadConfig(opts.config);
  // Loaded on use: dockerode and the AWS SDK cost seconds of start-up.
  const { verifyArtifact } = await import('../promote/verify-artifact.js');
  const result = await verifyArtifact({
    artifact,
    stages: loaded.config.stages,
    ...(loaded.config.evidence ? { evidenceConfig: loaded.config.evidence } : {}),
    configDir: loaded.dir,
    stateDir: join(loaded.dir, '.imagegate'),
    ...(opts.stage ? { stage: opts.stage } : {}),
    ...(opts.evidence ? { evidence: opts.evidence } : {}),
    ...(opts.region ? { region: opts.region } : {}),
  });
  if (opts.json) {
    out.result(JSON.stringify({ ok: true, ...result }, null, 2));
    return;
  }
  out.result(
    `verified: ${result.artifact.reference} (${result.artifact.id}) passed its tests ` +
      `(${result.verdict.finishedAt}); signed by ${result.signer}, trusted by ${result.trustedBy}; ` +
      `attestation sha256:${result.attestationSha256} from ${result.source}`,
  );
}

export function register(program: Command): void {
  program
    .command('verify')
    .summary("verify an artifact's signed evidence against the trust policy (deploy-time check)")
    .description(
      'Fetch the evidence that travels with an artifact — the attestation attached to a registry ' +
        "image (OCI referrers), the one an AMI's imagegate:attestation-sha256 tag names in the evidence " +
        'store, or the newest verdict for a local image — and verify it: signature by a trusted key, ' +
        'strict schema, consistent results, about this exact artifact, and a passing test.',
    )
    .argument('<artifact>', 'registry image (HOST/REPO@sha256:… or HOST/REPO:TAG), local image, or AMI id')
    .option('--stage <stage>', "trust only this stage's keys (default: any stage's)")
    .option('--evidence <file>', 'check this evidence file instead of fetching it')
    .option('--region <region>', 'region of the AMI')
    .option('--json', 'print the result as JSON on stdout')
    .addOption(configOption('imagegate.yaml with the trust policy'))
    .addOption(quietOption())
    .addHelpText(
      'after',
      `
Examples:
  imagegate verify 127.0.0.1:5001/dev/web@sha256:4c1f… --stage prod
  imagegate verify ami-0abc1234def567890 --region eu-west-1 --stage prod

Exit codes: 0 valid, trusted and passing; 1 no evidence, or a failed test; 2 bad input;
5 forged or damaged evidence (signature, schema, inconsistent results, unreadable newest);
6 signed by a key the stage does not trust; 7 evidence about another artifact.
See docs/evidence.md.`,
    )
    .action(run);
}
