import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCommands } from '../../../src/cli/commands.js';

const registered = async (...args: string[]): Promise<string[]> => {
  const program = new Command('imagegate');
  await registerCommands(program, ['node', 'imagegate', ...args]);
  return program.commands.map((c) => c.name()).sort();
};

/** Start-up cost is the command's own imports: only what the invocation needs is loaded. */
describe('registerCommands', () => {
  it('loads only the named command', async () => {
    expect(await registered('lint', '-q', 'examples')).toEqual(['lint']);
    expect(await registered('gate', '--config', 'x.yaml')).toEqual(['gate']);
    // The first import of lint and gate under vitest's transform: seconds on a loaded 2-core runner.
  }, 60_000);

  it('loads nothing for a bare --version or -V', async () => {
    expect(await registered('--version')).toEqual([]);
    expect(await registered('-V')).toEqual([]);
  });

  it('loads every command for top-level help and for a mistyped command (suggestions)', async () => {
    const all = await registered('--help');
    expect(all).toContain('lint');
    expect(all).toContain('prune');
    expect(all.length).toBeGreaterThanOrEqual(11);
    expect(await registered('lnit')).toEqual(all);
    // First import of every command module under vitest's transform: seconds on a loaded 2-core runner.
  }, 60_000);
});
