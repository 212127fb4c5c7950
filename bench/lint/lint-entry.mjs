#!/usr/bin/env node
// `imagegate lint` without the other commands registered: isolates lint's own cold start from
// whatever the rest of the CLI imports at startup. Same code path as bin/imagegate otherwise.
import { Command } from 'commander';
import { register } from '../../dist/cli/lint.js';

const program = new Command('imagegate').exitOverride();
register(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err?.exitCode === 0) process.exit(0); // --help / --version
  process.stderr.write(`imagegate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = typeof err?.exitCode === 'number' ? err.exitCode : 70;
}
