import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { register } from '../../../../src/cli/report.js';
import { type FixtureSet, writeFixtureSet } from '../../../fixtures/report/verdicts.js';
import { runCommand } from '../../../helpers/cli.js';
import { TEST_KEY } from '../../../helpers/evidence.js';
import { scratchDir } from './helpers.js';

/** Run `imagegate report ARGS` in-process; returns what went to stdout and the exit code set. */
function report(args: string[]): Promise<{ stdout: string; exitCode: number }> {
  return runCommand(register, 'report', args);
}

describe('imagegate report (CLI)', () => {
  let set: FixtureSet;
  let stderr: MockInstance;
  const cwd = process.cwd();

  beforeEach(() => {
    set = writeFixtureSet(scratchDir('imagegate-report-cli-'));
    stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    process.exitCode = undefined;
  });

  afterEach(() => {
    stderr.mockRestore();
    process.exitCode = undefined;
    process.chdir(cwd);
  });

  const common = () => [
    '--config',
    set.config,
    '--lint',
    set.lint,
    '--promotions',
    set.promotions,
    '--prune',
    set.prune,
    '--policies',
    set.policies,
  ];

  it('writes markdown to stdout and exits 1 because a verdict was tampered with', async () => {
    const { stdout, exitCode } = await report([set.verdictDir, ...common()]);
    expect(stdout).toContain('> [!CAUTION]');
    expect(stdout).toContain('| CIS-5.2.10 | ❌ fail |');
    expect(exitCode).toBe(1);
    const err = stderr.mock.calls.map((c) => String(c[0])).join('');
    expect(err).toContain(
      `imagegate: TAMPERED: ${set.files.tampered}: signature does not verify: the attestation was altered after signing, or forged`,
    );
  });

  it('without imagegate.yaml a genuine verdict fails verification, and says the trust policy is missing', async () => {
    process.chdir(scratchDir('imagegate-report-noconfig-'));
    const { exitCode } = await report([set.files.web, '--json']);
    expect(exitCode).toBe(1);
    const err = stderr.mock.calls.map((c) => String(c[0])).join('');
    expect(err).toMatch(/trust policy names no key/);
    expect(err).toContain(
      'no imagegate.yaml here, so no stage trusts any key: run from the repository or pass --config FILE',
    );
  });

  it('with a configuration, no missing-policy hint is printed', async () => {
    await report([set.verdictDir, ...common()]);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).not.toContain('no imagegate.yaml here');
  });

  it('exits 0 over intact verdicts, and 1 with --fail-on-failure when one failed', async () => {
    const files = [set.files.web, set.files.base];
    expect((await report([...files, '--config', set.config, '--json'])).exitCode).toBe(0);
    process.exitCode = undefined;
    expect((await report([...files, '--config', set.config, '--json', '--fail-on-failure'])).exitCode).toBe(
      1,
    );
    process.exitCode = undefined;
    expect((await report([set.files.web, '--config', set.config, '--fail-on-failure'])).exitCode).toBe(0);
  });

  it('prints the JSON model with --json', async () => {
    const { stdout } = await report([set.files.web, '--config', set.config, '--json', '--title', 'Weekly']);
    const m = JSON.parse(stdout) as { schema: string; title: string; summary: { passed: number } };
    expect(m).toMatchObject({ schema: 'imagegate.report/v1', title: 'Weekly', summary: { passed: 1 } });
  });

  it('writes html to imagegate-report.html by default, atomically, and prints the path', async () => {
    process.chdir(set.dir);
    const { stdout } = await report([set.files.web, '--config', set.config, '--format', 'html']);
    expect(stdout.trim()).toBe('imagegate-report.html');
    expect(readFileSync(join(set.dir, 'imagegate-report.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect(readdirSync(set.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes junit to --out', async () => {
    const out = join(set.dir, 'out', 'report.xml');
    await report([set.verdictDir, '--config', set.config, '--format', 'junit', '--out', out]);
    expect(readFileSync(out, 'utf8')).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
  });

  it('uses SOURCE_DATE_EPOCH for the generation time', async () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000');
    try {
      const { stdout } = await report([set.files.web, '--config', set.config, '--json']);
      expect((JSON.parse(stdout) as { generatedAt: string }).generatedAt).toBe('2023-11-14T22:13:20.000Z');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('rejects bad input with exit code 2 and writes nothing', async () => {
    const out = join(set.dir, 'never.html');
    await expect(report([join(set.dir, 'missing.verdict.json'), '--config', set.config])).rejects.toThrow(
      /missing\.verdict\.json: no such file or directory/,
    );
    await expect(
      report([set.files.web, '--config', set.config, '--lint', set.promotions, '--out', out]),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/promotions\.jsonl: not valid JSON/),
    });
    expect(existsSync(out)).toBe(false);
    await expect(report([set.files.web, '--config', set.config, '--out', out])).resolves.toMatchObject({
      exitCode: 0,
    });
    expect(existsSync(out)).toBe(true);
  });

  it('flags a file that is not a signed attestation instead of counting it, and exits 1', async () => {
    const { stdout, exitCode } = await report([set.lint, set.files.web, '--config', set.config]);
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/lint\.json.*not a DSSE envelope/);
    const err = stderr.mock.calls.map((c) => String(c[0])).join('');
    expect(err).toMatch(/TAMPERED: .*lint\.json: not a DSSE envelope/);
  });

  it('shows evidence signed by a key no stage trusts as unverified, naming the key', async () => {
    const config = join(set.dir, 'untrusted.yaml');
    writeFileSync(
      config,
      'version: 1\nstages:\n  dev:\n    trust: [local-dev]\n    registry: { repository: r.example/web }\n',
    );
    const { stdout, exitCode } = await report([set.files.web, '--config', config]);
    expect(exitCode).toBe(1);
    expect(stdout).toContain(`not verified (untrusted): signed by ${TEST_KEY.keyId}`);
  });

  it('does not count a policy disabled in imagegate.yaml as control evidence', async () => {
    const config = join(set.dir, 'disabled.yaml');
    writeFileSync(
      config,
      'version: 1\nlint:\n  disable: [cleanup-provisioner]\n' +
        'stages:\n  prod:\n    trust: [{ publicKey: test-key.pub }]\n    registry: { repository: r.example/web }\n',
    );
    const { stdout } = await report([
      set.verdictDir,
      '--config',
      config,
      '--policies',
      set.policies,
      '--json',
    ]);
    const m = JSON.parse(stdout) as { controls: { id: string; evidence: { ref: string }[] }[] };
    const cis522 = m.controls.find((c) => c.id === 'CIS-5.2.2');
    expect(cis522?.evidence.map((e) => e.ref)).toEqual(['command:ls /etc/ssh/ssh_host_*']);
    expect(m.controls.some((c) => c.evidence.some((e) => e.ref === 'cleanup-provisioner'))).toBe(false);
  });

  it('rejects an unknown format', async () => {
    await expect(report([set.files.web, '--format', 'pdf'])).rejects.toMatchObject({
      code: 'commander.invalidArgument',
    });
  });
});
