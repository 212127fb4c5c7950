import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LoadedPolicy, loadPolicySet } from '../../../src/lint/policies.js';
import { type LintOptions, lintPaths } from '../../../src/lint/run.js';
import type { Finding } from '../../../src/lint/types.js';

/**
 * Regression fixtures for the false alarms and misses found on real repositories (issue 16).
 * Each writes a small tree shaped like the repositories where the class was seen.
 */

let builtin: LoadedPolicy[];
beforeAll(async () => {
  builtin = await loadPolicySet();
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'imagegate-rw-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

async function lint(paths: string[], opts: LintOptions = {}) {
  return lintPaths(paths, { policies: builtin, ...opts });
}

const of = (findings: Finding[], policy: string) => findings.filter((f) => f.policy === policy);

const LOCAL_SOURCE = `source "qemu" "box" {
  iso_url      = "https://example.org/x.iso"
  iso_checksum = "none"
  ssh_username = "vagrant"
}
`;

describe('template units', () => {
  it('lints a folder of independent templates file by file, saying so', async () => {
    const one = (name: string) => `variable "version" {
  type    = string
  default = "1"
}
${LOCAL_SOURCE.replace('"box"', `"${name}"`)}
build {
  sources = ["source.qemu.${name}"]
}
`;
    const root = tree({ 'boxes/a.pkr.hcl': one('a'), 'boxes/b.pkr.hcl': one('b') });
    const run = await lint([root]);
    expect(of(run.findings, 'syntax')).toEqual([]);
    expect(run.templates.map((t) => t.path)).toEqual([
      join(root, 'boxes/a.pkr.hcl'),
      join(root, 'boxes/b.pkr.hcl'),
    ]);
    expect(run.notes).toEqual([expect.stringContaining('linted file by file')]);
    expect(run.summary.exitCode).not.toBe(2);
  });

  it('keeps a folder one template when a file alone declares a name twice (a real error)', async () => {
    const root = tree({
      't/a.pkr.hcl': 'variable "x" {}\nvariable "x" {}\n',
      't/b.pkr.hcl': 'variable "x" {}\n',
    });
    const run = await lint([root]);
    expect(run.templates.map((t) => t.path)).toEqual([join(root, 't')]);
    expect(of(run.findings, 'syntax').length).toBeGreaterThan(0);
  });
});

describe('relative script paths', () => {
  const template = (script: string) => `{
  "builders": [{ "type": "qemu", "iso_url": "x", "iso_checksum": "none", "ssh_username": "vagrant" }],
  "provisioners": [{ "type": "shell", "script": "${script}" }]
}
`;

  it('finds a script Packer reads from a parent working directory, and lints it', async () => {
    // kubernetes-sigs/image-builder runs Packer in images/capi: "./packer/files/x.sh".
    const root = tree({
      'capi/packer/ami/packer.json': template('./packer/files/x.sh'),
      'capi/packer/files/x.sh': 'curl -fsSL https://get.example.org | sh\n',
    });
    const run = await lint([root]);
    expect(of(run.findings, 'syntax')).toEqual([]);
    expect(of(run.findings, 'file-missing')).toEqual([]);
    expect(of(run.findings, 'remote-script-piped').map((f) => f.file)).toEqual([
      join(root, 'capi/packer/files/x.sh'),
    ]);
  });

  it('finds a script Packer reads from a sibling folder (../../common/…)', async () => {
    const root = tree({
      'vro/common/base.json': template('../../common/scripts/c.sh'),
      'vro/common/scripts/c.sh': 'echo hi\n',
    });
    const run = await lint([root]);
    expect(run.findings.filter((f) => f.policy === 'syntax' || f.policy === 'file-missing')).toEqual([]);
  });

  it('reports a script found nowhere as file-missing, not syntax', async () => {
    const root = tree({ 'box/t.json': template('../scripts/gone.sh') });
    const run = await lint([root]);
    expect(of(run.findings, 'syntax')).toEqual([]);
    expect(of(run.findings, 'file-missing')).toEqual([
      expect.objectContaining({
        severity: 'error',
        message: expect.stringContaining('"../scripts/gone.sh" is missing'),
      }),
    ]);
    expect(run.summary.exitCode).toBe(1);
  });

  it('resolves against --packer-dir only, when given', async () => {
    const root = tree({
      'a/t.json': template('./s.sh'),
      'a/s.sh': 'echo in template dir\n',
      'run/s.sh': 'echo in packer dir\n',
    });
    const here = await lint([root], { packerDir: join(root, 'run') });
    expect(here.templates[0]?.files).toContain(join(root, 'run/s.sh'));
    const elsewhere = await lint([root], { packerDir: join(root, 'nowhere') });
    expect(of(elsewhere.findings, 'file-missing')).toHaveLength(1);
  });
});

describe('duplicates', () => {
  it('reports a script line shared by several builds once, naming the builds', async () => {
    const build = (name: string) => `build {
  name    = "${name}"
  sources = ["source.qemu.box"]
  provisioner "shell" {
    script = "install.sh"
  }
}
`;
    const root = tree({
      't/main.pkr.hcl': LOCAL_SOURCE + build('one') + build('two') + build('three'),
      't/install.sh': 'yum install -y nginx\n',
    });
    const run = await lint([root]);
    const pins = of(run.findings, 'package-unpinned');
    expect(pins).toHaveLength(1);
    expect(pins[0]?.message).toContain('[runs in 3 builds: one, two, three]');
  });
});
