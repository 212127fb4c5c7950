import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from '../../../src/template/load.js';
import { at, fixtures, range } from './helpers.js';

/** Layout and duplicates HashiCorp's HCL parser (and so Packer) rejects, where generic HCL grammars do not. */
describe('HCL strictness as in hclsyntax', () => {
  const errors = async (name: string) =>
    (await loadTemplate(join(fixtures, 'strict', name))).syntaxErrors.map((e) => [range(e.pos), e.message]);

  it('rejects `;` between arguments', async () => {
    expect(await errors('semicolon.pkr.hcl')).toEqual([
      ['1:31-1:31', '";" does not separate arguments in HCL; put each argument on its own line'],
    ]);
  });

  it('rejects two attributes on one line', async () => {
    expect(await errors('two-on-one-line.pkr.hcl')).toEqual([
      ['2:29-2:41', 'two definitions on one line; put each argument or block on its own line'],
    ]);
  });

  it('rejects a second argument in a single-line block', async () => {
    expect(await errors('single-line-two-args.pkr.hcl')).toEqual([
      ['1:51-1:63', 'a single-line block holds one argument; put each argument on its own line'],
    ]);
  });

  it('rejects a duplicate attribute, pointing at the second and naming the first line', async () => {
    expect(await errors('duplicate.pkr.hcl')).toEqual([
      ['4:3-4:7', 'duplicate attribute "image" (first set at line 2); remove one of them'],
    ]);
  });

  it('rejects a block whose `{` is on the next line', async () => {
    expect(await errors('brace-next-line.pkr.hcl')).toEqual([
      ['2:1-2:1', 'the "{" of block "source" must be on the same line as its header'],
    ]);
  });

  it('rejects a closing brace on the line of the last argument in a multi-line block', async () => {
    expect(await errors('brace-after-argument.pkr.hcl')).toEqual([
      ['2:29-2:29', 'an argument must end with a newline; put the closing "}" on its own line'],
    ]);
  });

  it('rejects object items on one line without a comma', async () => {
    expect(await errors('object-without-comma.pkr.hcl')).toEqual([
      ['2:25-2:41', 'missing "," between object items on one line'],
    ]);
  });

  it('accepts what HCL accepts: single-line blocks with one argument, objects with commas', async () => {
    const t = await loadTemplate(join(fixtures, 'strict/valid-single-line.pkr.hcl'));
    expect(t.syntaxErrors).toEqual([]);
    expect(t.variables.map((v) => v.name)).toEqual(['app_version', 'tags']);
  });
});

describe('malformed HCL', () => {
  it('reports an unclosed block once, at the end of the file', async () => {
    const t = await loadTemplate(join(fixtures, 'malformed/unclosed-block.pkr.hcl'));
    expect(t.syntaxErrors.map((e) => [at(e.pos), e.message])).toEqual([['7:1', 'missing "}"']]);
  });

  it('reports an unclosed list where the closing bracket was due', async () => {
    const t = await loadTemplate(join(fixtures, 'malformed/unclosed-list.pkr.hcl'));
    expect(t.syntaxErrors.map((e) => [at(e.pos), e.message])).toEqual([['4:3', 'missing "]"']]);
  });

  it('reports stray text with the text itself, and keeps what parsed before it', async () => {
    const t = await loadTemplate(join(fixtures, 'malformed/garbage.pkr.hcl'));
    expect(t.syntaxErrors.map((e) => [range(e.pos), e.message])).toEqual([
      ['4:1-4:15', 'unexpected "this is not hcl": not valid HCL here'],
    ]);
    expect(t.sources.map((s) => s.name)).toEqual(['app']);
  });
});

describe('declarations Packer refuses to see twice', () => {
  it('reports a second variable, local or source at its own place, naming the first', async () => {
    const dir = join(fixtures, 'duplicates');
    const t = await loadTemplate(dir);
    const a = join(dir, 'a.pkr.hcl');
    expect(t.syntaxErrors.map((e) => [e.pos.file, at(e.pos), e.message])).toEqual([
      [
        join(dir, 'b.pkr.hcl'),
        '1:1',
        `variable "region" is declared twice (first at ${a}:1); remove or rename one`,
      ],
      [
        join(dir, 'b.pkr.hcl'),
        '10:3',
        `local "name" is declared twice (first at ${join(dir, 'b.pkr.hcl')}:6); remove or rename one`,
      ],
      [
        join(dir, 'b.pkr.hcl'),
        '13:1',
        `source "docker" "app" is declared twice (first at ${a}:5); remove or rename one`,
      ],
    ]);
  });
});
