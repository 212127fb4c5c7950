import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAllCommands } from '../../../src/cli/commands.js';
import { describeOption } from '../../../src/cli/help.js';

/** Every command's --help, as main.ts configures it. */
async function helps(): Promise<[string, string][]> {
  const program = new Command('imagegate').configureHelp({ optionDescription: describeOption });
  await registerAllCommands(program);
  return program.commands.map((c) => [c.name(), c.helpInformation({ error: false })]);
}

describe('--help that teaches', () => {
  let all: [string, string][] = [];
  // Importing every command module under vitest's transform takes seconds on a loaded runner.
  beforeAll(async () => {
    all = await helps();
  }, 120_000);

  it('shows defaults as values, and none for repeatable or boolean flags', async () => {
    for (const [name, text] of all) {
      expect(text, name).not.toMatch(/\(default: \[\]\)/);
      expect(text, name).not.toMatch(/default: "/);
      expect(text, name).not.toMatch(/default: false/);
    }
  });

  it('wraps descriptions as paragraphs, not at hard line breaks mid-sentence', async () => {
    for (const [name, text] of all) {
      const description = text.split('\n\n')[1] ?? '';
      // A line that ends in the middle of a sentence and is far shorter than the terminal width.
      const ragged = description
        .split('\n')
        .slice(0, -1)
        .filter((l) => l.length < 40 && !/[.:]$/.test(l));
      expect(ragged, name).toEqual([]);
    }
  });

  it('examples are commands that run as pasted: no prompt, notes behind #', async () => {
    for (const [name, text] of all) {
      const examples = /Examples:\n((?: {2}.*\n?)+)/.exec(text)?.[1] ?? '';
      for (const line of examples.split('\n').filter((l) => /^ {2}\S/.test(l))) {
        expect(line, name).toMatch(/^ {2}imagegate /);
        // Two or more spaces inside a command line only ever precede a comment.
        const gap = /\S {2,}(\S)/.exec(line);
        if (gap) expect(gap[1], `${name}: ${line}`).toBe('#');
      }
    }
  });
});
