import { type Command, Help } from 'commander';

type Registrar = { register(program: Command): void };

/**
 * One file per command; each exports `register(program)`. Add a command by adding its file and
 * one line here and in COMMAND_INDEX. Modules load lazily: `imagegate lint` must not pay for the
 * AWS SDK, dockerode and ssh2 at start-up (they cost seconds on a busy CI runner).
 */
const COMMANDS: Record<string, () => Promise<Registrar>> = {
  build: () => import('./build.js'),
  doctor: () => import('./doctor.js'),
  drift: () => import('./drift.js'),
  gate: () => import('./gate.js'),
  keygen: () => import('./keygen.js'),
  lint: () => import('./lint.js'),
  plan: () => import('./plan.js'),
  promote: () => import('./promote.js'),
  prune: () => import('./prune.js'),
  report: () => import('./report.js'),
  sweep: () => import('./sweep.js'),
  test: () => import('./test.js'),
  validate: () => import('./validate.js'),
  verify: () => import('./verify.js'),
};

/**
 * What top-level help lists for each command, so `imagegate --help` and a mistyped command load
 * no command module (loading all of them took seconds: the AWS SDK, dockerode, ajv, renderers).
 * test/unit/cli/commands.test.ts holds this table to what the commands themselves register.
 */
export const COMMAND_INDEX: Record<string, { term: string; summary: string }> = {
  build: {
    term: 'build [options] [image...]',
    summary: 'run Packer for images in imagegate.yaml and collect their artifacts',
  },
  doctor: {
    term: 'doctor [options]',
    summary: 'check what this machine can do and how to fix what is missing',
  },
  drift: {
    term: 'drift [options]',
    summary: "run each live host's image suites against the host (EC2, containers, inventory)",
  },
  gate: {
    term: 'gate [options] [image...]',
    summary: 'lint → build → test → promote, one verdict per artifact',
  },
  keygen: { term: 'keygen [options]', summary: 'make a local Ed25519 signing key for evidence' },
  lint: {
    term: 'lint [options] [paths...]',
    summary: 'lint Packer templates against policies (HCL2 and legacy JSON)',
  },
  plan: {
    term: 'plan [options] [image...]',
    summary: 'list the images a gate run would build, for CI matrix fan-out',
  },
  promote: {
    term: 'promote [options] <artifact>',
    summary: 'promote a tested artifact to a stage, with its evidence',
  },
  prune: { term: 'prune [options]', summary: 'retire old AMIs by retention rules (dry run unless --apply)' },
  report: {
    term: 'report [options] <verdict...>',
    summary: 'compliance report from verdicts: html, markdown, json, junit',
  },
  sweep: { term: 'sweep [options]', summary: 'find and remove leaked ephemeral containers and instances' },
  test: {
    term: 'test [options] <artifact>',
    summary: 'boot an artifact, run suites, tear down, write a verdict',
  },
  validate: {
    term: 'validate [options]',
    summary: 'run goss suites on this host, a container, an SSH host or an instance via SSM',
  },
  verify: {
    term: 'verify [options] <artifact>',
    summary: "verify an artifact's signed evidence against the trust policy (deploy-time check)",
  },
};

/**
 * Register the command named in `argv` alone when there is one (`help NAME` names NAME); none
 * for a bare `--version`; otherwise (top-level help, an unknown command) the index's entries,
 * which are enough for help to list every command and for typos to get suggestions.
 */
export async function registerCommands(program: Command, argv: string[]): Promise<void> {
  const args = argv.slice(2);
  const first = args.findIndex((a) => !a.startsWith('-'));
  if (first === -1 && (args.includes('--version') || args.includes('-V'))) return;
  const named = args[first] === 'help' ? args[first + 1] : args[first];
  const load = named !== undefined ? COMMANDS[named] : undefined;
  if (load) (await load()).register(program);
  else registerIndex(program);
}

/** Every command, loaded: for tests that inspect each command's own help. */
export async function registerAllCommands(program: Command): Promise<void> {
  for (const m of await Promise.all(Object.values(COMMANDS).map((l) => l()))) m.register(program);
}

/** Placeholder commands carrying only a name and a summary; help shows the index's usage term. */
function registerIndex(program: Command): void {
  for (const [name, { summary }] of Object.entries(COMMAND_INDEX)) program.command(name).summary(summary);
  const base = new Help();
  program.configureHelp({
    ...program.configureHelp(),
    subcommandTerm: (cmd) => COMMAND_INDEX[cmd.name()]?.term ?? base.subcommandTerm(cmd),
  });
}
