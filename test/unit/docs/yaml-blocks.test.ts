import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';

/**
 * A new user copies the docs' YAML examples into their own files: each ```yaml block must be
 * valid YAML as written (a bare `{image}` placeholder inside a flow mapping, for one, is not).
 */
const docs = join(import.meta.dirname, '../../../docs');
const blocks = readdirSync(docs)
  .filter((f) => f.endsWith('.md'))
  .flatMap((f) => {
    const text = readFileSync(join(docs, f), 'utf8');
    return [...text.matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)].map((m) => {
      const line = text.slice(0, m.index).split('\n').length;
      return { where: `docs/${f}:${line}`, yaml: m[1]! };
    });
  });

describe('YAML examples in docs/', () => {
  it('finds the examples', () => expect(blocks.length).toBeGreaterThan(30));
  it.each(blocks.map((b) => [b.where, b.yaml]))('%s parses', (_where, yaml) => {
    const doc = parseDocument(yaml);
    expect(doc.errors.map((e) => e.message)).toEqual([]);
  });
});
