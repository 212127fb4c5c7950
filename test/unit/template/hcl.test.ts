// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are HCL and shell text, not JS templates
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../../../src/template/load.js';
import { at, attribute, fixtures, range } from './helpers.js';

describe('HCL2 templates: the lesson', () => {
  it('reads ubuntu-nginx: plugins, variables, sources, build, post-processor, all positioned', async () => {
    const file = join(fixtures, 'lesson/ubuntu-nginx.pkr.hcl');
    const t = await loadTemplate(file);
    expect(t.format).toBe('hcl2');
    expect(t.syntaxErrors).toEqual([]);
    expect(t.files).toEqual([file]);
    expect(t.packerBlock && range(t.packerBlock)).toBe('1:1-8:1');
    expect(t.requiredPlugins).toMatchObject([
      { name: 'amazon', source: 'github.com/hashicorp/amazon', version: '>= 1.3.0' },
    ]);
    expect(at(t.requiredPlugins[0]!.pos)).toBe('3:5');

    expect(t.variables).toHaveLength(1);
    const region = t.variables[0]!;
    expect(region).toMatchObject({ name: 'aws_region', sensitive: false });
    expect(region.type).toMatchObject({ kind: 'reference', path: ['string'] });
    expect(region.default).toMatchObject({ kind: 'literal', value: 'us-east-1', source: '"us-east-1"' });
    expect(range(region.default!.pos)).toBe('12:13-12:23');

    const [source] = t.sources;
    expect(source).toMatchObject({ type: 'amazon-ebs', name: 'ubuntu' });
    expect(range(source!.pos)).toBe('15:1-38:1');
    expect(source!.body.attributes.map((a) => a.name)).toEqual([
      'ami_name',
      'instance_type',
      'region',
      'ssh_username',
      'tags',
    ]);
    expect(attribute(source!.body, 'region')).toMatchObject({
      kind: 'reference',
      path: ['var', 'aws_region'],
    });
    // `{{timestamp}}` is a Go template Packer expands later; in HCL it is literal text.
    expect(attribute(source!.body, 'ami_name')).toMatchObject({
      kind: 'literal',
      value: 'ubuntu-nginx-{{timestamp}}',
    });
    const filter = source!.body.blocks.find((b) => b.type === 'source_ami_filter')!;
    expect(at(filter.pos)).toBe('20:3');
    const owners = attribute(filter, 'owners');
    expect(owners.kind === 'tuple' && owners.items.map((i) => i.kind === 'literal' && i.value)).toEqual([
      '099720109477',
    ]);
    const tags = attribute(source!.body, 'tags');
    expect(tags.kind === 'object' && tags.entries.map((e) => [e.key, at(e.keyPos)])).toEqual([
      ['Name', '33:5'],
      ['Built-By', '34:5'],
      ['Git-SHA', '35:5'],
      ['Build-Time', '36:5'],
    ]);

    const [build] = t.builds;
    expect(build!.sources).toEqual([
      { ref: 'source.amazon-ebs.ubuntu', pos: expect.objectContaining({ line: 41, column: 14 }) },
    ]);
    expect(build!.provisioners.map((p) => p.type)).toEqual(['shell']);
    expect(build!.postProcessorChains.map((c) => c.map((p) => p.type))).toEqual([['manifest']]);
    expect(at(build!.postProcessorChains[0]![0]!.pos)).toBe('51:3');
  });

  it('keeps comments with their positions, `#` after code included', async () => {
    const t = await loadTemplate(join(fixtures, 'lesson/ubuntu-nginx.pkr.hcl'));
    expect(t.comments.map((c) => [c.text, range(c.pos)])).toEqual([
      ["# Canonical's AWS account ID", '26:37-26:64'],
    ]);
  });

  it('reads multi-platform: three sources, provisioner order, only on a post-processor', async () => {
    const t = await loadTemplate(join(fixtures, 'lesson/multi-platform.pkr.hcl'));
    expect(t.syntaxErrors).toEqual([]);
    expect(t.sources.map((s) => `${s.type}.${s.name}`)).toEqual([
      'amazon-ebs.app',
      'docker.app',
      'vagrant.app',
    ]);
    const build = t.builds[0]!;
    expect(build.sources.map((s) => [s.ref, s.pos.line])).toEqual([
      ['source.amazon-ebs.app', 26],
      ['source.docker.app', 27],
      ['source.vagrant.app', 28],
    ]);
    expect(build.provisioners.map((p) => p.type)).toEqual(['shell', 'ansible']);
    const chains = build.postProcessorChains;
    expect(chains.map((c) => c.map((p) => [p.type, p.only]))).toEqual([
      [['docker-tag', ['docker.app']]],
      [['manifest', []]],
    ]);
    const tags = attribute(chains[0]![0]!.body, 'tags');
    expect(tags.kind === 'tuple' && tags.items.map((i) => i.kind)).toEqual(['literal', 'reference']);
    expect(t.comments.map((c) => c.pos.line)).toEqual([35, 43]);
  });

  it('reports the lesson golden-ami `;` separators, and still reads the rest', async () => {
    const t = await loadTemplate(join(fixtures, 'lesson/golden-ami'));
    expect(t.syntaxErrors.map((e) => [at(e.pos), e.message])).toEqual([
      ['9:39', '";" does not separate arguments in HCL; put each argument on its own line'],
      ['60:55', '";" does not separate arguments in HCL; put each argument on its own line'],
    ]);
    expect(t.requiredPlugins.map((p) => [p.name, p.version])).toEqual([
      ['amazon', '>= 1.3.0'],
      ['ansible', '>= 1.1.0'],
    ]);
    expect(t.builds[0]!.provisioners.map((p) => p.type)).toEqual(['file', 'ansible', 'shell']);
    const amiName = t.locals.find((l) => l.name === 'ami_name')!.value;
    expect(amiName.kind).toBe('template');
    if (amiName.kind !== 'template') return;
    expect(amiName.heredoc).toBe(false);
    expect(amiName.parts.map((p) => (p.kind === 'text' ? p.text : p.expr.kind))).toEqual([
      'app-',
      'reference',
      '-',
      'call',
    ]);
    const call = amiName.parts[3]!;
    expect(call.kind === 'interpolation' && call.expr).toMatchObject({
      kind: 'call',
      name: 'formatdate',
      args: [
        { kind: 'literal', value: 'YYYYMMDD-hhmm' },
        { kind: 'call', name: 'timestamp', args: [] },
      ],
    });
    expect(at(call.pos)).toBe('12:38');
  });
});

describe('HCL2 templates: a directory is one template', () => {
  const dir = join(fixtures, 'multi-file');

  it('reads every *.pkr.hcl (and *.auto.pkrvars.hcl) in lexical order, plus the scripts it runs', async () => {
    const t = await loadTemplate(dir);
    expect(t.path).toBe(dir);
    expect(t.syntaxErrors).toEqual([]);
    expect(t.files).toEqual([
      join(dir, 'build.pkr.hcl'),
      join(dir, 'sources.pkr.hcl'),
      join(dir, 'variables.pkr.hcl'),
      join(dir, 'web.auto.pkrvars.hcl'),
      join(dir, 'scripts/install.sh'),
      join(dir, 'scripts/cleanup.sh'),
    ]);
    expect(Object.keys(t.text).sort()).toEqual([...t.files].sort());
    expect(t.sources.map((s) => [s.type, s.name, s.pos.file])).toEqual([
      ['amazon-ebs', 'web', join(dir, 'sources.pkr.hcl')],
      ['docker', 'web', join(dir, 'sources.pkr.hcl')],
    ]);
    expect(t.requiredPlugins.map((p) => p.version)).toEqual(['>= 1.3.0, < 2.0.0', '>= 1.0.8']);
  });

  it('gives variables, locals (block and `local`) and sensitivity', async () => {
    const t = await loadTemplate(dir);
    expect(t.variables.map((v) => [v.name, v.sensitive, at(v.pos)])).toEqual([
      ['region', false, '1:1'],
      ['db_password', true, '6:1'],
    ]);
    expect(t.locals.map((l) => [l.name, l.sensitive, l.value.kind, at(l.pos)])).toEqual([
      ['stamp', false, 'call', '13:3'],
      ['ami_name', false, 'template', '14:3'],
      ['api_token', true, 'call', '17:1'],
    ]);
    expect(
      t.variableValues?.map((v) => [v.name, v.value.kind === 'literal' && v.value.value, at(v.pos)]),
    ).toEqual([
      ['region', 'eu-central-1', '1:1'],
      ['db_password', 'hunter2', '3:1'],
    ]);
  });

  it('keeps provisioner order, names, only/except, and post-processor chains', async () => {
    const build = (await loadTemplate(dir)).builds[0]!;
    expect(build.name).toBe('web');
    expect(build.provisioners.map((p) => [p.type, p.name, p.only, p.except, p.pos.line])).toEqual([
      ['shell', undefined, [], [], 5],
      ['file', undefined, [], [], 11],
      ['shell', undefined, ['amazon-ebs.web'], [], 16],
      ['shell', 'cleanup', [], ['docker.web'], 21],
    ]);
    expect(build.postProcessorChains.map((c) => c.map((p) => [p.type, p.only, p.pos.line]))).toEqual([
      [['manifest', [], 30]],
      [
        ['docker-tag', ['docker.web'], 35],
        ['docker-push', [], 40],
      ],
    ]);
  });

  it('parses a single *.pkrvars.hcl file as values only; blocks there are errors', async () => {
    const t = await loadTemplate(join(dir, 'web.auto.pkrvars.hcl'));
    expect(t.variableValues?.map((v) => v.name)).toEqual(['region', 'db_password']);
    expect(t.sources).toEqual([]);
    expect(t.comments.map((c) => c.text)).toEqual(['# kept out of git in real life']);
  });
});

describe('HCL2 expressions', () => {
  it('gives heredocs as templates whose text parts sit on their own template lines', async () => {
    const t = await loadTemplate(join(fixtures, 'heredoc/heredoc.pkr.hcl'));
    const inline = attribute(t.builds[0]!.provisioners[0]!.body, 'inline');
    if (inline.kind !== 'tuple') throw new Error('inline is a tuple');
    const heredoc = inline.items[1]!;
    expect(heredoc.kind).toBe('template');
    if (heredoc.kind !== 'template') return;
    expect(heredoc.heredoc).toBe(true);
    expect(range(heredoc.pos)).toBe('12:7-18:9');
    const [first, interpolation, after] = heredoc.parts;
    expect(first?.kind === 'text' && first.text.split('\n')[1]).toBe('        apt-get install nginx');
    expect(at(first!.pos)).toBe('13:1');
    expect(interpolation).toMatchObject({
      kind: 'interpolation',
      expr: { kind: 'reference', path: ['var', 'greeting'] },
    });
    expect(range(interpolation!.pos)).toBe('16:15-16:29');
    // `$${HOME}` is HCL's escape for a literal `${HOME}`.
    expect(after?.kind === 'text' && after.text).toContain('HOME_DIR="${HOME}"');
    expect(after?.kind === 'text' && after.text.endsWith("| sh'\n")).toBe(true);
  });

  it('decodes escapes in quoted strings', async () => {
    const t = await loadTemplate(join(fixtures, 'heredoc/heredoc.pkr.hcl'));
    const inline = attribute(t.builds[0]!.provisioners[0]!.body, 'inline');
    expect(inline.kind === 'tuple' && inline.items[2]).toMatchObject({
      kind: 'literal',
      value: 'echo "quoted" && sudo -E   apt-get   -y upgrade',
      source: '"echo \\"quoted\\" && sudo -E   apt-get   -y upgrade"',
    });
  });
});

describe('HCL2 expression tree', () => {
  it('gives literals, static traversals as references, and everything computed as other', async () => {
    const t = await loadTemplate(join(fixtures, 'expressions.pkr.hcl'));
    expect(t.syntaxErrors).toEqual([]);
    const locals = Object.fromEntries(t.locals.map((l) => [l.name, l.value]));
    expect(locals.number).toMatchObject({ kind: 'literal', value: 42 });
    expect(locals.fraction).toMatchObject({ kind: 'literal', value: 1.5 });
    expect(locals.flag).toMatchObject({ kind: 'literal', value: false });
    expect(locals.nothing).toMatchObject({ kind: 'literal', value: null, source: 'null' });
    expect(locals.wrapped).toMatchObject({ kind: 'reference', path: ['var', 'region'] });
    expect(locals.indexed).toMatchObject({ kind: 'reference', path: ['var', 'subnets', '0'] });
    expect(locals.keyed).toMatchObject({ kind: 'reference', path: ['local', 'map', 'eu-west-1'] });
    expect(locals.splat).toMatchObject({ kind: 'other', source: 'var.disks[*].size' });
    expect(locals.choice).toMatchObject({ kind: 'other', source: 'var.prod ? "t3.large" : "t3.micro"' });
    expect(locals.sum).toMatchObject({ kind: 'other', source: '1 + 2' });
    expect(locals.loop).toMatchObject({ kind: 'other', source: '[for s in var.list : upper(s)]' });
    const nested = locals.nested!;
    expect(nested.kind === 'object' && nested.entries[0]!.value).toMatchObject({
      kind: 'object',
      entries: [
        { key: 'inner', value: { kind: 'tuple', items: [{ value: 1 }, { value: 'two' }, { value: true }] } },
      ],
    });
    expect(nested.kind === 'object' && range(nested.entries[0]!.keyPos)).toBe('13:16-13:20');
  });

  it('takes `source` blocks inside build as sources, shell-local as shell, and skips error-cleanup', async () => {
    const t = await loadTemplate(join(fixtures, 'expressions.pkr.hcl'));
    const build = t.builds[0]!;
    expect(build.sources.map((s) => [s.ref, range(s.pos)])).toEqual([['source.docker.app', '17:3-19:3']]);
    expect(build.provisioners.map((p) => p.type)).toEqual(['shell-local']);
    // A non-string inline item cannot be shell; the string beside it still is.
    expect(t.shell.map((c) => [c.name, c.args, at(c.pos)])).toEqual([['echo', ['local'], '22:31']]);
  });

  it('counts columns the same with CRLF line endings, heredoc lines included', async () => {
    const t = await loadTemplate(join(fixtures, 'crlf.pkr.hcl'));
    expect(t.syntaxErrors).toEqual([]);
    expect(t.shell.map((c) => [c.name, c.args, range(c.pos)])).toEqual([
      ['apt-get', ['update'], '9:1-9:14'],
      ['apt-get', ['install', '-y', 'curl'], '10:3-10:25'],
    ]);
  });
});
