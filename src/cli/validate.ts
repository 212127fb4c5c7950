import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { GOSS_FORMAT_OPTIONS, GOSS_FORMATS, type GossFormat, renderGoss } from '../report/goss/index.js';
import { ExecTimeoutError } from '../suite/transport.js';
import { interruptSignal } from './interrupt.js';
import { collect } from './options.js';
import { terminalOutput } from './output.js';

interface ValidateCliOptions {
  gossfile?: string[];
  vars?: string[];
  varsInline?: string;
  target: string;
  identity?: string;
  knownHosts?: string;
  insecureIgnoreHostKey?: boolean;
  passwordEnv?: string;
  jump?: string;
  format: string;
  formatOptions?: string[];
  retryTimeout?: string;
  sleep: string;
  maxConcurrent: string;
}

/** goss's exit code when --retry-timeout runs out with checks still failing. */
export const RETRY_TIMEOUT_EXIT = 3;

/** Repeatable option; no default so help does not print `(default: [])`. */

export function register(program: Command): void {
  program
    .command('validate')
    .summary('run goss suites on this host, a container, an SSH host or an instance via SSM')
    .description(
      'Run goss-compatible suites against this host, a running container or an SSH host. ' +
        'The whole suite is collected by one shell script in one round trip; matchers are evaluated locally.',
    )
    .option(
      '-g, --gossfile <file>',
      'suite file, or builtin:NAME (repeatable; default ./goss.yaml or $GOSS_FILE)',
      collect,
    )
    .option('--vars <file>', 'YAML/JSON file of template vars (repeatable, later files win)', collect)
    .option('--vars-inline <json>', 'template vars as inline JSON/YAML; wins over --vars files')
    .option(
      '-t, --target <target>',
      'local, docker://CONTAINER, ssh://user@host[:port] or ssm://INSTANCE-ID[?region=R]',
      'local',
    )
    .option('--identity <file>', 'SSH private key (default: ssh-agent via $SSH_AUTH_SOCK)')
    .option(
      '--known-hosts <file>',
      'SSH known_hosts to verify the host key against (default ~/.ssh/known_hosts)',
    )
    .option('--insecure-ignore-host-key', 'SSH: accept any host key (throwaway hosts only)')
    .option('--password-env <var>', 'SSH: read the password from this environment variable')
    .option('--jump <user@host[:port]>', 'SSH: connect through this jump host')
    // Checked in the action, not with commander's choices(), so a bad value exits 78 like goss.
    .option('-f, --format <format>', `output format: ${GOSS_FORMATS.join(', ')}`, 'rspecish')
    .option(
      '-o, --format-options <option>',
      `format option, repeatable: ${GOSS_FORMAT_OPTIONS.join(', ')}`,
      collect,
    )
    .option(
      '-r, --retry-timeout <duration>',
      'retry what failed until it passes or this elapses (e.g. 30s, 2m)',
    )
    .option('-s, --sleep <duration>', 'pause between retries', '1s')
    .option('--max-concurrent <n>', 'commands and network checks run in parallel, at most this many', '50')
    .addHelpText(
      'after',
      `
Examples:
  imagegate validate                                   # ./goss.yaml against this host
  imagegate validate -g goss.yaml --target docker://web-1 -f json -o pretty
  imagegate validate -g builtin:cleanup -g builtin:no-secrets --target docker://web-1
  imagegate validate -g goss.yaml --vars vars.yaml --vars-inline '{"port": 8080}' \\
      --target ssh://admin@10.0.0.5:22 --identity ~/.ssh/id_ed25519
  imagegate validate --target docker://db -r 60s -s 5s  # wait for a service to come up
  imagegate validate -g goss.yaml --target 'ssm://i-0123456789abcdef0?region=eu-west-1'  # no SSH needed

Formats: ${GOSS_FORMATS.join(', ')} (default rspecish)
Exit codes: 0 all passed, 1 a check failed or the target could not be reached,
            2 nagios CRITICAL, 3 --retry-timeout ran out, 78 suite error (YAML, schema, template) or bad flag.
Details: docs/validate.md; built-in suites: docs/suites-builtin.md`,
    )
    .action(async (opts: ValidateCliOptions) => {
      process.exitCode = await runValidate(opts);
    });
}

async function runValidate(opts: ValidateCliOptions): Promise<number> {
  // Loaded lazily: other commands should not pay for the suite engine and transports.
  const [{ loadSuite }, { runSuites, CollectError }, { openTransport }, { TargetError }] = await Promise.all([
    import('../suite/load.js'),
    import('../suite/run.js'),
    import('../transports/open.js'),
    import('../transports/errors.js'),
  ]);
  const out = terminalOutput();
  if (!(GOSS_FORMATS as string[]).includes(opts.format)) {
    throw new UserError(`--format ${opts.format}: expected one of ${GOSS_FORMATS.join(', ')}`, 78);
  }
  for (const o of opts.formatOptions ?? []) {
    if (!(GOSS_FORMAT_OPTIONS as readonly string[]).includes(o)) {
      throw new UserError(`--format-options ${o}: expected one of ${GOSS_FORMAT_OPTIONS.join(', ')}`, 78);
    }
  }
  const retryTimeoutMs =
    opts.retryTimeout === undefined ? 0 : parseGoDuration(opts.retryTimeout, '--retry-timeout');
  const sleepMs = parseGoDuration(opts.sleep, '--sleep');
  const maxConcurrent = Number(opts.maxConcurrent);
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new UserError(`--max-concurrent ${opts.maxConcurrent}: expected a whole number of 1 or more`, 78);
  }
  const files = opts.gossfile ?? [process.env.GOSS_FILE || './goss.yaml'];
  const suites = [];
  for (const file of files)
    suites.push(await loadSuite(file, { vars: opts.vars, varsInline: opts.varsInline }));
  for (const s of suites) for (const w of s.warnings) out.progress(`imagegate: warning: ${w}`);

  let transport: Awaited<ReturnType<typeof openTransport>>;
  try {
    transport = await openTransport(opts.target, {
      identity: opts.identity,
      knownHosts: opts.knownHosts,
      insecureIgnoreHostKey: opts.insecureIgnoreHostKey,
      passwordEnv: opts.passwordEnv,
      jump: opts.jump,
      onWarning: (m) => process.stderr.write(`imagegate: ${m}\n`),
    });
  } catch (err) {
    if (err instanceof TargetError) throw new UserError(err.message, err.kind === 'bad-input' ? 78 : 1);
    throw err;
  }
  // Ctrl-C / SIGTERM: stop waiting, and let close() kill what the collector started on the target.
  const interrupt = interruptSignal();
  const interrupted = new Promise<never>((_, reject) =>
    interrupt.signal.addEventListener('abort', () => reject(interrupt.signal.reason), { once: true }),
  );
  interrupted.catch(() => {});
  try {
    const { run, timedOut } = await Promise.race([
      interrupted,
      runSuites(suites, transport, {
        retryTimeoutMs,
        sleepMs,
        maxConcurrent,
        onRetry: (attempt, failing) =>
          out.progress(`imagegate: retrying ${failing} failing resource(s), attempt ${attempt}`),
      }),
    ]);
    const o = new Set(opts.formatOptions ?? []);
    const rendered = renderGoss(opts.format as GossFormat, run, {
      sort: o.has('sort'),
      pretty: o.has('pretty'),
      verbose: o.has('verbose'),
      perfdata: o.has('perfdata'),
      excludeRaw: o.has('exclude_raw'),
      color: out.color,
    });
    if (rendered.text !== '') out.result(rendered.text);
    if (timedOut) {
      out.progress(`imagegate: --retry-timeout ${opts.retryTimeout} elapsed with checks still failing`);
      return RETRY_TIMEOUT_EXIT;
    }
    return rendered.exitCode;
  } catch (err) {
    const sig = interrupt.received();
    if (sig) {
      await transport.close();
      throw new UserError(
        `interrupted by ${sig}: what the collector started on the target was stopped`,
        sig === 'SIGINT' ? 130 : 143,
      );
    }
    if (err instanceof CollectError || err instanceof TargetError) throw new UserError(err.message, 1);
    if (err instanceof ExecTimeoutError) throw new UserError(err.message, 1);
    throw err;
  } finally {
    interrupt.dispose();
    await transport.close();
  }
}

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's time.ParseDuration syntax, as goss takes it: `500ms`, `10s`, `1m30s`. Returns ms. */
export function parseGoDuration(text: string, flag: string): number {
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (text.trim() === '0') return 0;
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text.trim()) {
    throw new UserError(`${flag} ${text}: not a duration (use e.g. 500ms, 10s, 1m30s)`, 78);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
}
