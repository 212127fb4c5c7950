import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { parseYamlText } from '../../../src/core/yaml-document.js';

/** The one-line error a user sees for a broken imagegate.yaml (or suite, or policy). */
function errorFor(text: string): string {
  try {
    parseYamlText('imagegate.yaml', text);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    const message = (err as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error('parsed without error');
}

describe('YAML syntax errors say what to do', () => {
  it('a { in a plain value inside a flow mapping (an unquoted {image} placeholder)', () => {
    expect(
      errorFor('stages:\n  dev:\n    registry: { repository: 127.0.0.1:5001/team/{image}, tags: [dev] }\n'),
    ).toBe(
      'imagegate.yaml:3:49: invalid YAML: Unexpected flow-map-start at node end; quote the value holding "{" ("…"): inside { … } or [ … ] a plain value cannot contain { }',
    );
  });

  it('a tab in the indentation', () => {
    expect(errorFor('version: 1\nimages:\n\tweb:\n\t  template: packer/web\n')).toBe(
      'imagegate.yaml:3:1: invalid YAML: Tabs are not allowed as indentation; indent with spaces, not tabs (YAML forbids tabs in indentation; 2 spaces per level is usual)',
    );
  });

  it('a key indented one space short of its siblings ("same column")', () => {
    expect(errorFor('version: 1\nimages:\n  web:\n    template: packer/web\n   suites: [a]\n')).toBe(
      'imagegate.yaml:5:1: invalid YAML: All mapping items must start at the same column; line 5 starts at column 4 but the keys it continues start at column 5 (under "web:" on line 3): indent it to column 5, or to the column of the mapping it belongs to',
    );
  });

  it('a key indented under a key that already has a value ("nested mappings … compact mappings")', () => {
    expect(errorFor('images:\n  web:\n    template: packer/web\n      suites: [a]\n')).toBe(
      'imagegate.yaml:3:15: invalid YAML: Nested mappings are not allowed in compact mappings; "template:" on line 3 already has a value, yet line 4 is indented under it: start line 4 at the column of "template:", or move that value onto indented lines of its own',
    );
    expect(errorFor('version: 1\n  images:\n    web: {}\n')).toMatch(
      /^imagegate\.yaml:1:10: .*; "version:" on line 1 already has a value, yet line 2 is indented under it/,
    );
  });

  it('a value that holds ": "', () => {
    expect(errorFor('images:\n  web: template: packer/web\n')).toMatch(
      /Nested mappings are not allowed in compact mappings; this value contains ": ", which starts a nested mapping: quote the value/,
    );
  });

  it('a key without its colon', () => {
    expect(errorFor('version: 1\nimages\n  web:\n    template: x\n')).toMatch(
      /^imagegate\.yaml:2:1: invalid YAML: Implicit keys need to be on a single line; line 2 is not "key: value": add the ":" after the key/,
    );
  });

  it('an unclosed flow mapping and an unclosed quote', () => {
    expect(errorFor('images: {web: {template: x}\n')).toMatch(
      /; a \{ … \} or \[ … \] opened above is not closed/,
    );
    expect(errorFor('a: "hello\nb: c\n')).toMatch(/Missing closing "quote; close the quote/);
  });

  it('a value starting with a reserved character', () => {
    expect(errorFor('x: @foo\n')).toMatch(/reserved character @; quote the value/);
  });
});
