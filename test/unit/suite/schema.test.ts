import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSchema, makeAjv } from '../../../src/core/schema-check.js';
import { loadSuite } from '../../../src/suite/load.js';

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
