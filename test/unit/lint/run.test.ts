import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LintInputError } from '../../../src/lint/errors.js';
import {
  BUILTIN_POLICY_DIR,
  type LoadedPolicy,
  loadPolicySet,
  readBuiltinPolicies,
} from '../../../src/lint/policies.js';
import { readPolicyDir } from '../../../src/lint/policy-file.js';
import { lintPaths } from '../../../src/lint/run.js';

const FIX = 'test/fixtures/lint';
const brief = (fs: { policy: string; line: number }[]) => fs.map((f) => `${f.line} ${f.policy}`);

let builtin: LoadedPolicy[];
beforeAll(async () => {
  builtin = await loadPolicySet();
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'imagegate-lint-'));
}

describe('suppressions', () => {
  it('silence findings on their line or the line below, in templates and scripts, and are checked', async () => {
    const run = await lintPaths([`${FIX}/suppressions`], { policies: builtin });
    // 12 (comment above), 13 (trailing comment) and the script's curl | sh are suppressed;
    // 14 is not covered by the trailing comment on 13.
    expect(brief(run.findings)).toEqual([
      '13 suppression-reason-missing',
      '14 package-unpinned',
      '15 suppression-unused',
    ]);
    expect(run.summary.suppressed).toBe(3);
    // A suppression without a reason is an error: it fails the run even though it suppressed.
    expect(run.summary.exitCode).toBe(1);
  });

  it('disabling the engine ids silences the suppression checks', async () => {
    const run = await lintPaths([`${FIX}/suppressions`], {
      policies: builtin,
      config: { disable: ['suppression-reason-missing', 'suppression-unused'] },
    });
    expect(brief(run.findings)).toEqual(['14 package-unpinned']);
  });
});

describe('syntax errors', () => {
  it('are findings at the right place and make the exit code 2', async () => {
    const run = await lintPaths([`${FIX}/syntax`], { policies: builtin });
    expect(run.findings.map((f) => [f.policy, f.line])).toEqual([['syntax', 2]]);
    expect(run.summary).toMatchObject({ syntaxErrors: 1, exitCode: 2 });
  });
});

describe('configuration', () => {
  const footguns = `${FIX}/footguns`;

  it('disable, severity overrides and failOn change what runs and what fails', async () => {
    const config = { disable: ['manifest-missing'], severity: { 'package-unpinned': 'error' as const } };
    const run = await lintPaths([footguns], { config });
    const policies = run.findings.map((f) => f.policy);
    expect(policies).not.toContain('manifest-missing');
    expect(run.findings.find((f) => f.policy === 'package-unpinned')?.severity).toBe('error');
    expect(run.summary.policies).toBe(21);
  });

  it('fails only at or above failOn', async () => {
    // Only warnings here: ebs/imds/ssh-open/tags.
    const warningsOnly = `${FIX}/policies/ebs-unencrypted/bad.pkr.hcl`;
    const atError = await lintPaths([warningsOnly], { policies: builtin });
    expect(atError.summary.errors).toBe(0);
    expect(atError.summary.warnings).toBeGreaterThan(0);
    expect(atError.summary.exitCode).toBe(0);
    const atWarning = await lintPaths([warningsOnly], { policies: builtin, failOn: 'warning' });
    expect(atWarning.summary.exitCode).toBe(1);
  });

  it('lint.settings become check parameters (tags-missing keys)', async () => {
    const run = await lintPaths([footguns], {
      config: {
        settings: {
          'tags-missing': { requiredTags: ['Team', { name: 'Cost centre', anyOf: ['CostCenter'] }] },
        },
      },
    });
    expect(run.findings.find((f) => f.policy === 'tags-missing')?.message).toContain(
      'lack Team, Cost centre',
    );
  });

  it('the built-in tags-missing accepts the tags its docs name: SHA / Time / OS / Builder', async () => {
    const dir = tempDir();
    const tags = (keys: string[]) =>
      `source "amazon-ebs" "x" {\n  region = "eu-west-1"\n  tags = {\n${keys.map((k) => `    ${k} = "v"\n`).join('')}  }\n}\nbuild { sources = ["source.amazon-ebs.x"] }\n`;
    writeFileSync(join(dir, 'stob.pkr.hcl'), tags(['SHA', 'Time', 'OS', 'Builder']));
    mkdirSync(join(dir, 'partial'));
    writeFileSync(join(dir, 'partial/p.pkr.hcl'), tags(['SHA', 'OS']));
    const run = await lintPaths([dir], { policies: builtin });
    const tagFindings = run.findings.filter((f) => f.policy === 'tags-missing');
    expect(tagFindings.map((f) => [f.file.replace(`${dir}/`, ''), f.message])).toEqual([
      [
        'partial/p.pkr.hcl',
        'amazon-ebs.x: tags lack Time, Builder; tag every image with git SHA, build time, base OS and builder',
      ],
    ]);
  });

  it('invalid settings and unknown policy ids are bad input naming the key', async () => {
    await expect(
      lintPaths([footguns], {
        config: { settings: { 'tags-missing': { requiredTags: 5 } } },
        configFile: 'imagegate.yaml',
      }),
    ).rejects.toThrow(/imagegate\.yaml: lint\.settings\.tags-missing\.requiredTags: must be array/);
    await expect(lintPaths([footguns], { config: { disable: ['no-such-policy'] } })).rejects.toThrow(
      /lint\.disable: unknown policy id "no-such-policy"/,
    );
  });
});

describe('user policy directories', () => {
  it('run user policies written as data, next to the built-ins', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 't.pkr.hcl'),
      'source "docker" "a" {\n  image = "debian:bookworm"\n  commit = true\n}\nbuild {\n  sources = ["source.docker.a"]\n  provisioner "shell" {\n    inline = ["chmod 644 /etc/app.conf", "sudo chmod -R 777 /srv"]\n  }\n}\n',
    );
    const run = await lintPaths([dir], { policyDirs: [`${FIX}/custom-policies`] });
    const custom = run.findings.filter((f) => f.policy === 'no-chmod-777');
    expect(custom.map((f) => [f.line, f.severity])).toEqual([[8, 'error']]);
    expect(run.summary.policies).toBe(23);
    const alone = await lintPaths([dir], { policyDirs: [`${FIX}/custom-policies`], builtin: false });
    expect(new Set(alone.findings.map((f) => f.policy))).toEqual(new Set(['no-chmod-777']));
  });

  it('an invalid policy file is bad input naming file, line and key', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'bad-policy.yaml'),
      'id: bad-policy\nseverity: critical\ntitle: t\nrationale: r\nremediation: m\nreferences: []\ncheck:\n  type: shell-command\n  commands: [x]\n  message: m\n',
    );
    const err = await lintPaths([`${FIX}/hardened`], { policyDirs: [dir] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LintInputError);
    expect((err as Error).message).toMatch(
      /bad-policy\.yaml:2:\d+: invalid policy: severity: must be one of "error", "warning", "info"/,
    );
  });

  it('rejects unknown check parameters, bad regexes, id/file-name mismatches and duplicate ids', async () => {
    const write = (name: string, body: string) => {
      const dir = tempDir();
      writeFileSync(join(dir, name), body);
      return dir;
    };
    const head = 'severity: error\ntitle: t\nrationale: r\nremediation: m\nreferences: []\n';
    const typo = write(
      'p.yaml',
      `id: p\n${head}check:\n  type: shell-command\n  comands: [x]\n  message: m\n`,
    );
    await expect(loadPolicySet({ dirs: [typo] })).rejects.toThrow(/p\.yaml:\d+:\d+: invalid policy: check/);
    const regex = write(
      'p.yaml',
      `id: p\n${head}check:\n  type: variable\n  nameMatches: "(unclosed"\n  sensitive: false\n  message: m\n`,
    );
    await expect(loadPolicySet({ dirs: [regex] })).rejects.toThrow(
      /p\.yaml: check variable: nameMatches: invalid regular expression/,
    );
    const misnamed = write(
      'q.yaml',
      `id: p\n${head}check:\n  type: template-format\n  format: json\n  message: m\n`,
    );
    await expect(loadPolicySet({ dirs: [misnamed] })).rejects.toThrow(
      /q\.yaml:1:\d+: policy id "p" must match its file name/,
    );
    const dup = write(
      'manifest-missing.yaml',
      `id: manifest-missing\n${head}check:\n  type: template-format\n  format: json\n  message: m\n`,
    );
    await expect(loadPolicySet({ dirs: [dup] })).rejects.toThrow(
      /already defined in .*policies\/manifest-missing\.yaml/,
    );
  });
});

describe('bad paths', () => {
  it('an unreadable path is bad input', async () => {
    await expect(lintPaths(['does/not/exist'], { policies: builtin })).rejects.toThrow(LintInputError);
  });

  it('a directory without templates is bad input', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'empty'));
    await expect(lintPaths([join(dir, 'empty')], { policies: builtin })).rejects.toThrow(
      /no Packer templates found/,
    );
  });
});

describe('built-in catalog', () => {
  it('every built-in YAML is valid against the schema and the bundled catalog matches it', () => {
    const fromYaml = readPolicyDir(BUILTIN_POLICY_DIR);
    expect(fromYaml).toHaveLength(22);
    expect(readBuiltinPolicies()).toEqual(fromYaml);
  });

  it('docs/policies.md and the catalog are up to date (gen-policy-catalog --check)', () => {
    const r = spawnSync(process.execPath, ['scripts/gen-policy-catalog.mjs', '--check'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);

  it('--check notices a stale page after a policy changes', () => {
    const dir = tempDir();
    cpSync('policies', join(dir, 'policies'), { recursive: true });
    cpSync('docs/policies.md', join(dir, 'policies.md'));
    const args = ['--policies', join(dir, 'policies'), '--docs', join(dir, 'policies.md')];
    execFileSync(process.execPath, ['scripts/gen-policy-catalog.mjs', '--check', ...args]);
    const file = join(dir, 'policies', 'manifest-missing.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('No manifest post-processor', 'No manifest at all'),
    );
    const r = spawnSync(process.execPath, ['scripts/gen-policy-catalog.mjs', '--check', ...args], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stale: .*catalog\.generated\.json, .*policies\.md/);
  }, 60_000);
});

describe('keepModels: false (what the CLI asks for)', () => {
  it('finds the same, in the same order, and keeps only what a report renders of each template', async () => {
    const paths = [`${FIX}/suppressions`, `${FIX}/syntax`];
    const whole = await lintPaths(paths, { policies: builtin });
    const lean = await lintPaths(paths, { policies: builtin, keepModels: false });
    expect(lean.findings).toEqual(whole.findings);
    expect(lean.summary).toEqual(whole.summary);
    expect(lean.notApplicable).toEqual(whole.notApplicable);
    expect(lean.templates.map((t) => Object.keys(t).sort())).toEqual(
      whole.templates.map(() => ['files', 'format', 'note', 'path', 'text']),
    );
    expect(lean.templates.map((t) => [t.path, t.files, t.text])).toEqual(
      whole.templates.map((t) => [t.path, t.files, t.text]),
    );
    // The default keeps whole models: gate reads their sources and builds.
    expect(whole.templates[0]).toHaveProperty('builds');
  });
});
