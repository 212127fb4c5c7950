import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOSS_FORMATS } from '../../../src/report/goss/index.js';

/** docs/goss-compatibility.md must list everything a goss user can write or ask for. */
const doc = readFileSync('docs/goss-compatibility.md', 'utf8');
const schema = JSON.parse(readFileSync('schemas/goss.schema.json', 'utf8')) as {
  properties: Record<string, { additionalProperties?: { properties?: Record<string, unknown> } }>;
};

describe('docs/goss-compatibility.md', () => {
  it('has a row with a status for every attribute of every resource in the schema', () => {
    const missing: string[] = [];
    for (const [type, def] of Object.entries(schema.properties)) {
      for (const attr of Object.keys(def.additionalProperties?.properties ?? {})) {
        if (!new RegExp(`^\\| ${type} \\| \`${attr}\` \\| [✔◐✘+] \\|`, 'm').test(doc))
          missing.push(`${type}.${attr}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("lists every goss matcher (goss v0.4.10's resource/gomega.go) and every output format", () => {
    const matchers = [
      'equal',
      'have-prefix',
      'have-suffix',
      'match-regexp',
      'contain-substring',
      'have-len',
      'have-patterns',
      'have-key',
      'contain-element',
      'contain-elements',
      'not',
      'consist-of',
      'and',
      'or',
      'gt',
      'ge',
      'lt',
      'le',
      'semver-constraint',
      'gjson',
    ];
    for (const m of matchers) expect(doc).toContain(`\`${m}\``);
    for (const f of GOSS_FORMATS) expect(doc).toMatch(new RegExp(`^\\| \`${f}\` \\| [✔◐✘+] \\|`, 'm'));
  });

  it("has a row for every flag of goss v0.4.10's validate and every goss template function", () => {
    const flags = ['--gossfile', '--vars', '--vars-inline', '--package', '--log-level', '--format'];
    flags.push('--format-options', '--color', '--no-color', '--sleep', '--retry-timeout', '--max-concurrent');
    for (const f of flags) expect(doc).toMatch(new RegExp(`^\\| \`(-\\w, )?${f}\` \\| [✔◐✘+] \\|`, 'm'));
    const own = ['mkSlice', 'readFile', 'getEnv', 'regexMatch', 'toUpper', 'toLower', 'findStringSubmatch'];
    for (const f of own) expect(doc).toMatch(new RegExp(`^\\| \`${f}\` \\| [✔◐✘+] \\|`, 'm'));
  });
});
