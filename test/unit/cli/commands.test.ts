import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_INDEX, registerAllCommands, registerCommands } from '../../../src/cli/commands.js';
import { describeOption } from '../../../src/cli/help.js';

const program = () => new Command('imagegate').configureHelp({ optionDescription: describeOption });

const registered = async (...args: string[]): Promise<Command> => {
  const p = program();
  await registerCommands(p, ['node', 'imagegate', ...args]);
  return p;
};
const names = (p: Command): string[] => p.commands.map((c) => c.name()).sort();
/** A command that imports its module has options; an index placeholder has none. */
const loaded = (p: Command): string[] =>
  p.commands
    .filter((c) => c.options.length > 0)
    .map((c) => c.name())
    .sort();

/** Start-up cost is the command's own imports: only what the invocation needs is loaded. */
describe('registerCommands', () => {
  it('loads only the named command', async () => {
    // The first import of lint and gate under vitest's transform: seconds on a loaded 2-core runner.
    expect(names(await registered('lint', '-q', 'examples'))).toEqual(['lint']);
    expect(names(await registered('gate', '--config', 'x.yaml'))).toEqual(['gate']);
    expect(names(await registered('help', 'validate'))).toEqual(['validate']);
  }, 60_000);

  it('loads nothing for a bare --version or -V', async () => {
    expect(names(await registered('--version'))).toEqual([]);
    expect(names(await registered('-V'))).toEqual([]);
  });

  it('lists every command from the index, loading none, for top-level help and a mistyped command', async () => {
    for (const args of [['--help'], [], ['help'], ['lnit']]) {
      const p = await registered(...args);
      expect(names(p), args.join(' ')).toEqual(Object.keys(COMMAND_INDEX).sort());
      expect(loaded(p), args.join(' ')).toEqual([]);
    }
  });

  it("top-level help from the index is the same text as from the commands' own registration", async () => {
    const full = program();
    await registerAllCommands(full);
    expect(names(full)).toEqual(Object.keys(COMMAND_INDEX).sort());
    const fromIndex = await registered('--help');
    expect(fromIndex.helpInformation()).toBe(full.helpInformation());
    // First import of every command module under vitest's transform: seconds on a loaded 2-core runner.
  }, 60_000);
});
