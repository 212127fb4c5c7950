import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { register } from '../../../src/cli/lint.js';
import { UserError } from '../../../src/core/errors.js';
import { runCommand } from '../../helpers/cli.js';

/** Run `imagegate lint ARGS` in-process; returns stdout and the exit code it set. */
function lint(args: string[]): Promise<{ stdout: string; exitCode: number }> {
  return runCommand(register, 'lint', args);
}

describe('imagegate lint (CLI)', { timeout: 60_000 }, () => {
  let stderr: MockInstance;
  beforeEach(() => {
    stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.exitCode = undefined;
  });
  afterEach(() => {
    stderr.mockRestore();
    process.exitCode = undefined;
  });

  it('exits 0 on a clean template and 1 on findings at/above --fail-on', async () => {
    const clean = await lint(['test/fixtures/lint/hardened']);
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).toBe('ok: 0 findings (0 errors, 0 warnings, 0 info) in 1 template, 22 policies\n');
    // --quiet on a clean template prints nothing at all.
    expect((await lint(['-q', 'test/fixtures/lint/hardened'])).stdout).toBe('');
    const bad = await lint(['test/fixtures/lint/footguns']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toContain('footguns.pkr.hcl:7:19 error ssh-username-root');
    const warningsOnly = 'test/fixtures/lint/policies/ebs-unencrypted/bad.pkr.hcl';
    expect((await lint([warningsOnly])).exitCode).toBe(0);
    expect((await lint(['--fail-on', 'warning', warningsOnly])).exitCode).toBe(1);
  });

  it('exits 2 on syntax errors and throws a one-line UserError for bad paths', async () => {
    const syntax = await lint(['test/fixtures/lint/syntax']);
    expect(syntax.exitCode).toBe(2);
    expect(syntax.stdout).toContain('broken.pkr.hcl:2:28 error syntax');
    const err = await lint(['no/such/dir']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect((err as UserError).message).toMatch(/^no\/such\/dir: .*no such file/);
  });

  it('reads lint settings from --config and policy dirs relative to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imagegate-lint-cli-'));
    const config = join(dir, 'imagegate.yaml');
    writeFileSync(
      config,
      `lint:\n  policyDirs: [${join(process.cwd(), 'test/fixtures/lint/custom-policies')}]\n  disable: [manifest-missing]\n  failOn: warning\n`,
    );
    const listed = await lint(['--config', config, '--list-policies', '--format', 'json']);
    const ids = (JSON.parse(listed.stdout) as { id: string }[]).map((p) => p.id);
    expect(ids).toContain('no-chmod-777');
    expect(ids).not.toContain('manifest-missing');
    expect(ids).toHaveLength(22);
    // failOn: warning from the file applies.
    expect(
      (await lint(['--config', config, 'test/fixtures/lint/policies/ebs-unencrypted/bad.pkr.hcl'])).exitCode,
    ).toBe(1);
  });

  it('an invalid config is a one-line error naming the file and key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imagegate-lint-cli-'));
    const config = join(dir, 'imagegate.yaml');
    writeFileSync(config, 'lint:\n  failOn: sometimes\n');
    await expect(lint(['--config', config, 'test/fixtures/lint/hardened'])).rejects.toThrow(
      /imagegate\.yaml:2:\d+: invalid imagegate\.yaml: lint\.failOn: must be one of/,
    );
  });

  it('--format json writes the findings document', async () => {
    const out = await lint(['--format', 'json', 'test/fixtures/lint/footguns']);
    const doc = JSON.parse(out.stdout) as { findings: unknown[]; summary: { exitCode: number } };
    expect(doc.findings.length).toBeGreaterThan(5);
    expect(doc.summary.exitCode).toBe(1);
  });
});
