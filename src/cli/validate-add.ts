import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { UserError } from '../core/errors.js';
import { readTextCapped, writeFileAtomic } from '../core/fs.js';
import { MAX_YAML_BYTES } from '../core/yaml-document.js';
import { ADD_TYPES, type Added, type AddOptions, type AddType } from '../suite/add.js';
import type { Transport } from '../suite/transport.js';
import { interruptSignal } from './interrupt.js';
import { collect, configOption, parseGoDuration, sshHostOptions, sshOpenOptions } from './options.js';
import { terminalOutput } from './output.js';

/**
 * `validate add`, `validate autoadd` and `validate render`: goss's add/autoadd/render for any
 * target validate reaches, or for an artifact booted for the occasion.
 */

interface TargetCliOptions {
  gossfile?: string;
  target?: string;
  artifact?: string;
  image?: string;
  config?: string;
  region?: string;
  identity?: string;
  knownHosts?: string;
  insecureIgnoreHostKey?: boolean;
  passwordEnv?: string;
  jump?: string;
  package?: string;
}

interface AddCliOptions extends TargetCliOptions {
  excludeAttr?: string[];
  timeout?: string;
  server?: string;
  insecure?: boolean;
  /** commander's negation of --no-follow-redirects. */
  followRedirects?: boolean;
  username?: string;
  password?: string;
  proxy?: string;
}

const PACKAGE_TYPES = ['apk', 'deb', 'pacman', 'rpm'] as const;

function targetOptions(cmd: Command): Command {
  cmd
    .option('-g, --gossfile <file>', 'suite to write (created or merged; default ./goss.yaml or $GOSS_FILE)')
    .option(
      '-t, --target <target>',
      'local, docker://CONTAINER, ssh://user@host[:port] or ssm://INSTANCE-ID[?region=R] (default local)',
    )
    .option(
      '--artifact <artifact>',
      'boot this image, AMI or manifest.json as `test` does, observe it, tear it down (instead of --target)',
    )
    .option('--image <name>', 'with --artifact: imagegate.yaml image whose test settings apply')
    .addOption(configOption('with --artifact: imagegate.yaml (default ./imagegate.yaml)'))
    .option('--region <region>', 'with --artifact: region of an AMI (default $AWS_REGION)');
  return sshHostOptions(cmd, { passwordEnv: true }).addOption(
    new Option('--package <type>', `package manager to ask on the target: ${PACKAGE_TYPES.join(', ')}`),
  );
}

export function registerAddCommands(validate: Command): void {
  targetOptions(
    validate
      .command('add')
      .summary('add resources to a suite from what a target has now (goss add)')
      .description(
        'Observe resources on a target (or a freshly booted artifact) and write the checks goss add would: ' +
          'the suite file is created, or read and written back with the new resources merged in (same keys ' +
          'replaced, their title and meta kept). A resource that does not exist gets a check that it does not.',
      )
      .argument('<type>', ADD_TYPES.join(', '))
      .argument(
        '<name...>',
        'what to observe: a path, package, user, port like tcp:22, command line, URL, …',
      ),
  )
    .option(
      '--exclude-attr <glob>',
      'leave out non-required attributes matching this glob (repeatable; "*" for all)',
      collect,
    )
    .option('--timeout <duration>', 'addr, command, dns, http, mount: timeout written and used (e.g. 1s)')
    .option('--server <host[:port]>', 'dns: ask this server instead of the system resolver')
    .option('-k, --insecure', 'http: do not verify the certificate')
    .option('-r, --no-follow-redirects', 'http: do not follow redirects')
    .option('-u, --username <user>', 'http: basic auth user')
    .option('-p, --password <password>', 'http: basic auth password (written into the suite, as goss does)')
    .option('-x, --proxy <url>', 'http: proxy to use')
    .addHelpText(
      'after',
      `
Examples:
  imagegate validate add file /etc/passwd                    # ./goss.yaml, this host
  imagegate validate add -g web.yaml -t docker://web-1 package nginx openssl
  imagegate validate add --exclude-attr '*' user nobody       # only "exists"
  imagegate validate add --artifact web:1.2 port tcp:80       # boot, observe, tear down

Exit codes: 0 written, 1 the target could not be reached or could not answer, 2 bad input.`,
    )
    .action(async (type: string, names: string[], opts: AddCliOptions, cmd: Command) => {
      process.exitCode = await runAdd(type, names, withParentOptions(opts, cmd));
    });

  targetOptions(
    validate
      .command('autoadd')
      .summary('add every existing resource matching names (goss autoadd)')
      .description(
        'For each NAME, add what exists on the target as goss autoadd does: a file when NAME has a "/", ' +
          'then a group, package, port, process (with the ports it listens on), service and user of that name.',
      )
      .argument('<name...>', 'e.g. sshd, nginx, /etc/nginx/nginx.conf'),
  )
    .addHelpText(
      'after',
      `
Examples:
  imagegate validate autoadd -t docker://web-1 nginx
  imagegate validate autoadd --artifact imagegate-example/web:dev -g web.yaml nginx /etc/nginx/nginx.conf

Exit codes: 0 written (or nothing found: the file is left alone), 1 the target could not answer, 2 bad input.`,
    )
    .action(async (names: string[], opts: TargetCliOptions, cmd: Command) => {
      process.exitCode = await runAutoAdd(names, withParentOptions(opts, cmd));
    });

  validate
    .command('render')
    .summary('print a suite with its templates rendered and includes merged (goss render)')
    .description(
      'Render the suite as validate reads it — templates with vars, gossfile includes merged — and print ' +
        "it as one suite in the file's own format (YAML, or JSON for .json).",
    )
    .option('-g, --gossfile <file>', 'suite file (default ./goss.yaml or $GOSS_FILE)')
    .option('--vars <file>', 'YAML/JSON file of template vars (repeatable; default $GOSS_VARS)', collect)
    .addOption(
      new Option('--vars-inline <json>', 'template vars as inline JSON/YAML').env('GOSS_VARS_INLINE'),
    )
    .option('-d, --debug', 'print the rendered template text of the top file first, as goss does')
    .action(
      async (
        opts: { gossfile?: string; vars?: string[]; varsInline?: string; debug?: boolean },
        cmd: Command,
      ) => {
        process.exitCode = await runRender(withParentOptions(opts, cmd));
      },
    );
}

/** Options `validate` and its subcommands share. */
const SHARED = [
  'gossfile',
  'target',
  'identity',
  'knownHosts',
  'insecureIgnoreHostKey',
  'passwordEnv',
  'jump',
  'package',
  'vars',
  'varsInline',
] as const;

/**
 * goss users write `goss -g FILE add …`: options given to `validate` before the subcommand's
 * name count too (the subcommand's own win). validate's -g is repeatable; the last one is taken.
 */
function withParentOptions<T extends object>(opts: T, cmd: Command): T {
  const parent = cmd.parent;
  if (!parent) return opts;
  const out: Record<string, unknown> = { ...(opts as Record<string, unknown>) };
  const own = cmd.options.map((o) => o.attributeName());
  const values = parent.opts();
  for (const key of SHARED) {
    if (!own.includes(key) || out[key] !== undefined) continue;
    if (parent.getOptionValueSource(key) !== 'cli') continue;
    const v = values[key];
    out[key] = key === 'gossfile' && Array.isArray(v) ? v[v.length - 1] : v;
  }
  return out as T;
}

/** goss: the file named by -g, else $GOSS_FILE, else ./goss.yaml. */
function gossfileOf(opts: { gossfile?: string }): string {
  return opts.gossfile ?? (process.env.GOSS_FILE || './goss.yaml');
}

/** --timeout in whole milliseconds, as goss writes them. */
function timeoutMs(text: string): number {
  return Math.floor(parseGoDuration(text, '--timeout', 2));
}

async function runAdd(type: string, names: string[], opts: AddCliOptions): Promise<number> {
  if (!(ADD_TYPES as readonly string[]).includes(type))
    throw new UserError(`validate add ${type}: unknown resource type (one of: ${ADD_TYPES.join(', ')})`, 2);
  const addOpts: AddOptions = {
    excludeAttr: opts.excludeAttr ?? [],
    ...(opts.timeout !== undefined ? { timeoutMs: timeoutMs(opts.timeout) } : {}),
    ...(opts.server ? { server: opts.server } : {}),
    insecure: Boolean(opts.insecure),
    noFollowRedirects: opts.followRedirects === false,
    ...(opts.username ? { username: opts.username } : {}),
    ...(opts.password ? { password: opts.password } : {}),
    ...(opts.proxy ? { proxy: opts.proxy } : {}),
    settings: { packageType: packageType(opts.package) },
  };
  const remote = opts.artifact !== undefined || (opts.target !== undefined && opts.target !== 'local');
  const keys = names.map((n) => {
    if (type !== 'file' || n.startsWith('~') || isAbsolute(n)) return n;
    // goss makes a relative path absolute from its working directory: here only for this host.
    if (remote)
      throw new UserError(`validate add file ${n}: give an absolute path (or ~/…) for a remote target`, 2);
    return resolve(n);
  });
  return writeAdded(opts, async (transport) => {
    const { addResources } = await import('../suite/add.js');
    return addResources(type as AddType, keys, transport, addOpts);
  });
}

async function runAutoAdd(names: string[], opts: TargetCliOptions): Promise<number> {
  const packageT = packageType(opts.package);
  return writeAdded(opts, async (transport) => {
    const { autoAddResources } = await import('../suite/add.js');
    return autoAddResources(names, transport, { packageType: packageT });
  });
}

function packageType(p: string | undefined): (typeof PACKAGE_TYPES)[number] | undefined {
  if (p === undefined) return undefined;
  if (!(PACKAGE_TYPES as readonly string[]).includes(p))
    throw new UserError(`--package ${p}: expected one of ${PACKAGE_TYPES.join(', ')}`, 2);
  return p as (typeof PACKAGE_TYPES)[number];
}

/**
 * Read the suite (before touching the target, so a bad file fails fast), observe, announce each
 * resource as goss does, write the merged suite atomically. An empty result writes nothing.
 */
async function writeAdded(
  opts: TargetCliOptions,
  observeWith: (t: Transport) => Promise<Added[]>,
): Promise<number> {
  const {
    GO_TYPE_NAMES,
    GossfileWriteError,
    isEmptyDoc,
    parseGossDoc,
    putResource,
    renderGossDoc,
    renderOne,
    storeFormatOf,
  } = await import('../suite/gossfile-write.js');
  const file = gossfileOf(opts);
  const format = storeFormatOf(file);
  if (!format)
    throw new UserError(`-g ${file}: unknown file extension (use .yaml, .yml or .json, as goss)`, 2);
  if (opts.artifact !== undefined && opts.target !== undefined)
    throw new UserError('--artifact and --target name two targets: give one', 2);
  let doc: ReturnType<typeof parseGossDoc>;
  try {
    doc = existsSync(file) ? parseGossDoc(readTextCapped(file, MAX_YAML_BYTES, 2), file, format) : {};
  } catch (err) {
    if (err instanceof GossfileWriteError) throw new UserError(err.message, 2);
    throw err;
  }
  const added = await withTransport(opts, observeWith);
  const out = terminalOutput();
  for (const a of added) {
    const entry = putResource(doc, a.section, a.key, a.entry);
    out.result(
      `Adding ${GO_TYPE_NAMES[a.section]} to '${file}':\n\n${renderOne(a.section, a.key, entry, format)}\n`,
    );
  }
  if (isEmptyDoc(doc)) {
    out.progress("imagegate: can't write an empty suite; check the resource name(s)");
    return 0;
  }
  writeFileAtomic(file, renderGossDoc(doc, format));
  return 0;
}

/** A transport to --target, or to --artifact booted for the occasion; closed (torn down) after. */
async function withTransport<T>(opts: TargetCliOptions, use: (t: Transport) => Promise<T>): Promise<T> {
  const [{ CollectError }, { AddError }, { TargetError }] = await Promise.all([
    import('../suite/run.js'),
    import('../suite/add.js'),
    import('../transports/errors.js'),
  ]);
  const { ExecTimeoutError } = await import('../suite/transport.js');
  const translate = (err: unknown): never => {
    if (err instanceof AddError) throw new UserError(err.message, err.kind === 'bad-input' ? 2 : 1);
    if (err instanceof TargetError) throw new UserError(err.message, err.kind === 'bad-input' ? 2 : 1);
    if (err instanceof CollectError || err instanceof ExecTimeoutError) throw new UserError(err.message, 1);
    throw err;
  };
  const interrupt = interruptSignal();
  try {
    if (opts.artifact !== undefined) {
      const [{ withBootedArtifact }, { loadConfig }] = await Promise.all([
        import('../gate/observe-artifact.js'),
        import('../config/load.js'),
      ]);
      const out = terminalOutput();
      return await withBootedArtifact(
        {
          artifact: opts.artifact,
          loaded: loadConfig(opts.config),
          ...(opts.image !== undefined ? { image: opts.image } : {}),
          ...(opts.region !== undefined ? { region: opts.region } : {}),
          ...(opts.knownHosts !== undefined ? { knownHosts: opts.knownHosts } : {}),
          ...(opts.insecureIgnoreHostKey ? { insecureIgnoreHostKey: true } : {}),
          signal: interrupt.signal,
          progress: (m) => out.progress(`imagegate: ${m}`),
        },
        (t) => use(t),
      ).catch(translate);
    }
    const { openTransport } = await import('../transports/open.js');
    let transport: Transport;
    try {
      transport = await openTransport(opts.target ?? 'local', sshOpenOptions(opts));
    } catch (err) {
      return translate(err);
    }
    try {
      return await use(transport).catch(translate);
    } finally {
      await transport.close();
    }
  } catch (err) {
    const sig = interrupt.received();
    if (sig) throw new UserError(`interrupted by ${sig}: nothing written`, sig === 'SIGINT' ? 130 : 143);
    throw err;
  } finally {
    interrupt.dispose();
  }
}

async function runRender(opts: {
  gossfile?: string;
  vars?: string[];
  varsInline?: string;
  debug?: boolean;
}): Promise<number> {
  const file = gossfileOf(opts);
  const [{ renderSuite }, { storeFormatOf }] = await Promise.all([
    import('../suite/render.js'),
    import('../suite/gossfile-write.js'),
  ]);
  const format = storeFormatOf(file);
  if (!format)
    throw new UserError(`-g ${file}: unknown file extension (use .yaml, .yml or .json, as goss)`, 78);
  const vars = opts.vars ?? (process.env.GOSS_VARS ? [process.env.GOSS_VARS] : undefined);
  const out = terminalOutput();
  const { text, debug } = await renderSuite(file, format, { vars, varsInline: opts.varsInline });
  if (opts.debug) out.result(`DEBUG: file after text/template render\n${debug}`);
  process.stdout.write(text);
  return 0;
}
