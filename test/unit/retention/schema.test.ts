import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { normalizeRules } from '../../../src/retention/rules.js';

/** The `retention:` example of docs/prune.md, so the page and the schema cannot drift apart. */
function docsExample(): string {
  const doc = readFileSync(new URL('../../../docs/prune.md', import.meta.url), 'utf8');
  const m = /```yaml\n(retention:\n[\s\S]*?)```/.exec(doc);
  if (!m?.[1]) throw new Error('docs/prune.md has no retention: example');
  return m[1];
}

function load(yaml: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'retention-schema-')), 'imagegate.yaml');
  writeFileSync(file, yaml);
  return loadConfig(file).config.retention;
}

describe('retention schema', () => {
  it('accepts the documented example and it normalizes without problems', () => {
    const cfg = load(docsExample());
    expect(cfg?.accounts).toBe('organization');
    expect(cfg?.stages).toEqual({ deprecate: true, disableAfterDays: 7, deregisterAfterDays: 30 });
    const { rules, problems } = normalizeRules(cfg);
    expect(problems).toEqual([]);
    expect(rules.group.namePattern?.exec('web-20261128080000')?.groups?.group).toBe('web');
  });

  it.each([
    ['accounts: [12345]', 'retention.accounts'],
    ['role: arn:aws:iam::111111111111:role/fixed', 'retention.role'],
    ['sharedOutsideScope: maybe', 'retention.sharedOutsideScope: must be one of "keep", "retire"'],
    ['stages: { disableAfter: 3 }', 'unknown key "disableAfter"'],
    ['maxDeletionsPercent: 150', 'retention.maxDeletionsPercent'],
  ])('rejects %s with the file, line and key', (line, message) => {
    expect(() => load(`retention:\n  ${line}\n`)).toThrow(message);
    expect(() => load(`retention:\n  ${line}\n`)).toThrow(/imagegate\.yaml:2:\d+: invalid imagegate\.yaml/);
  });
});
