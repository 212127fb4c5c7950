import type { Command } from 'commander';
import { durationSeconds } from '../core/duration.js';
import { UserError } from '../core/errors.js';
import type { Candidate, SweepOutcome } from '../targets/sweep.js';
import { collect, quietOption } from './options.js';
import { terminalOutput } from './output.js';

interface SweepOpts {
  apply?: boolean;
  olderThan?: string;
  region: string[];
  runId: string[];
  docker: boolean;
  json?: boolean;
  quiet?: boolean;
}

async function run(opts: SweepOpts): Promise<void> {
  // Loaded lazily: other commands should not pay for dockerode and the AWS SDK.
  const [
    { default: Docker },
    { AwsClients },
    { attempt, findContainers, findEc2, removeContainer, removeEc2 },
  ] = await Promise.all([import('dockerode'), import('../aws/clients.js'), import('../targets/sweep.js')]);
  const out = terminalOutput({ quiet: opts.quiet || opts.json });
  const olderThan = opts.olderThan === undefined ? undefined : durationSeconds(opts.olderThan);
  if (opts.olderThan !== undefined && olderThan === undefined) {
    throw new UserError(`--older-than ${opts.olderThan}: expected a duration such as 0s, 30m or 2h`);
  }
  const now = new Date();
  const found: Candidate[] = [];
  const outcomes: SweepOutcome[] = [];
  const docker = new Docker();
  if (opts.docker) {
    try {
      found.push(...(await findContainers(docker, now, olderThan)));
    } catch (err) {
      throw new UserError(
        `infrastructure: cannot list containers on the Docker Engine (${(err as Error).message})`,
        2,
      );
    }
  }
  const clients = new AwsClients();
  for (const region of opts.region) {
    try {
      found.push(...(await findEc2(clients.ec2({ region }), region, now, olderThan)));
    } catch (err) {
      throw new UserError(
        `infrastructure: cannot list EC2 resources in ${region} (${(err as Error).message})`,
        2,
      );
    }
  }
  const expired = found.filter((c) => c.expiry.expired && inRuns(c, opts.runId));
  if (opts.apply) {
    for (const c of expired.filter((x) => x.kind === 'container')) {
      out.progress(`removing container ${c.name ?? c.id}`);
      outcomes.push(await attempt(c, () => removeContainer(docker, c.id)));
    }
    for (const region of opts.region) {
      const mine = expired.filter((c) => c.region === region);
      if (mine.length === 0) continue;
      out.progress(`removing ${mine.length} EC2 resources in ${region}`);
      outcomes.push(...(await removeEc2(clients.ec2({ region }), mine)));
    }
  }
  const shown = found.filter((c) => inRuns(c, opts.runId));
  if (opts.json) {
    out.result(JSON.stringify({ applied: Boolean(opts.apply), found: shown, outcomes }, null, 2));
  } else {
    out.result(render(shown, outcomes, Boolean(opts.apply)));
  }
  if (outcomes.some((o) => !o.removed)) process.exitCode = 1;
}

/** `--run-id` narrows the sweep to those runs (a CI job cleaning up after itself). */
function inRuns(c: Candidate, runIds: string[]): boolean {
  return runIds.length === 0 || (c.runId !== undefined && runIds.includes(c.runId));
}

function render(found: Candidate[], outcomes: SweepOutcome[], applied: boolean): string {
  if (found.length === 0) return 'nothing labelled imagegate:ephemeral=true found';
  const done = new Map(outcomes.map((o) => [`${o.candidate.kind}/${o.candidate.id}`, o]));
  const lines = found.map((c) => {
    const where = `${c.kind} ${c.name ? `${c.name} (${c.id.slice(0, 19)})` : c.id}${c.region ? ` in ${c.region}` : ''}`;
    const run = c.runId ? ` run ${c.runId}` : '';
    if (!c.expiry.expired) return `keep    ${where}${run}: ${c.expiry.reason}`;
    const o = done.get(`${c.kind}/${c.id}`);
    if (!applied) return `expired ${where}${run}: age ${c.expiry.ageSeconds}s (would remove)`;
    return o?.removed ? `removed ${where}${run}` : `FAILED  ${where}${run}: ${o?.error ?? 'not attempted'}`;
  });
  const expired = found.filter((c) => c.expiry.expired).length;
  lines.push(
    applied
      ? `${outcomes.filter((o) => o.removed).length} of ${expired} expired resources removed`
      : `${expired} expired; run with --apply to remove them`,
  );
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('sweep')
    .summary('find and remove leaked ephemeral containers and instances')
    .description(
      'Find what `imagegate test` booted and a crash or kill -9 left behind — containers labelled and\n' +
        'EC2 instances, key pairs and security groups tagged imagegate:ephemeral=true — whose TTL has\n' +
        'expired. Dry run by default; --apply removes them. Never touches anything without those labels.',
    )
    .option('--apply', 'remove the expired resources (default: only list them)')
    .option(
      '--older-than <duration>',
      'treat everything older than this as expired, whatever its TTL (0s = all)',
    )
    .option('--region <region>', 'also sweep EC2 in this region (repeatable)', collect, [])
    .option('--run-id <id>', 'only resources of this imagegate test run (repeatable)', collect, [])
    .option('--no-docker', 'skip the Docker Engine')
    .option('--json', 'print what was found and removed as JSON')
    .addOption(quietOption())
    .addHelpText(
      'after',
      `
Examples:
  imagegate sweep                                  # what would be removed
  imagegate sweep --apply                          # remove expired test containers
  imagegate sweep --apply --older-than 0s          # remove every imagegate test container now
  imagegate sweep --apply --older-than 0s --run-id "$CI_JOB_ID"   # clean up after this CI job
  imagegate sweep --apply --no-docker --region eu-west-1 --region us-east-1

Exit codes: 0 done (or nothing to do), 1 something expired could not be removed, 2 bad input or
the engine/API could not be reached. See docs/sweep.md (scheduled use in CI).`,
    )
    .action(run);
}
