import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SuiteError } from '../../../src/suite/errors.js';
import { listBuiltinSuites, loadSuite, loadVars } from '../../../src/suite/load.js';

const F = 'test/fixtures/suite';

async function loadError(file: string, opts = {}): Promise<SuiteError> {
  try {
    await loadSuite(file, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(SuiteError);
    expect((err as SuiteError).exitCode).toBe(78);
    return err as SuiteError;
  }
  throw new Error(`${file} loaded without error`);
}

describe('loadSuite: plain gossfiles', () => {
  it('reads YAML with title, meta, skip and source lines', async () => {
    const suite = await loadSuite(`${F}/basic/goss.yaml`, {});
    const byKey = Object.fromEntries(suite.resources.map((r) => [`${r.type}:${r.key}`, r]));
    const passwd = byKey['file:/etc/passwd']!;
    expect(passwd.attrs).toEqual({ exists: true, mode: '0644', contents: ['root', '!/^toor:/'] });
    expect(passwd.title).toBe('passwd exists');
    expect(passwd.meta).toEqual({ owner: 'security' });
    expect(passwd.skip).toBe(false);
    expect(passwd.source).toEqual({ file: `${F}/basic/goss.yaml`, line: 2 });
    expect(byKey['command:echo hello']!.attrs).toEqual({
      'exit-status': 0,
      stdout: ['hello'],
      timeout: 5000,
    });
    expect(byKey['command:echo hello']!.source.line).toBe(11);
    expect(byKey['user:nobody']!.skip).toBe(true);
    expect(suite.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(suite.warnings).toEqual([]);
  });

  it('reads JSON gossfiles', async () => {
    const suite = await loadSuite(`${F}/basic/goss.json`, {});
    expect(suite.resources.map((r) => `${r.type}:${r.key}`)).toEqual(['package:openssl', 'port:tcp:22']);
    expect(suite.resources[0]!.attrs.versions).toEqual({ 'semver-constraint': '>=3.0.0' });
  });

  it('the digest changes when the rendered content changes, not otherwise', async () => {
    const a = await loadSuite(`${F}/templated/goss.yaml`, {
      vars: [`${F}/templated/vars.yaml`],
      env: { OS: 'debian' },
    });
    const b = await loadSuite(`${F}/templated/goss.yaml`, {
      vars: [`${F}/templated/vars.yaml`],
      env: { OS: 'debian' },
    });
    const c = await loadSuite(`${F}/templated/goss.yaml`, {
      vars: [`${F}/templated/vars.yaml`],
      env: { OS: 'centos' },
    });
    expect(a.digest).toBe(b.digest);
    expect(a.digest).not.toBe(c.digest);
  });
});

describe('loadSuite: vars and templates', () => {
  it('renders with vars files and env', async () => {
    const suite = await loadSuite(`${F}/templated/goss.yaml`, {
      vars: [`${F}/templated/vars.yaml`],
      env: { OS: 'debian' },
    });
    const keys = suite.resources.map((r) => `${r.type}:${r.key}`);
    expect(keys).toEqual(['package:curl', 'package:openssl', 'user:alice', 'user:bob']);
    expect(suite.resources.find((r) => r.key === 'alice')!.attrs.home).toBe('/home/alice');
    expect(suite.resources[0]!.source.file).toBe(`${F}/templated/goss.yaml (rendered)`);
  });

  it('later vars files win, --vars-inline wins over files', async () => {
    const files = [`${F}/templated/vars.yaml`, `${F}/templated/override.json`];
    const fromFiles = await loadSuite(`${F}/templated/goss.yaml`, { vars: files, env: { OS: 'debian' } });
    expect(fromFiles.resources.filter((r) => r.type === 'user').map((r) => r.key)).toEqual(['carol']);
    const inline = await loadSuite(`${F}/templated/goss.yaml`, {
      vars: files,
      varsInline: '{"users": ["dave"]}',
      env: { OS: 'debian' },
    });
    expect(inline.resources.filter((r) => r.type === 'user').map((r) => r.key)).toEqual(['dave']);
  });

  it('--vars-inline accepts YAML too', () => {
    expect(loadVars([], 'a: 1\nb: [x]')).toEqual({ a: 1, b: ['x'] });
  });

  it('takes the else-if and else branches', async () => {
    const centos = await loadSuite(`${F}/templated/goss.yaml`, {
      vars: [`${F}/templated/vars.yaml`],
      env: { OS: 'centos' },
    });
    expect(centos.resources.map((r) => `${r.type}:${r.key}`)).toEqual([
      'file:/etc/redhat-release',
      'package:openssl',
    ]);
    const other = await loadSuite(`${F}/templated/goss.yaml`, {
      varsInline: '{"arch": {"packages": {}}}',
      env: { OS: 'arch' },
    });
    expect(other.resources).toEqual([
      expect.objectContaining({ key: '/etc/unknown', attrs: { exists: false } }),
    ]);
  });

  it('rejects vars that are not a map', async () => {
    const err = await loadError(`${F}/basic/goss.yaml`, { varsInline: '[1, 2]' });
    expect(err.message).toMatch(/--vars-inline: vars must be a map/);
  });

  it('a missing vars file is a suite error', async () => {
    const err = await loadError(`${F}/basic/goss.yaml`, { vars: ['/nonexistent/vars.yaml'] });
    expect(err.message).toMatch(/\/nonexistent\/vars\.yaml: cannot read vars file: ENOENT/);
  });
});

describe('loadSuite: includes', () => {
  it('follows gossfile globs relative to the including file; a skipped include is never read', async () => {
    const suite = await loadSuite(`${F}/includes/goss.yaml`, {});
    const got = suite.resources.map((r) => [`${r.type}:${r.key}`, r.skip, r.source.file]);
    // goss merges includes in sorted key order: other.yaml before sub/*.yaml.
    expect(got).toEqual([
      ['file:/etc/hosts', false, `${F}/includes/other.yaml`],
      ['service:ssh', false, `${F}/includes/other.yaml`],
      ['user:root', false, `${F}/includes/sub/a.yaml`],
      ['group:root', false, `${F}/includes/sub/b.yaml`],
    ]);
  });

  it('a resource defined twice warns and the last definition wins', async () => {
    const suite = await loadSuite(`${F}/includes/goss.yaml`, {});
    const hosts = suite.resources.filter((r) => r.key === '/etc/hosts');
    expect(hosts).toHaveLength(1);
    expect(hosts[0]!.attrs).toEqual({ exists: false });
    expect(suite.warnings).toEqual([
      `${F}/includes/other.yaml:5: file "/etc/hosts" is also defined at ${F}/includes/goss.yaml:8; the last definition wins (as in goss)`,
    ]);
  });

  it('a file included twice is merged once, without a warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ig-twice-'));
    writeFileSync(join(dir, 'common.yaml'), 'user:\n  root:\n    exists: true\n');
    writeFileSync(join(dir, 'part.yaml'), 'gossfile:\n  common.yaml: {}\n');
    writeFileSync(join(dir, 'goss.yaml'), 'gossfile:\n  common.yaml: {}\n  part.yaml: {}\n');
    const suite = await loadSuite(join(dir, 'goss.yaml'), {});
    expect(suite.resources.map((r) => `${r.type}:${r.key}`)).toEqual(['user:root']);
    expect(suite.warnings).toEqual([]);
  });

  it('an include glob that matches nothing refuses the suite, as goss does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ig-glob-'));
    writeFileSync(
      join(dir, 'goss.yaml'),
      'user:\n  root:\n    exists: true\ngossfile:\n  "parts/*.yaml": {}\n',
    );
    const err = await loadError(join(dir, 'goss.yaml'));
    expect(err.message).toMatch(/goss\.yaml:5: gossfile "parts\/\*\.yaml": no matched files were found/);
  });

  it('a duplicate key in one file is warned about with its position', async () => {
    const suite = await loadSuite(`${F}/bad/dup.yaml`, {});
    expect(suite.warnings).toEqual([`${F}/bad/dup.yaml:4:3: duplicate key "/etc/passwd": the last one wins`]);
    expect(suite.resources[0]!.attrs).toEqual({ exists: false });
  });

  it('included files are rendered with the same vars, and their content is part of the digest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ig-dig-'));
    writeFileSync(join(dir, 'goss.yaml'), 'gossfile:\n  inc.yaml: {}\n');
    writeFileSync(join(dir, 'inc.yaml'), 'user:\n  {{ .Vars.who }}:\n    exists: true\n');
    const a = await loadSuite(join(dir, 'goss.yaml'), { varsInline: '{"who": "alice"}' });
    expect(a.resources.map((r) => r.key)).toEqual(['alice']);
    const b = await loadSuite(join(dir, 'goss.yaml'), { varsInline: '{"who": "bob"}' });
    expect(b.digest).not.toBe(a.digest);
    writeFileSync(join(dir, 'inc.yaml'), 'user:\n  {{ .Vars.who }}:\n    exists: false\n');
    const c = await loadSuite(join(dir, 'goss.yaml'), { varsInline: '{"who": "alice"}' });
    expect(c.digest).not.toBe(a.digest);
  });

  it('detects include cycles', async () => {
    const err = await loadError(`${F}/cycle/a.yaml`);
    expect(err.message).toBe(
      `${F}/cycle/b.yaml:2: gossfile include cycle: ${F}/cycle/a.yaml -> ${F}/cycle/b.yaml -> ${F}/cycle/a.yaml (remove one of these includes)`,
    );
  });

  it('a missing include names the including file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ig-inc-'));
    writeFileSync(
      join(dir, 'goss.yaml'),
      'user:\n  root:\n    exists: true\ngossfile:\n  missing.yaml: {}\n',
    );
    const err = await loadError(join(dir, 'goss.yaml'));
    expect(err.message).toMatch(/goss\.yaml:5: gossfile .*missing\.yaml: cannot read: ENOENT$/);
  });
});

describe('loadSuite: what goss accepts, imagegate accepts', () => {
  it('runs a file written for goss unchanged (exec: true, mkSlice, pipes, have-key-with-value)', async () => {
    const suite = await loadSuite(`${F}/compat/goss.yaml`, {
      varsInline: '{"debian": {"packages": {"curl": "7.88.1-10"}}}',
      env: { OS: 'debian' },
    });
    const byKey = Object.fromEntries(suite.resources.map((r) => [`${r.type}:${r.key}`, r]));
    expect(Object.keys(byKey).sort()).toEqual([
      'command:command-override',
      'file:/etc/group',
      'file:/etc/passwd',
      'http:https://example.com/headers',
      'matching:has_foo_bar_and_baz',
      'package:curl',
      'package:foobar',
    ]);
    expect(byKey['command:command-override']!.attrs.exec).toBe('true');
    expect(byKey['package:curl']!.attrs.versions).toEqual(['7.88.1-10']);
  });

  it('refuses unknown attributes and resource types with file:line:col, as goss refuses them', async () => {
    const attr = await loadError(`${F}/bad/unknown-attr.yaml`);
    expect(attr.message).toBe(
      `${F}/bad/unknown-attr.yaml:4:5: invalid gossfile: file./etc/passwd.colour: unknown attribute for file`,
    );
    const near = await loadError(`${F}/bad/misspelt-attr.yaml`);
    expect(near.message).toBe(
      `${F}/bad/misspelt-attr.yaml:3:5: invalid gossfile: port.tcp:22.listen: unknown attribute for port (did you mean "listening"?)`,
    );
    const type = await loadError(`${F}/bad/unknown-type.yaml`);
    expect(type.message).toMatch(
      /^test\/fixtures\/suite\/bad\/unknown-type\.yaml:1:1: invalid gossfile: files: unknown resource type \(did you mean "file"\?\) \(known: addr, /,
    );
  });

  it('refuses a suite that checks nothing (goss: "found 0 tests")', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ig-empty-'));
    for (const [name, text] of [
      ['empty.yaml', ''],
      ['comments.yaml', '# nothing yet\n'],
      ['no-assertions.yaml', 'service:\n  sshd: {}\n'],
      ['only-skipped-include.yaml', 'gossfile:\n  other.yaml:\n    skip: true\n'],
    ]) {
      writeFileSync(join(dir, name!), text!);
      const err = await loadError(join(dir, name!));
      expect(err.message).toMatch(new RegExp(`${name!.replace('.', '\\.')}:1: found 0 tests`));
    }
  });

  it('a resource without its required attribute still counts: goss fails it as a syntax error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ig-req-'));
    writeFileSync(join(dir, 'goss.yaml'), 'command:\n  echo hi:\n    stdout: [hi]\n');
    const suite = await loadSuite(join(dir, 'goss.yaml'));
    expect(suite.resources).toHaveLength(1);
  });
});

describe('loadSuite: errors name file, line and key', () => {
  it.each([
    [
      'unknown-matcher.yaml',
      /^test\/fixtures\/suite\/bad\/unknown-matcher\.yaml:4:5: invalid gossfile: file\.\/etc\/passwd\.mode: Syntax Error: Unknown matcher: have-prefx/,
    ],
    [
      'template.yaml',
      /^test\/fixtures\/suite\/bad\/template\.yaml:4: template: "\{\{define\}\}" is not supported/,
    ],
    [
      'missing-var.yaml',
      /^test\/fixtures\/suite\/bad\/missing-var\.yaml:4: template: \{\{\.Vars\.home\}\} has no value/,
    ],
    ['bad-yaml.yaml', /^test\/fixtures\/suite\/bad\/bad-yaml\.yaml:4:\d+: invalid YAML/],
    [
      'bad-pattern.yaml',
      /^test\/fixtures\/suite\/bad\/bad-pattern\.yaml:4:5: invalid gossfile: command\.cat \/etc\/os-release\.stdout: error parsing regexp/,
    ],
  ])('%s', async (file, pattern) => {
    const err = await loadError(`${F}/bad/${file}`);
    expect(err.message).toMatch(pattern);
  });

  it('a key without its colon under a resource asks whether the ":" is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ig-bad-'));
    writeFileSync(join(dir, 'g.yaml'), 'package:\n  jq:\n    installed true\n');
    const err = await loadError(join(dir, 'g.yaml'));
    expect(err.message).toMatch(
      /g\.yaml:2:3: invalid gossfile: package\.jq: must be object: it reads as text; is a ":" missing after "installed"\?$/,
    );
  });

  it('a wrong attribute type is reported at the attribute', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ig-bad-'));
    writeFileSync(
      join(dir, 'g.yaml'),
      'http:\n  https://example.com:\n    status: 200\n    allow-insecure: "yes"\n',
    );
    const err = await loadError(join(dir, 'g.yaml'));
    expect(err.message).toMatch(
      /g\.yaml:4:5: invalid gossfile: http\.https:\/\/example\.com\.allow-insecure: must be boolean$/,
    );
  });

  it('an unknown built-in suite lists the available ones', async () => {
    const err = await loadError('builtin:no-such-suite');
    expect(err.message).toMatch(/^builtin:no-such-suite: no such built-in suite \(available: /);
    await expect(loadSuite('builtin:../package', {})).rejects.toThrow(/no such built-in suite/);
  });
});

describe('built-in suites', () => {
  it('ships cleanup, no-secrets and baseline', () => {
    expect(listBuiltinSuites()).toEqual(expect.arrayContaining(['baseline', 'cleanup', 'no-secrets']));
  });

  it.each(listBuiltinSuites())('builtin:%s loads cleanly, named by its builtin: name', async (name) => {
    const suite = await loadSuite(`builtin:${name}`, {});
    expect(suite.warnings).toEqual([]);
    expect(suite.resources.length).toBeGreaterThan(0);
    expect(suite.resources[0]!.source.file).toMatch(new RegExp(`^builtin:${name}( \\(rendered\\))?$`));
  });
});
