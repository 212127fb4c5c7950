import { Command, CommanderError } from 'commander';
import { UserError } from '../core/errors.js';
import { describeVersion, VERSION } from '../core/version.js';
import { registerCommands } from './commands.js';
import { describeOption } from './help.js';

/** goss's exit code for bad input to validate; 2 there means nagios CRITICAL. */
const VALIDATE_USAGE_EXIT = 78;

const program = new Command('imagegate')
  .description(
    'The gate every machine image passes before production: lint Packer templates, build them, ' +
      'boot and test each artifact with Goss-compatible suites, promote only what passed, and ' +
      'retire old AMIs safely. Run `imagegate COMMAND --help` for each command; docs/ has a page per command.',
  )
  .version(wantsVersion(process.argv) ? describeVersion() : VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .configureHelp({ optionDescription: describeOption })
  .exitOverride();

// `imagegate lint | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

await registerCommands(program, process.argv);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = exitCodeFor(err);
}

function wantsVersion(argv: string[]): boolean {
  return argv.slice(2).some((a) => a === '--version' || a === '-V');
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or help/version, which exit 0).
    if (err.exitCode === 0) return 0;
    return process.argv.slice(2).find((a) => !a.startsWith('-')) === 'validate' ? VALIDATE_USAGE_EXIT : 2;
  }
  if (err instanceof UserError) {
    process.stderr.write(`imagegate: ${err.message}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`imagegate: internal error: ${message}\n`);
  if (process.env.IMAGEGATE_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  return 70;
}
