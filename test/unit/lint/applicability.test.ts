import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKS } from '../../../src/lint/checks/index.js';
import { lintTemplate } from '../../../src/lint/engine.js';
import { type LoadedPolicy, loadPolicySet } from '../../../src/lint/policies.js';
import { lintPaths } from '../../../src/lint/run.js';
import type { CheckSpec } from '../../../src/lint/types.js';
import { formatJson } from '../../../src/report/lint/json.js';
import { formatJunit } from '../../../src/report/lint/junit.js';
import type { Template } from '../../../src/template/model.js';
import { at, block, build, provisioner, sh, source, template } from './template-builder.js';

const FIX = 'test/fixtures/lint';
/** Policies that judge only amazon sources. */
const AMAZON_ONLY = [
  'ami-filter-owners-missing',
  'build-ssh-open-world',
  'ebs-unencrypted',
  'imdsv2-not-required',
  'source-ami-hardcoded',
  'tags-missing',
];

let builtin: LoadedPolicy[];
beforeAll(async () => {
  builtin = await loadPolicySet();
});

function applies(spec: CheckSpec & { message: string }, t: Template): boolean {
  return CHECKS[spec.type]!.applies?.(spec, t) ?? true;
}

describe('not-applicable policies per template', () => {
  it('a docker-only template: AMI and VM policies are n/a, the shell and build policies apply', async () => {
    const run = await lintPaths([`${FIX}/applicability/docker-only`], { policies: builtin });
    expect(run.findings).toEqual([]);
    const na = run.notApplicable[`${FIX}/applicability/docker-only`];
    expect(na).toEqual(
      [
        ...AMAZON_ONLY,
        'artifact-name-static',
        'cleanup-missing',
        'file-upload-privileged-path',
        'plugin-version-unbounded',
        'post-processor-unscoped',
        'ssh-username-root',
      ].sort(),
    );
    // Shell runs on the docker source, so these judged something and passed.
    for (const id of ['apt-noninteractive', 'package-unpinned', 'systemd-in-container', 'manifest-missing'])
      expect(na).not.toContain(id);
  });

  it('without provisioners the shell policies are n/a too', async () => {
    const run = await lintPaths([`${FIX}/applicability/docker-bare`], { policies: builtin });
    const na = run.notApplicable[`${FIX}/applicability/docker-bare`]!;
    for (const id of [
      'apt-noninteractive',
      'package-unpinned',
      'remote-script-piped',
      'systemd-in-container',
    ])
      expect(na).toContain(id);
    // Every template has a format and may hold a secret anywhere: always judged.
    expect(na).not.toContain('legacy-json-template');
    expect(na).not.toContain('secret-in-template');
  });

  it('an amazon-ebs template: the AMI policies apply (and pass), not n/a', async () => {
    const run = await lintPaths([`${FIX}/hardened`], { policies: builtin });
    expect(run.findings).toEqual([]);
    // Only the plugin policy: the hardened template has no required_plugins to judge.
    expect(run.notApplicable[`${FIX}/hardened`]).toEqual(['plugin-version-unbounded']);
  });

  it('follows lint.settings: a policy re-aimed at docker sources applies to a docker template', async () => {
    const policies = await loadPolicySet({
      config: { settings: { 'tags-missing': { builders: ['docker'] } } },
    });
    const run = await lintPaths([`${FIX}/applicability/docker-only`], { policies });
    expect(run.notApplicable[`${FIX}/applicability/docker-only`]).not.toContain('tags-missing');
    expect(run.notApplicable[`${FIX}/applicability/docker-only`]).toContain('ebs-unencrypted');
  });

  it('says nothing is n/a when the template has syntax errors: what is missing may be unread', async () => {
    const run = await lintPaths([`${FIX}/syntax`], { policies: builtin });
    expect(Object.values(run.notApplicable)).toEqual([[]]);
  });

  it('a policy that found something applied, whatever its applicability test says', () => {
    const t = template();
    const policy = {
      ...builtin.find((p) => p.id === 'tags-missing')!,
      run: () => [{ message: 'found', pos: at(1) }],
      applies: () => false,
    };
    const quiet = { ...policy, id: 'quiet', run: () => [] };
    expect(lintTemplate(t, [policy, quiet]).notApplicable).toEqual(['quiet']);
  });
});

describe('check applicability from the check parameters', () => {
  const message = 'm';

  it('source checks apply when a source has one of their builder types, and `when` is present', () => {
    const dockerOnly = template({ sources: [source('docker', 'a', 1, {})] });
    const ami = template({ sources: [source('amazon-ebs', 'b', 1, { source_ami: 'ami-1' })] });
    const spec = {
      type: 'source-attribute',
      builders: ['amazon-*'],
      attribute: 'source_ami',
      literal: true,
      message,
    };
    expect(applies(spec, dockerOnly)).toBe(false);
    expect(applies(spec, ami)).toBe(true);
    const owners = {
      type: 'source-attribute-missing',
      builders: ['amazon-*'],
      when: 'source_ami_filter',
      attribute: 'source_ami_filter.owners',
      message,
    };
    expect(applies(owners, ami)).toBe(false);
    const filtered = template({
      sources: [source('amazon-ebs', 'c', 1, {}, [block('source_ami_filter', 3, { most_recent: true })])],
    });
    expect(applies(owners, filtered)).toBe(true);
  });

  it('shell-command with sourceTypes applies only where a shell provisioner runs on such a source', () => {
    const shell = provisioner('shell', 10, { except: ['docker.app'] });
    const both = [source('docker', 'app', 1, {}), source('amazon-ebs', 'vm', 5, {})];
    const spec = { type: 'shell-command', commands: ['systemctl'], sourceTypes: ['docker'], message };
    const scopedAway = template({
      sources: both,
      builds: [build(['source.docker.app', 'source.amazon-ebs.vm'], [shell])],
      shell: [sh('systemctl enable nginx', shell)],
    });
    expect(applies(spec, scopedAway)).toBe(false);
    const open = provisioner('shell', 10);
    const runsOnDocker = template({ sources: both, builds: [build(['source.docker.app'], [open])] });
    // No command extracted (`inline = var.steps`), yet a shell runs there: applicable.
    expect(applies(spec, runsOnDocker)).toBe(true);
    const unscoped = { type: 'shell-command', commands: ['systemctl'], message };
    expect(applies(unscoped, template({ sources: both, builds: [build(['source.docker.app'], [])] }))).toBe(
      false,
    );
  });

  it('cleanup applies to VM sources of a build, not to container-only builds', () => {
    const spec = {
      type: 'cleanup-missing',
      exceptBuilders: ['docker'],
      shellProvisioners: ['shell'],
      requirements: [],
      message,
    };
    const sources = [source('docker', 'app', 1, {}), source('amazon-ebs', 'vm', 5, {})];
    expect(applies(spec, template({ sources, builds: [build(['source.docker.app'], [])] }))).toBe(false);
    expect(applies(spec, template({ sources, builds: [build(['docker.app', 'amazon-ebs.vm'], [])] }))).toBe(
      true,
    );
  });
});

describe('lint outputs', () => {
  it('JUnit marks an n/a policy skipped, not passed; JSON lists the ids per template', async () => {
    const run = await lintPaths([`${FIX}/applicability/docker-only`, `${FIX}/footguns`], {
      policies: builtin,
    });
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(formatJunit(run));
    const suites = xml.testsuites.testsuite as {
      name: string;
      skipped: string;
      testcase: { name: string; skipped?: { message: string }; failure?: unknown }[];
    }[];
    const docker = suites.find((s) => s.name === `${FIX}/applicability/docker-only`)!;
    const tags = docker.testcase.find((c) => c.name === 'tags-missing')!;
    expect(tags.skipped?.message).toMatch(/not applicable/);
    expect(docker.testcase.find((c) => c.name === 'apt-noninteractive')!.skipped).toBeUndefined();
    expect(docker.skipped).toBe(String(run.notApplicable[`${FIX}/applicability/docker-only`]!.length));
    // On the amazon template the same policy fails; failing beats skipping.
    const footguns = suites.find((s) => s.name === `${FIX}/footguns`)!;
    expect(footguns.testcase.find((c) => c.name === 'tags-missing')!.failure).toBeDefined();
    expect(xml.testsuites.skipped).toBe(
      String(Object.values(run.notApplicable).reduce((n, ids) => n + ids.length, 0)),
    );

    const json = JSON.parse(formatJson(run)) as { notApplicable: Record<string, string[]> };
    expect(json.notApplicable).toEqual(run.notApplicable);
  });
});
