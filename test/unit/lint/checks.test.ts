import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../../src/lint/checks/index.js';
import { isBounded } from '../../../src/lint/checks/plugin-version-unbounded.js';
import { hasAnyFlag, optionValue, positionals } from '../../../src/lint/shell-args.js';
import type { CheckSpec } from '../../../src/lint/types.js';
import type { Template } from '../../../src/template/model.js';
import { block, build, lit, obj, provisioner, ref, sh, source, template, tuple } from './template-builder.js';

/** Run one primitive with parameters, as a policy file would name it. */
function run(spec: CheckSpec & { message: string }, t: Template) {
  return CHECKS[spec.type]!.prepare(spec)(t);
}

describe('shell argument reading', () => {
  it('finds one-letter flags inside clusters, long flags with values, and option values', () => {
    expect(hasAnyFlag(['-qy', 'install'], ['-y'])).toBe(true);
    expect(hasAnyFlag(['-q', 'install', 'yes'], ['-y'])).toBe(false);
    expect(hasAnyFlag(['--assume-yes=true'], ['--assume-yes'])).toBe(true);
    expect(hasAnyFlag(['-o', 'APT::Get::Assume-Yes=true'], ['APT::Get::Assume-Yes=true'])).toBe(true);
    // After `--` nothing is an option.
    expect(hasAnyFlag(['--', '-y'], ['-y'])).toBe(false);
  });

  it('skips option values when listing positionals', () => {
    expect(positionals(['-o', 'Dpkg::Options::=--force-confold', 'install', 'nginx'], ['-o'])).toEqual([
      'install',
      'nginx',
    ]);
    expect(positionals(['install', '--', '-weird-name'])).toEqual(['install', '-weird-name']);
  });

  it('reads output options in every spelling curl and wget accept', () => {
    expect(optionValue(['-fsSLo', '/tmp/x.sh', 'https://e'], ['-o'])).toBe('/tmp/x.sh');
    expect(optionValue(['-o/tmp/y', 'https://e'], ['-o'])).toBe('/tmp/y');
    expect(optionValue(['--output=/tmp/z', 'https://e'], ['--output'])).toBe('/tmp/z');
    expect(optionValue(['-fsSL', 'https://e'], ['-o'])).toBeUndefined();
  });
});

describe('plugin version bounds', () => {
  it('treats <, <=, ~>, = and bare versions as bounded; >= alone is not', () => {
    expect(isBounded('~> 1.3')).toBe(true);
    expect(isBounded('>= 1.0.8, < 2.0.0')).toBe(true);
    expect(isBounded('1.1.1')).toBe(true);
    expect(isBounded('>= 1.3.0')).toBe(false);
    expect(isBounded('>= 1.0, != 1.2.0')).toBe(false);
    expect(isBounded('')).toBe(false);
  });
});

describe('source-attribute / source-attribute-missing', () => {
  const t = template({
    sources: [
      source('amazon-ebs', 'a', 1, {
        ssh_username: 'root',
        cidrs: tuple([lit('10.0.0.0/8', 3), lit('0.0.0.0/0', 3)], 3),
      }),
      source('amazon-ebs', 'b', 10, { ssh_username: ref('var.user') }, [
        block('metadata_options', 12, { http_tokens: 'optional' }),
      ]),
      source('docker', 'c', 20, { ssh_username: 'root' }),
    ],
  });

  it('matches literal values only, on matching builder types', () => {
    const hits = run(
      {
        type: 'source-attribute',
        builders: ['amazon-*'],
        attribute: 'ssh_username',
        equals: 'root',
        message: '{source} {value}',
      },
      t,
    );
    expect(hits.map((h) => h.message)).toEqual(['amazon-ebs.a root']);
  });

  it('points at the offending tuple item', () => {
    const hits = run(
      {
        type: 'source-attribute',
        builders: ['amazon-ebs'],
        attribute: 'cidrs',
        equals: ['0.0.0.0/0'],
        message: '{value}',
      },
      t,
    );
    expect(hits).toHaveLength(1);
    expect(hits[0]!.message).toBe('0.0.0.0/0');
  });

  it('follows dotted paths into nested blocks and reports wrong literals and absences', () => {
    const hits = run(
      {
        type: 'source-attribute-missing',
        builders: ['amazon-ebs'],
        attribute: 'metadata_options.http_tokens',
        expected: 'required',
        message: '{source}:{value}',
      },
      t,
    );
    expect(hits.map((h) => h.message)).toEqual(['amazon-ebs.a:', 'amazon-ebs.b:optional']);
  });

  it('`unless` makes the requirement moot and `when` limits it to sources with a block', () => {
    const spec = {
      type: 'source-attribute-missing',
      builders: ['amazon-ebs'],
      attribute: 'x',
      message: '{source}',
    };
    expect(
      run({ ...spec, unless: [{ attribute: 'ssh_username', equals: 'root' }] }, t).map((h) => h.message),
    ).toEqual(['amazon-ebs.b']);
    expect(run({ ...spec, when: 'metadata_options' }, t).map((h) => h.message)).toEqual(['amazon-ebs.b']);
  });
});

describe('shell-command', () => {
  const prov = provisioner('shell', 30);
  const vmOnly = provisioner('shell', 40, { only: ['amazon-ebs.vm'] });
  const t = template({
    sources: [source('amazon-ebs', 'vm', 1, {}), source('docker', 'box', 10, {})],
    builds: [build(['source.amazon-ebs.vm', 'source.docker.box'], [prov, vmOnly])],
    shell: [
      sh('systemctl enable nginx', prov, { line: 31 }),
      sh('systemctl enable ssh', prov, { line: 32, guarded: true }),
      sh('systemctl enable cron', vmOnly, { line: 41 }),
    ],
  });

  it('narrows by the builder types the provisioner runs on and by guards', () => {
    const hits = run(
      {
        type: 'shell-command',
        commands: ['systemctl'],
        sourceTypes: ['docker'],
        unlessGuarded: true,
        message: '{text}',
      },
      t,
    );
    expect(hits.map((h) => h.pos.line)).toEqual([31]);
  });

  it('without narrowing reports every occurrence', () => {
    const hits = run({ type: 'shell-command', commands: ['systemctl'], message: 'x' }, t);
    expect(hits.map((h) => h.pos.line)).toEqual([31, 32, 41]);
  });
});

describe('tags-missing', () => {
  const spec = {
    type: 'tags-missing',
    builders: ['amazon-ebs'],
    attribute: 'tags',
    requiredTags: ['Team', { name: 'SHA', anyOf: ['Git-SHA', 'Commit'] }],
    message: '{missing}',
  };

  it('compares keys without case or punctuation and follows locals through merge()', () => {
    const t = template({
      locals: [
        {
          name: 'common',
          value: obj({ git_sha: ref('var.sha') }),
          sensitive: false,
          pos: { file: 'x', line: 1, column: 1, endLine: 1, endColumn: 1 },
        },
      ],
      sources: [
        source('amazon-ebs', 'a', 1, {
          tags: {
            kind: 'call',
            name: 'merge',
            args: [ref('local.common'), obj({ TEAM: lit('x') })],
            source: 'merge(…)',
            pos: { file: 'x', line: 2, column: 1, endLine: 2, endColumn: 1 },
          },
        }),
        source('amazon-ebs', 'b', 10, { tags: obj({ team: lit('x') }) }),
      ],
    });
    expect(run(spec, t).map((h) => h.message)).toEqual(['SHA']);
  });

  it('a tag literally named as the requirement satisfies it, whatever spellings anyOf lists', () => {
    const t = template({
      sources: [source('amazon-ebs', 'a', 1, { tags: obj({ Team: lit('x'), SHA: lit('y') }) })],
    });
    expect(run(spec, t)).toEqual([]);
  });

  it('gives tags it cannot see into the benefit of the doubt', () => {
    const t = template({ sources: [source('amazon-ebs', 'a', 1, { tags: ref('var.tags') })] });
    expect(run(spec, t)).toEqual([]);
  });
});

describe('secret-in-template never echoes the value', () => {
  it('names the kind and the place only', () => {
    const prov = provisioner('shell', 5);
    const t = template({
      variables: [
        {
          name: 'api_key',
          default: lit('abcd1234secret', 2),
          sensitive: true,
          pos: { file: 'x', line: 1, column: 1, endLine: 1, endColumn: 1 },
        },
      ],
      shell: [sh('echo AKIAIOSFODNN7EXAMPLE', prov, { line: 6 })],
      builds: [build([], [prov])],
    });
    const spec = {
      type: 'secret-in-template',
      valuePatterns: [{ name: 'an AWS access key id', regex: '\\bAKIA[0-9A-Z]{16}\\b' }],
      secretNames: '(?i)(secret|api[_-]?key)',
      secretNamesExclude: '_file$',
      referenceValues: '^\\$',
      message: '{kind} in {where}',
    };
    const messages = run(spec, t).map((h) => h.message);
    expect(messages).toEqual([
      'an AWS access key id in the `echo` command',
      'a literal api_key in the default of variable api_key',
    ]);
    expect(messages.join(' ')).not.toMatch(/AKIAIOSFODNN7EXAMPLE|abcd1234secret/);
  });
});
