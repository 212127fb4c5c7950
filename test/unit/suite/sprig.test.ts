import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../../src/suite/go-template.js';

const render = (src: string, vars: Record<string, unknown> = {}, env: Record<string, string> = {}) =>
  renderTemplate(src, 'goss.yaml', { Vars: vars, Env: env });

/** Sprig functions goss registers, as gossfiles use them; expectations follow Sprig v3. */
describe('Sprig functions in templates', () => {
  it.each([
    ['{{ toJson .Vars.m }}', { m: { b: [1, 'x'], a: '<&>' } }, '{"a":"\\u003c\\u0026\\u003e","b":[1,"x"]}'],
    ['{{ toRawJson .Vars.m }}', { m: { a: '<' } }, '{"a":"<"}'],
    ['{{ toPrettyJson .Vars.m }}', { m: { a: 1 } }, '{\n  "a": 1\n}'],
    [
      '{{ $d := dict "a" 1 "b" "two" }}{{ get $d "b" }}|{{ hasKey $d "a" }}|{{ hasKey $d "z" }}',
      {},
      'two|true|false',
    ],
    ['{{ $d := dict "a" 1 }}{{ $_ := set $d "c" 3 }}{{ keys $d | sortAlpha | join "," }}', {}, 'a,c'],
    ['{{ get .Vars.m "missing" }}|', { m: {} }, '|'],
    ['{{ .Vars.l | first }}-{{ .Vars.l | last }}-{{ .Vars.l | rest | len }}', { l: [1, 2, 3] }, '1-3-2'],
    ['{{ .Vars.l | uniq | toJson }}', { l: [1, 1, 'a', 'a'] }, '[1,"a"]'],
    ['{{ has 2 .Vars.l }} {{ without .Vars.l 2 | toJson }}', { l: [1, 2, 3] }, 'true [1,3]'],
    [
      '{{ add 1 2 3 }} {{ sub 5 2 }} {{ mul 2 3 }} {{ div 7 2 }} {{ mod 7 2 }} {{ max 1 9 3 }}',
      {},
      '6 3 6 3 1 9',
    ],
    ['{{ "  x  " | trim }}|{{ trimPrefix "v" "v1.2" }}|{{ trimSuffix ".git" "r.git" }}', {}, 'x|1.2|r'],
    [
      '{{ "hello world" | title }}|{{ snakecase "FooBar" }}|{{ substr 1 3 "hello" }}',
      {},
      'Hello World|foo_bar|el',
    ],
    ['{{ indent 2 "a\\nb" }}', {}, '  a\n  b'],
    ['{{ b64enc "hi" }} {{ b64dec "aGk=" }} {{ sha256sum "" | trunc 8 }}', {}, 'aGk= hi e3b0c442'],
    [
      '{{ regexFind "[0-9]+" "ab12cd34" }} {{ regexFindAll "[0-9]+" "ab12cd34" -1 | toJson }}',
      {},
      '12 ["12","34"]',
    ],
    [
      '{{ empty "" }} {{ empty .Vars.l }} {{ coalesce "" "x" }} {{ ternary "y" "n" true }}',
      { l: [] },
      'true true x y',
    ],
    ['{{ base "/a/b.txt" }} {{ dir "/a/b.txt" }} {{ ext "b.txt" }}', {}, 'b.txt /a .txt'],
    ['{{ until 3 | toJson }} {{ seq 3 }}', {}, '[0,1,2] 1 2 3'],
    ['{{ typeOf 1 }} {{ kindOf .Vars.l }} {{ atoi "42" | add 1 }}', { l: [] }, 'int slice 43'],
    ['{{ printf "%03d|%-4s|%5.1f" 7 "ab" 3.14159 }}', {}, '007|ab  |  3.1'],
  ])('%s', (src, vars, want) => {
    expect(render(src, vars)).toBe(want);
  });

  it('env and expandenv read the environment', () => {
    expect(render('{{ env "OS" }} {{ expandenv "os=$OS, $\x7bNOPE}." }}', {}, { OS: 'debian' })).toBe(
      'debian os=debian, .',
    );
  });

  it('a failing Sprig call names the function and the line', () => {
    expect(() => render('a\n{{ div 1 0 }}')).toThrow(
      /goss\.yaml:2: template: error calling div: integer divide by zero/,
    );
  });
});
