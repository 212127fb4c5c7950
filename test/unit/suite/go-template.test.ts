import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SuiteError } from '../../../src/suite/errors.js';
import { renderTemplate, type TemplateData } from '../../../src/suite/go-template.js';

const data = (vars: Record<string, unknown> = {}, env: Record<string, string> = {}): TemplateData => ({
  Vars: vars,
  Env: env,
});
const render = (src: string, d: TemplateData = data()) => renderTemplate(src, 'goss.yaml', d);

describe('values and pipelines', () => {
  it('substitutes .Vars and .Env, nested keys included', () => {
    expect(render('a: {{ .Vars.x.y }} b: {{.Env.HOME}}', data({ x: { y: 42 } }, { HOME: '/root' }))).toBe(
      'a: 42 b: /root',
    );
  });

  it('a missing env var is empty (goss: map[string]string)', () => {
    expect(render('[{{ .Env.NOPE }}]')).toBe('[]');
  });

  it('pipes the previous value as the last argument', () => {
    expect(render('{{ "hello!" | upper | repeat 2 }}')).toBe('HELLO!HELLO!');
    expect(render('{{ .Vars.s | toLower }}', data({ s: 'MiXeD' }))).toBe('mixed');
    expect(render('{{ printf "%s-%d" .Vars.a 7 }}', data({ a: 'x' }))).toBe('x-7');
  });

  it('supports parentheses, index and len', () => {
    const d = data({ m: { k: ['a', 'b'] } });
    expect(render('{{ index .Vars.m "k" 1 }} {{ len (index .Vars.m "k") }}', d)).toBe('b 2');
  });

  it('variables: declare, assign, and $ for the root', () => {
    expect(
      render(
        '{{ $x := "a" }}{{ $x = "b" }}{{ $x }}{{ range mkSlice 1 }}{{ $.Vars.v }}{{ end }}',
        data({ v: 'r' }),
      ),
    ).toBe('br');
  });

  it('trims whitespace with {{- and -}}', () => {
    expect(render('a  \n  {{- "b" -}}  \n  c')).toBe('abc');
  });

  it('skips comments', () => {
    expect(render('a{{/* note */}}b')).toBe('ab');
  });

  it('prints lists and maps as Go does', () => {
    expect(render('{{ .Vars.l }} {{ .Vars.m }}', data({ l: [1, 'a'], m: { b: 2, a: 1 } }))).toBe(
      '[1 a] map[a:1 b:2]',
    );
  });
});

describe('control structures', () => {
  it('if / else if / else', () => {
    const t =
      '{{ if eq .Env.OS "centos" }}C{{ else if .Env.OS | regexMatch "[Dd]ebian" }}D{{ else }}O{{ end }}';
    expect(render(t, data({}, { OS: 'centos' }))).toBe('C');
    expect(render(t, data({}, { OS: 'Debian' }))).toBe('D');
    expect(render(t, data({}, { OS: 'alpine' }))).toBe('O');
  });

  it('Go truthiness: empty string, 0, empty list/map, missing key are false', () => {
    const d = data({ s: '', n: 0, l: [], m: {}, t: 'x' });
    expect(
      render(
        '{{if .Vars.s}}1{{end}}{{if .Vars.n}}2{{end}}{{if .Vars.l}}3{{end}}{{if .Vars.m}}4{{end}}{{if .Vars.nope}}5{{end}}{{if .Vars.t}}6{{end}}',
        d,
      ),
    ).toBe('6');
  });

  it('and / or / not / comparisons', () => {
    const d = data({ a: 3, b: 'x' });
    expect(
      render(
        '{{ and (gt .Vars.a 2) (ne .Vars.b "y") }} {{ or false .Vars.b }} {{ not .Vars.a }} {{ le 3 3 }} {{ lt "a" "b" }}',
        d,
      ),
    ).toBe('true x false true true');
    expect(render('{{ eq .Vars.b "y" "x" }}', d)).toBe('true');
  });

  it('range over a list, with $i, $v and else', () => {
    expect(render('{{ range $i, $v := .Vars.l }}{{$i}}={{$v}};{{ end }}', data({ l: ['a', 'b'] }))).toBe(
      '0=a;1=b;',
    );
    expect(render('{{ range .Vars.l }}x{{ else }}empty{{ end }}', data({ l: [] }))).toBe('empty');
  });

  it('range over a map visits keys in sorted order (Go)', () => {
    expect(render('{{ range $k, $v := .Vars.m }}{{$k}}:{{$v}} {{ end }}', data({ m: { b: 2, a: 1 } }))).toBe(
      'a:1 b:2 ',
    );
  });

  it('with sets dot, else when empty', () => {
    expect(render('{{ with .Vars.u }}{{ .name }}{{ else }}none{{ end }}', data({ u: { name: 'bob' } }))).toBe(
      'bob',
    );
    expect(render('{{ with .Vars.u }}{{ .name }}{{ else }}none{{ end }}', data({}))).toBe('none');
  });

  it("goss's documented package loop renders", () => {
    const vars = { centos: { packages: { kernel: ['4.9.11-centos', '4.9.11-centos2'] } } };
    const t =
      'package:\n{{range $name, $vers := index .Vars .Env.OS "packages"}}  {{$name}}:\n    versions:\n{{range $vers}}      - {{.}}\n{{end}}{{end}}';
    expect(render(t, data(vars, { OS: 'centos' }))).toBe(
      'package:\n  kernel:\n    versions:\n      - 4.9.11-centos\n      - 4.9.11-centos2\n',
    );
  });
});

describe('goss helper functions', () => {
  it('mkSlice, getEnv with default, split, toUpper', () => {
    expect(render('{{ range mkSlice "/etc/passwd" "/etc/group" }}{{.}} {{ end }}')).toBe(
      '/etc/passwd /etc/group ',
    );
    expect(render('{{ getEnv "NOPE" "dflt" }} {{ getEnv "A" }}', data({}, { A: 'a' }))).toBe('dflt a');
    expect(render('{{ $p := split ":" "a:b" }}{{ $p._1 }}')).toBe('b');
    expect(render('{{ toUpper "abc" }}')).toBe('ABC');
  });

  it('readFile trims the content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ig-tpl-'));
    writeFileSync(join(dir, 'token'), '  s3cret \n');
    expect(renderTemplate('{{ readFile "token" }}', 'g.yaml', data(), { cwd: dir })).toBe('s3cret');
  });

  it('findStringSubmatch returns named groups', () => {
    expect(
      render('{{ $m := findStringSubmatch "(?P<u>[a-z]+)@(?P<h>[a-z]+)" "bob@host" }}{{ $m.u }}/{{ $m.h }}'),
    ).toBe('bob/host');
  });

  it('findStringSubmatch without names indexes groups from "0" (the whole match), as goss', () => {
    expect(
      render(
        '{{ $m := findStringSubmatch "([a-z]+)@([a-z]+)" "to bob@host" }}{{ index $m "0" }}|{{ index $m "2" }}',
      ),
    ).toBe('bob@host|host');
  });

  it('regexMatch is RE2: Go syntax, linear time', () => {
    expect(render('{{ regexMatch `^\\pL+$` "héllo" }}')).toBe('true');
    expect(render(`{{ regexMatch "^(a+)+$" "${'a'.repeat(3000)}b" }}`)).toBe('false');
  });
});

describe('errors name file and line, never silent text', () => {
  const cases: [string, string, RegExp][] = [
    [
      'missing var',
      'a: 1\nb: {{ .Vars.nope }}\n',
      /^goss\.yaml:2: template: \{\{\.Vars\.nope\}\} has no value/,
    ],
    [
      'unknown function',
      'a\n\n{{ genPrivateKey "x" }}',
      /^goss\.yaml:3: template: function "genPrivateKey" is not supported/,
    ],
    ['define', '{{ define "x" }}{{ end }}', /^goss\.yaml:1: template: "\{\{define\}\}" is not supported/],
    ['template', '\n{{ template "x" }}', /^goss\.yaml:2: template: "\{\{template\}\}" is not supported/],
    ['unclosed if', 'x\n{{ if true }}\nfoo\n', /^goss\.yaml:2: template: \{\{if\}\} is never closed/],
    ['stray end', '{{ end }}', /unexpected \{\{end\}\}/],
    ['unclosed action', 'a\n{{ .Vars.x', /^goss\.yaml:2: template: unclosed action/],
    ['type mismatch in eq', '{{ eq 1 "1" }}', /incompatible types for comparison/],
    ['bad readFile', '{{ readFile "/nonexistent/x" }}', /readFile "\/nonexistent\/x": ENOENT/],
    ['field of a function result', '{{ mkSlice.x }}', /not supported/],
  ];
  it.each(cases)('%s', (_name, src, pattern) => {
    let caught: unknown;
    try {
      render(src);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SuiteError);
    expect((caught as SuiteError).exitCode).toBe(78);
    expect((caught as Error).message).toMatch(pattern);
  });
});

it('text without actions is returned unchanged', () => {
  const src = 'file:\n  /etc/passwd:\n    exists: true\n';
  expect(render(src)).toBe(src);
});

describe('shquote (imagegate extension)', () => {
  it('makes each argument one single-quoted shell word, quotes inside included', () => {
    expect(render(`{{ shquote .Vars.a .Vars.b }}`, data({ a: "it's", b: '$(reboot)' }))).toBe(
      `'it'\\''s' '$(reboot)'`,
    );
    expect(render('{{ range .Vars.l }} {{ . | shquote }}{{ end }}', data({ l: ['-v', 7] }))).toBe(
      " '-v' '7'",
    );
  });

  it('refuses a NUL byte, naming the line', () => {
    expect(() => render('x\n{{ shquote .Vars.a }}', data({ a: 'a\0b' }))).toThrow(
      /goss\.yaml:2.*shquote: .*NUL/,
    );
  });
});
