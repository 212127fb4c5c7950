import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerAllCommands } from '../../../src/cli/commands.js';

/** Where each command is documented; the rest have docs/<command>.md. */
const PAGE: Record<string, string> = { keygen: 'evidence.md', verify: 'evidence.md' };

const docs = resolve(import.meta.dirname, '../../../docs');

/** A flag that only --help mentions is one a user finds by accident; every flag has a doc page. */
describe('docs cover every flag', () => {
  it('each long option of each command appears on its page', async () => {
    const program = new Command('imagegate');
    await registerAllCommands(program);
    const missing: string[] = [];
    for (const cmd of program.commands) {
      const page = PAGE[cmd.name()] ?? `${cmd.name()}.md`;
      const text = readFileSync(join(docs, page), 'utf8');
      for (const opt of cmd.options) {
        const flag = opt.long;
        if (!flag || flag === '--help') continue;
        // `--no-x` flags are documented as such; a word boundary keeps --out from matching --output.
        const long = new RegExp(`${flag.replace(/[-]/g, '\\-')}(?![\\w-])`).test(text);
        // A short flag counts when a code span uses it: `-q`, `-g base.yaml`.
        const short = opt.short !== undefined && new RegExp(`\`${opt.short}[\` ]`).test(text);
        if (!long && !short) {
          missing.push(`${cmd.name()} ${flag} (docs/${page})`);
        }
      }
    }
    expect(missing).toEqual([]);
  }, 60_000);
});
