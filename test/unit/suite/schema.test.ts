import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSchema, makeAjv } from '../../../src/core/schema-check.js';
import { loadSuite } from '../../../src/suite/load.js';
import { RESOURCES } from '../../../src/suite/resources/index.js';

const ALL = 'test/fixtures/suite/all-resources.yaml';

describe('schemas/goss.schema.json', () => {
  it('loads every goss Linux resource with every attribute', async () => {
    const suite = await loadSuite(ALL, {});
    const types = new Set(suite.resources.map((r) => r.type));
    expect([...types].sort()).toEqual([
      'addr',
      'command',
      'dns',
      'file',
      'group',
      'http',
      'interface',
      'kernel-param',
      'matching',
      'mount',
      'package',
      'port',
      'process',
      'service',
      'user',
    ]);
    const http = suite.resources.find((r) => r.type === 'http')!;
    expect(Object.keys(http.attrs)).toHaveLength(16);
  });

  // The editor schema keeps the matcher definition that the runtime copy drops.
  const validate = makeAjv().compile(loadSchema('goss.schema.json'));
  const data = parse(readFileSync(ALL, 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;

  it('as shipped for editors, accepts the same file', () => {
    expect(validate(data)).toBe(true);
  });

  it.each([
    ['a misspelt matcher', { file: { '/x': { mode: { 'have-prefx': '0' } } } }],
    ['two matchers at one level', { file: { '/x': { mode: { 'have-prefix': '0', 'have-suffix': '4' } } } }],
    ['a bad http method', { http: { 'http://x': { status: 200, method: 'FETCH' } } }],
    ['a non-boolean skip', { user: { root: { exists: true, skip: 'yes' } } }],
    ['an unknown resource type', { files: {} }],
  ])('as shipped for editors, rejects %s', (_name, doc) => {
    expect(validate(doc)).toBe(false);
  });

  // The schema admits an attribute at load; the resource must then know it at run time, or the
  // check fails with "unknown attribute" (mount `timeout` did, in goss's own integration suite).
  it('knows at run time every attribute it admits at load', () => {
    const props = loadSchema('goss.schema.json') as {
      properties: Record<string, { additionalProperties?: { properties?: Record<string, unknown> } }>;
    };
    const unknown: string[] = [];
    for (const [type, def] of Object.entries(RESOURCES)) {
      const known = new Set([...def.attributes.map((a) => a.key), ...def.options, def.keyAttr ?? '']);
      // `resolveable` is goss's old spelling, folded into `resolvable` at load.
      for (const key of Object.keys(props.properties[type]?.additionalProperties?.properties ?? {}))
        if (!['title', 'meta', 'skip', 'resolveable'].includes(key) && !known.has(key))
          unknown.push(`${type}.${key}`);
    }
    expect(unknown).toEqual([]);
  });

  it("filetype offers goss's names but accepts any matcher, as goss does", () => {
    expect(validate({ file: { '/x': { filetype: 'directory' } } })).toBe(true);
    expect(validate({ file: { '/x': { filetype: { 'have-prefix': 'dir' } } } })).toBe(true);
  });
});

describe('schemas/goss.validate.generated.cjs', () => {
  it('is generated from the current goss.schema.json (gen-suite-validator --check)', () => {
    const r = spawnSync(process.execPath, ['scripts/gen-suite-validator.mjs', '--check'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
