// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are HCL, not JS templates
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHcl } from '../../../src/template/hcl-parse.js';
import { mappedText, textSpan as textSpanOf } from '../../../src/template/mapped-text.js';
import type { Block, Expr } from '../../../src/template/model.js';
import { at, attribute, fixtures, range } from './helpers.js';

const file = join(fixtures, 'hcl-syntax/everything.pkr.hcl');
const parsed = parseHcl(file, readFileSync(file, 'utf8'));
const block = (type: string, from: Block = parsed.body): Block => {
  const found = from.blocks.find((b) => b.type === type);
  if (found === undefined) throw new Error(`no ${type} block`);
  return found;
};
const locals = block('locals');
const local = (name: string): Expr => attribute(locals, name);

/** A template's parts as text, with interpolations shown as <kind:source>. */
const parts = (e: Expr): string[] =>
  e.kind === 'template'
    ? e.parts.map((p) => (p.kind === 'text' ? p.text : `<${p.expr.kind}:${p.expr.source}>`))
    : [];

describe('the HCL parser on a file holding every construct', () => {
  it('reads it without errors, comments of all three kinds in order', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.comments.map((c) => [c.text.slice(0, 9), at(c.pos)])).toEqual([
      ['# Every H', '1:1'],
      ['// line c', '2:1'],
      ['/* block ', '3:1'],
    ]);
    expect(range(parsed.comments[2]!.pos)).toBe('3:1-4:20');
  });

  it('keeps blocks in order with their labels, and nested blocks inside them', () => {
    expect(parsed.body.blocks.map((b) => [b.type, ...b.labels])).toEqual([
      ['packer'],
      ['variable', 'subnets'],
      ['variable', 'ünïcode_name'],
      ['locals'],
      ['source', 'amazon-ebs', 'app'],
      ['source', 'docker', 'app'],
      ['build'],
    ]);
    const build = block('build');
    expect(build.blocks.map((b) => b.type)).toEqual(['provisioner', 'post-processors']);
    expect(block('post-processors', build).blocks.map((b) => b.labels[0])).toEqual(['manifest', 'checksum']);
    expect(range(block('source').pos)).toBe('68:1-82:1');
  });

  it('gives operators, conditionals, splats and for expressions as source', () => {
    for (const name of ['a', 'b', 'c', 'nested', 'ids', 'legacy', 'tuple_for', 'object_for', 'operators']) {
      expect(local(name).kind, name).toBe('other');
    }
    expect(local('a').source).toBe('1 + 2 * 3 - 4 / 5 % 6');
    expect(local('object_for').source).toBe('{ for i, s in var.subnets : s.id => s.az... }');
    expect(local('keyed').source).toBe('local.map["key-${var.env}"]');
  });

  it('gives static traversals as references: attributes, literal and legacy indexes, parentheses', () => {
    expect(local('first_az')).toMatchObject({ kind: 'reference', path: ['var', 'subnets', '0', 'az'] });
    expect(local('old_index')).toMatchObject({ kind: 'reference', path: ['var', 'list', '0', 'name'] });
    expect(local('parens')).toMatchObject({ kind: 'reference', path: ['var', 'a'], source: 'var.a' });
    expect(attribute(block('variable'), 'default')).toMatchObject({ kind: 'tuple', items: [] });
  });

  it('gives calls with their arguments, over several lines too', () => {
    const call = local('call');
    expect(call.kind === 'call' && [call.name, call.args.map((a) => a.kind)]).toEqual([
      'format',
      ['literal', 'reference', 'call'],
    ]);
    const multi = local('multi_line_call');
    expect(multi.kind === 'call' && multi.args.map((a) => a.source)).toEqual([
      '["a", "b"]',
      '[\n      "c",\n    ]',
    ]);
    expect(range(multi.pos)).toBe('37:21-42:3');
  });

  it('gives object keys as written: bare words, strings, and computed keys as source', () => {
    const obj = local('obj');
    if (obj.kind !== 'object') throw new Error('obj is an object');
    expect(obj.entries.map((e) => [e.key, e.value.kind])).toEqual([
      ['quoted key', 'literal'],
      // A computed key is kept as written inside its parentheses.
      ['var.computed', 'literal'],
      ['bare', 'literal'],
      ['other', 'object'],
    ]);
    expect(at(obj.entries[1]!.keyPos)).toBe('45:5');
  });

  it('decodes every escape HCL knows, and `$${` / `%%{`', () => {
    expect(local('escapes')).toMatchObject({
      kind: 'literal',
      value: 'tab\t newline\n quote" backslash\\ unicodeé big😀 dollar ${literal} percent %{literal}',
    });
  });

  it('splits templates into text and interpolations, strip markers and directives included', () => {
    expect(parts(local('interp'))).toEqual([
      '<reference:var.a>',
      '<reference:var.b>',
      '-',
      '<call:upper("x${var.c}")>',
    ]);
    expect(parts(local('directive'))).toEqual([
      '<other:%{if var.a}yes%{else}no%{endif}>',
      ' ',
      '<other:%{~for x in var.l~}${x},%{endfor~}>',
    ]);
  });

  it('reads heredocs as written: backslashes kept, content ending before the marker line', () => {
    const heredoc = local('heredoc');
    expect(heredoc).toMatchObject({ kind: 'template', heredoc: true });
    expect(parts(heredoc)).toEqual([
      'plain ',
      '<reference:var.a>',
      ' and ',
      '<other:%{if var.b}b%{endif}>',
      '\n  "quotes" and \\backslashes\\ stay\n',
    ]);
    expect(range(heredoc.pos)).toBe('52:15-55:3');
    expect(parts(local('indented'))).toEqual([
      '    trimmed ',
      '<call:join(",", [for x in var.l : x])>',
      '\n',
    ]);
  });

  it('maps each character of a string back to its place, escapes and interpolations included', () => {
    const text = mappedText(local('interp'))!;
    expect(text.text).toBe('${var.a}${~var.b~}-${upper("x${var.c}")}');
    // Interpolations are masked, so a shell parser sees one plain word for each.
    expect(text.parseText).toBe(`${'_'.repeat(18)}-${'_'.repeat(21)}`);
    expect(at(textSpanOf(text, 18, 19))).toBe('50:34');
    const escapes = mappedText(local('escapes'))!;
    const i = escapes.text.indexOf('quote');
    // `\"` is one character of text and two of source.
    expect(escapes.starts![i + 6]! - escapes.starts![i + 5]!).toBe(2);
  });
});

describe('HCL syntax errors: one clear error where the mistake is', () => {
  const errors = (text: string) =>
    parseHcl('t.pkr.hcl', text).errors.map((e) => `${range(e.pos)} ${e.message}`);

  it('an escape HCL does not know, and a \\u escape without its digits', () => {
    expect(errors('x = "a\\qb"\n')).toEqual([
      '1:7-1:8 "\\q" is not an escape HCL knows; write "\\\\" for a backslash',
    ]);
    expect(errors('x = "\\u12"\n')).toEqual(['1:6-1:7 \\u needs 4 hex digits; write "\\\\" for a backslash']);
  });

  it('a string left open at the end of its line', () => {
    expect(errors('x = "abc\ny = 1\n')).toEqual([
      '1:5-1:5 unterminated string: close the quote on the same line, or use a heredoc for multi-line text',
    ]);
  });

  it('a heredoc never closed, and one whose opening line has more on it', () => {
    expect(errors('x = <<EOT\ntext\n')).toEqual([
      '1:5-1:9 heredoc <<EOT is never closed; add a line holding only EOT',
    ]);
    expect(errors('x = <<EOT text\nEOT\n')[0]).toBe(
      "1:5-1:9 a heredoc's <<EOT must end its line; start the text on the next line",
    );
  });

  it('template directives: unclosed, unmatched, unknown', () => {
    expect(errors('x = "%{ if var.a }yes"\n')).toEqual(['1:6-1:18 %{ if } is never closed; add %{ endif }']);
    expect(errors('x = "yes%{ endif }"\n')).toEqual([
      '1:9-1:18 %{ endif } without the %{ if } or %{ for } it closes',
    ]);
    expect(errors('x = "%{ if a }1%{ endfor }"\n')[0]).toBe(
      '1:16-1:26 %{ endfor } does not close %{ if }; use %{ endif }',
    );
    expect(errors('x = "%{ while a }"\n')[0]).toMatch(/^1:6-1:\d+ unknown template directive "%\{ while"/);
  });

  it('only the first error inside one argument: the rest follow from it', () => {
    expect(errors('x = [for s : s]\ny = 1\n')).toEqual([
      '1:12-1:12 a "for" expression reads "for NAME in COLLECTION :", found ":"',
    ]);
    // Inside parentheses newlines do not end the argument, so the next line is read into it.
    expect(errors('a = (1 + \nb = ]\nc = 1\n')).toEqual(['2:3-2:3 missing ")", found "="']);
  });

  it('a list whose `]` is missing before the next argument', () => {
    expect(errors('x = [1, 2\ny = 3\n')).toEqual(['2:1-2:1 missing "]"']);
    expect(errors('x = [1 2]\n')).toEqual(['1:8-1:8 missing "," between list items']);
  });

  it('a carriage return that is not part of CRLF', () => {
    expect(errors('a {\r\n  b = 1\r\r\n}\r\n')).toEqual([
      '2:8-2:8 unexpected character U+000D: not valid HCL here',
    ]);
  });

  it('an argument with no value, and a comment never closed', () => {
    expect(errors('x =\ny = 1\n')).toEqual([
      '1:1-1:1 argument "x" has no value: write one after "=", found the end of the line',
    ]);
    expect(errors('/* open\nx = 1\n')).toEqual(['1:1-1:2 a "/*" comment is never closed; add "*/"']);
  });
});

describe('nesting limits: a clear syntax error, never a stack overflow', () => {
  const errors = (text: string) => parseHcl('t.pkr.hcl', text).errors.map((e) => e.message);
  const tooDeep =
    'nesting deeper than 256 levels: imagegate stops reading this file here; flatten the expression or block';

  it('in brackets, parentheses, blocks, interpolations and directives', () => {
    const n = 5000;
    expect(errors(`x = ${'['.repeat(n)}${']'.repeat(n)}\n`)).toEqual([tooDeep]);
    expect(errors(`x = ${'('.repeat(n)}1${')'.repeat(n)}\n`)).toEqual([tooDeep]);
    expect(errors(`${'a {\n'.repeat(n)}${'}\n'.repeat(n)}`)).toEqual([tooDeep]);
    expect(errors(`x = "${'${"'.repeat(n)}${'"}'.repeat(n)}"\n`)).toEqual([tooDeep]);
    expect(errors(`x = "${'%{if a}'.repeat(n)}${'%{endif}'.repeat(n)}"\n`)).toEqual([tooDeep]);
  });

  it('keeps what it read before the limit, and reads deep-but-sane nesting', () => {
    const parsed = parseHcl('t.pkr.hcl', `first = 1\nx = ${'['.repeat(300)}\n`);
    expect(parsed.body.attributes.map((a) => a.name)).toEqual(['first']);
    expect(errors(`x = ${'['.repeat(100)}${']'.repeat(100)}\n`)).toEqual([]);
    // Operator chains are loops, not recursion: no limit.
    expect(errors(`x = ${'!'.repeat(5000)}true\ny = ${Array(5000).fill('1').join(' + ')}\n`)).toEqual([]);
  });
});
