import type { Command } from 'commander';

type Registrar = { register(program: Command): void };

/**
 * One file per command; each exports `register(program)`. Add a command by adding its file and
 * one line here. Modules load lazily: `imagegate lint` must not pay for the AWS SDK, dockerode
 * and ssh2 at start-up (they cost seconds on a busy CI runner).
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
 * Register the command named in `argv` alone when there is one; none for a bare `--version`;
 * otherwise (top-level help, an unknown command) all of them, so help lists every command and
 * typos get suggestions.
 */
export async function registerCommands(program: Command, argv: string[]): Promise<void> {
  const args = argv.slice(2);
  const named = args.find((a) => !a.startsWith('-'));
  if (named === undefined && (args.includes('--version') || args.includes('-V'))) return;
  const load = named !== undefined ? COMMANDS[named] : undefined;
  const modules = load ? [await load()] : await Promise.all(Object.values(COMMANDS).map((l) => l()));
  for (const m of modules) m.register(program);
}
