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

describe('a suite or vars file that does not exist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imagegate-config-errors-'));
  const config = join(dir, 'imagegate.yaml');
  writeFileSync(join(dir, 'app.pkr.hcl'), 'source "docker" "x" {\n  image = "debian:bookworm"\n}\n');
  writeFileSync(join(dir, 'app.yaml'), 'file:\n  /etc/passwd:\n    exists: true\n');

  it('names the suite at its imagegate.yaml line, before anything is built', async () => {
    writeFileSync(
      config,
      'version: 1\nimages:\n  app:\n    template: app.pkr.hcl\n    suites: [builtin:cleanup, goss/apps.yaml]\n',
    );
    const err = await runCommand(gate, 'gate', ['-c', config]).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 2 });
    expect((err as Error).message).toBe(
      `${config}:5:31: images.app.suites[1]: goss/apps.yaml does not exist (paths are relative to ${dir}): fix the path`,
    );
  });

  it('names a missing suiteVars file the same way', async () => {
    writeFileSync(
      config,
      'version: 1\nimages:\n  app:\n    template: app.pkr.hcl\n    suites: [app.yaml]\n    suiteVars:\n      - vars.yaml\n',
    );
    const err = await runCommand(build, 'build', ['-c', config]).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `${config}:7:9: images.app.suiteVars[0]: vars.yaml does not exist (paths are relative to ${dir}): fix the path`,
    );
  });
});
