// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are HCL and shell text, not JS templates
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTemplate } from '../../../src/template/load.js';
import type { Template } from '../../../src/template/model.js';
import { at, attribute, fixtures, range } from './helpers.js';

describe('legacy JSON templates', () => {
  const file = join(fixtures, 'legacy/app.json');
  let t: Template;
  beforeAll(async () => {
    t = await loadTemplate(file);
  });

  it('maps builders to sources named by `name` or else by type', () => {
    expect(t.format).toBe('json');
    expect(t.syntaxErrors).toEqual([]);
    expect(t.sources.map((s) => [s.type, s.name, at(s.pos)])).toEqual([
      ['amazon-ebs', 'amazon-ebs', '9:5'],
      ['docker', 'local', '21:5'],
    ]);
    expect(t.builds[0]!.sources.map((s) => s.ref)).toEqual(['amazon-ebs', 'local']);
    const filter = t.sources[0]!.body.blocks.find((b) => b.type === 'source_ami_filter');
    expect(filter && at(filter.pos)).toBe('14:28');
    expect(attribute(filter!, 'owners')).toMatchObject({ kind: 'tuple', items: [{ value: '099720109477' }] });
    // Maps stay attributes, as `tags = { … }` in HCL2.
    expect(attribute(t.sources[0]!.body, 'tags').kind).toBe('object');
  });

  it('keeps `{{timestamp}}` and {{user `x`}} as template parts', () => {
    const amiName = attribute(t.sources[0]!.body, 'ami_name');
    expect(amiName.kind).toBe('template');
    if (amiName.kind !== 'template') return;
    expect(amiName.parts.map((p) => (p.kind === 'text' ? p.text : p.expr))).toEqual([
      'app-',
      expect.objectContaining({ kind: 'call', name: 'timestamp', args: [], source: '{{timestamp}}' }),
    ]);
    expect(range(amiName.parts[1]!.pos)).toBe('12:24-12:36');
    const region = attribute(t.sources[0]!.body, 'region');
    expect(region.kind === 'template' && region.parts[0]).toMatchObject({
      kind: 'interpolation',
      expr: { kind: 'call', name: 'user', args: [{ kind: 'literal', value: 'region' }] },
    });
  });

  it('reads variables with sensitive-variables', () => {
    expect(t.variables.map((v) => [v.name, v.sensitive, v.default?.kind, at(v.pos)])).toEqual([
      ['aws_secret_key', true, 'literal', '3:5'],
      ['region', false, 'literal', '4:5'],
      ['git_sha', false, 'template', '5:5'],
    ]);
  });

  it('keeps provisioner order with only/except, and post-processors: string, chain, object', () => {
    const build = t.builds[0]!;
    expect(build.provisioners.map((p) => [p.type, p.only, p.except, at(p.pos)])).toEqual([
      ['shell', [], [], '29:5'],
      ['shell', ['local'], [], '37:5'],
      ['file', [], ['amazon-ebs'], '42:5'],
    ]);
    expect(build.postProcessorChains.map((c) => c.map((p) => [p.type, at(p.pos)]))).toEqual([
      [['manifest', '50:5']],
      [
        ['docker-tag', '52:7'],
        ['docker-push', '53:7'],
      ],
      [['checksum', '55:5']],
    ]);
  });

  it('extracts shell from inline strings at their JSON position, and from scripts', () => {
    expect(t.shell.map((c) => [c.name, c.args, c.pos.file, at(c.pos), c.guarded])).toEqual([
      ['apt-get', ['update'], file, '32:10', false],
      ['echo', ['apt-get install x'], file, '33:10', false],
      // `echo … && curl … | bash`: echo is no probe, so the pipeline after it is not guarded.
      ['curl', ['-fsSL', 'https://x.example/i.sh'], file, '33:40', false],
      ['bash', [], file, '33:76', false],
      ['yum', ['install', '-y', 'httpd'], join(fixtures, 'legacy/scripts/setup.sh'), '1:1', false],
    ]);
    expect(range(t.shell[1]!.pos)).toBe('33:10-33:35');
    expect(t.env.map((e) => [e.name, e.value, at(e.pos)])).toEqual([
      ['REGION', '{{user `region`}}', '35:28'],
    ]);
  });

  it('reports JSON syntax errors once per place, with line and column', async () => {
    const bad = await loadTemplate(join(fixtures, 'malformed/trailing-comma.json'));
    expect(bad.syntaxErrors.map((e) => [at(e.pos), e.message])).toEqual([
      ['3:25', 'JSON syntax error: property name expected'],
    ]);
  });
});

describe('HCL JSON templates (*.pkr.json)', () => {
  const file = join(fixtures, 'hcl-json/app.pkr.json');
  let t: Template;
  beforeAll(async () => {
    t = await loadTemplate(file);
  });

  it('reads blocks by Packer schema: labels, ordered provisioners, chains', () => {
    expect(t.format).toBe('hcl2');
    expect(t.syntaxErrors).toEqual([]);
    expect(t.variables.map((v) => [v.name, v.sensitive])).toEqual([
      ['region', false],
      ['api_token', true],
    ]);
    expect(t.sources.map((s) => [s.type, s.name, at(s.pos)])).toEqual([['amazon-ebs', 'app', '9:14']]);
    expect(t.sources[0]!.body.blocks.map((b) => b.type)).toEqual(['source_ami_filter']);
    const build = t.builds[0]!;
    expect(build.sources.map((s) => s.ref)).toEqual(['source.amazon-ebs.app']);
    expect(build.provisioners.map((p) => p.type)).toEqual(['shell', 'file']);
    expect(build.postProcessorChains.map((c) => c.map((p) => p.type))).toEqual([
      ['docker-tag', 'docker-push'],
    ]);
  });

  it('reads `${…}` as interpolation and `$${` as a literal', () => {
    const amiName = attribute(t.sources[0]!.body, 'ami_name');
    expect(
      amiName.kind === 'template' && amiName.parts.map((p) => (p.kind === 'text' ? p.text : p.expr)),
    ).toEqual([
      'app-',
      expect.objectContaining({ kind: 'reference', path: ['var', 'region'] }),
      '-${literal}',
    ]);
  });

  it('keeps `//` comment properties for suppressions, and shell positions', () => {
    expect(t.comments.map((c) => [c.text, at(c.pos)])).toEqual([
      ['// imagegate:ignore manifest-missing -- manifests are written by the wrapper', '2:3'],
    ]);
    expect(t.shell.map((c) => [c.name, c.args, at(c.pos)])).toEqual([
      ['apt-get', ['install', '-y', 'nginx'], '19:32'],
    ]);
  });
});
