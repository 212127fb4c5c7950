import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register as build } from '../../../src/cli/build.js';
import { register as gate } from '../../../src/cli/gate.js';
import { register as plan } from '../../../src/cli/plan.js';
import { runCommand } from '../../helpers/cli.js';

/** A wrong template path is one line naming imagegate.yaml:line:col, exit 2, in every command. */
describe('a template path that does not exist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imagegate-config-errors-'));
  const config = join(dir, 'imagegate.yaml');
  writeFileSync(
    config,
    'version: 1\nimages:\n  web:\n    template: packer/nope\n    suites: [builtin:cleanup]\n',
  );

  it.each<[string, (p: Command) => void]>([
    ['gate', gate],
    ['build', build],
    ['plan', plan],
  ])('%s refuses it before doing anything', async (name, register) => {
    const err = await runCommand(register, name, ['-c', config]).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 2 });
    expect((err as Error).message).toBe(
      `${config}:4:5: images.web.template: packer/nope does not exist (paths are relative to ${dir}): fix the path`,
    );
  });
});
