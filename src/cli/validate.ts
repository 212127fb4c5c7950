import { type Command, Option } from 'commander';
import { UserError } from '../core/errors.js';
import { MAX_YAML_BYTES } from '../core/yaml-document.js';
import { GOSS_FORMAT_OPTIONS, GOSS_FORMATS, type GossFormat, renderGoss } from '../report/goss/index.js';
import type { PackageType } from '../suite/resources/api.js';
import { ExecTimeoutError } from '../suite/transport.js';
import { interruptSignal } from './interrupt.js';
import { collect, parseGoDuration, sshHostOptions, sshOpenOptions } from './options.js';
import { terminalOutput } from './output.js';
import { registerAddCommands } from './validate-add.js';

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
  color?: boolean;
  package?: string;
  logLevel: string;
}

/** goss's --package values, and the package manager each one means on the target. */
export const PACKAGE_TYPES = ['apk', 'deb', 'pacman', 'rpm'] as const;
/** goss's -L levels (case-insensitive, as goss's logutils filter). */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

/** goss's exit code when --retry-timeout runs out with checks still failing. */
export const RETRY_TIMEOUT_EXIT = 3;

/** Repeatable option; no default so help does not print `(default: [])`. */

export function register(program: Command): void {
  // Options stop at a subcommand's name (commander needs this set from the root down), so in
  // `validate add -g FILE -t T …` the options are add's, not validate's.
  program.enablePositionalOptions();
  const validate = program
    .command('validate')
    .summary('run goss suites on this host, a container, an SSH host or an instance via SSM')
    .description(
      'Run goss-compatible suites against this host, a running container, an SSH host or an EC2 instance through SSM. ' +
        'The whole suite is collected by one shell script in one round trip; matchers are evaluated locally.',
    )
    .option(
      '-g, --gossfile <file>',
      'suite file, builtin:NAME, or - for standard input (repeatable; default ./goss.yaml or $GOSS_FILE)',
      collect,
    )
    .option(
      '--vars <file>',
      'YAML/JSON file of template vars (repeatable, later files win; default $GOSS_VARS)',
      collect,
    )
    .addOption(
      new Option('--vars-inline <json>', 'template vars as inline JSON/YAML; wins over --vars files').env(
        'GOSS_VARS_INLINE',
      ),
    )
    .addOption(
      new Option('--package <type>', `package manager to ask on the target: ${PACKAGE_TYPES.join(', ')}`),
    )
    .addOption(
      new Option('-L, --log-level <level>', `log verbosity: ${LOG_LEVELS.join(', ')}`)
        .env('GOSS_LOGLEVEL')
        .default('INFO'),
    )
    .option(
      '-t, --target <target>',
      'local, docker://CONTAINER, ssh://user@host[:port] or ssm://INSTANCE-ID[?region=R]',
      'local',
    );
  sshHostOptions(validate, { passwordEnv: true })
    // Checked in the action, not with commander's choices(), so a bad value exits 78 like goss.
    .addOption(
      new Option('-f, --format <format>', `output format: ${GOSS_FORMATS.join(', ')}`)
        .env('GOSS_FMT')
        .default('rspecish'),
    )
    .option(
      '-o, --format-options <option>',
      `format option, repeatable: ${GOSS_FORMAT_OPTIONS.join(', ')} (default $GOSS_FMT_OPTIONS, comma-separated)`,
      collect,
    )
    .option('--color', 'force colour on ($GOSS_COLOR)')
    .option('--no-color', 'force colour off ($GOSS_NOCOLOR)')
    .addOption(
      new Option(
        '-r, --retry-timeout <duration>',
        'retry what failed until it passes or this elapses (e.g. 30s, 2m)',
      ).env('GOSS_RETRY_TIMEOUT'),
    )
    .addOption(new Option('-s, --sleep <duration>', 'pause between retries').env('GOSS_SLEEP').default('1s'))
    .addOption(
      new Option('--max-concurrent <n>', 'commands and network checks run in parallel, at most this many')
        .env('GOSS_MAX_CONCURRENT')
        .default('50'),
    )
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
Environment: GOSS_FILE, GOSS_VARS, GOSS_VARS_INLINE, GOSS_FMT, GOSS_FMT_OPTIONS, GOSS_COLOR,
  GOSS_NOCOLOR, GOSS_SLEEP, GOSS_RETRY_TIMEOUT, GOSS_MAX_CONCURRENT, GOSS_LOGLEVEL (as goss; flags win).
Exit codes: 0 all passed, 1 a check failed or the target could not be reached,
            2 nagios CRITICAL, 3 --retry-timeout ran out, 78 suite error (YAML, schema, template) or bad flag.
Details: docs/validate.md; built-in suites: docs/suites-builtin.md`,
    )
    .enablePositionalOptions()
    .action(async (opts: ValidateCliOptions) => {
      process.exitCode = await runValidate(opts);
    });
  registerAddCommands(validate);
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
  const formatOptions = opts.formatOptions ?? envList('GOSS_FMT_OPTIONS') ?? [];
  for (const o of formatOptions) {
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
  const logLevel = opts.logLevel.toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UserError(`--log-level ${opts.logLevel}: expected one of ${LOG_LEVELS.join(', ')}`, 78);
  }
  const debug = logLevel === 'DEBUG' || logLevel === 'TRACE';
  if (opts.package !== undefined && !(PACKAGE_TYPES as readonly string[]).includes(opts.package)) {
    throw new UserError(`--package ${opts.package}: expected one of ${PACKAGE_TYPES.join(', ')}`, 78);
  }
  const color = opts.color ?? colorFromEnv() ?? out.color;
  const files = opts.gossfile ?? [process.env.GOSS_FILE || './goss.yaml'];
  if (files.filter((f) => f === '-').length > 1) {
    throw new UserError('-g -: standard input can be read once; give it one -g - at most', 78);
  }
  const vars = opts.vars ?? envList('GOSS_VARS');
  const stdin = files.includes('-') ? await readStdin() : undefined;
  const suites = [];
  for (const file of files) suites.push(await loadSuite(file, { vars, varsInline: opts.varsInline, stdin }));
  for (const s of suites) for (const w of s.warnings) out.progress(`imagegate: warning: ${w}`);

  let transport: Awaited<ReturnType<typeof openTransport>>;
  try {
    transport = await openTransport(opts.target, sshOpenOptions(opts));
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
    const { run, timedOut, execs } = await Promise.race([
      interrupted,
      runSuites(suites, transport, {
        retryTimeoutMs,
        sleepMs,
        maxConcurrent,
        settings: { packageType: opts.package as PackageType | undefined },
        onRetry: (attempt, failing) =>
          out.progress(`imagegate: retrying ${failing} failing resource(s), attempt ${attempt}`),
      }),
    ]);
    if (debug)
      out.progress(`imagegate: [DEBUG] collected in ${execs} round trip(s) from ${transport.describe()}`);
    const o = new Set(formatOptions);
    const rendered = renderGoss(opts.format as GossFormat, run, {
      sort: o.has('sort'),
      pretty: o.has('pretty'),
      verbose: o.has('verbose'),
      perfdata: o.has('perfdata'),
      excludeRaw: o.has('exclude_raw'),
      color,
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

/** A comma-separated goss environment list (urfave/cli's slice flags read them that way). */
function envList(name: string): string[] | undefined {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return undefined;
  return v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** GOSS_COLOR / GOSS_NOCOLOR as Go's strconv.ParseBool reads them; unset means "decide by TTY". */
function colorFromEnv(): boolean | undefined {
  const parse = (name: string): boolean | undefined => {
    const v = process.env[name];
    if (v === undefined || v === '') return undefined;
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
    throw new UserError(`${name}=${v}: expected true or false`, 78);
  };
  if (parse('GOSS_NOCOLOR') === true) return false;
  return parse('GOSS_COLOR') === true ? true : undefined;
}

/** `-g -`: the suite from standard input, capped like a suite file. */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw new UserError('-g -: standard input is a terminal; pipe a suite into it', 78);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_YAML_BYTES)
      throw new UserError(
        `-g -: standard input is larger than ${MAX_YAML_BYTES} bytes; a suite must be smaller`,
        78,
      );
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
