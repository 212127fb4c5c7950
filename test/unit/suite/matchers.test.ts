import { describe, expect, it } from 'vitest';
import { type LinesFact, linesFact } from '../../../src/suite/matchers/api.js';
import { evaluateMatcher } from '../../../src/suite/matchers/index.js';

const lines = (...l: string[]): LinesFact => ({ kind: 'lines', lines: l });

/**
 * Conformance with goss's documented matcher examples (docs/gossfile.md, "Matchers"), plus the
 * cases from goss's own matcher tests. Each row: expectation, fact, pass?
 */
const docExamples: [string, unknown, unknown, boolean][] = [
  // Default matchers: bool, strings, integers compare by equality
  ['basic_string', 'foo', 'foo', true],
  ['uid integer', 65534, 65534, true],
  ['bool', true, true, true],
  ['bool is not the string "true"', true, 'true', false],
  // Arrays: a subset, each expected element used once
  ['basic_array', ['group1', 'group2'], ['group1', 'group2', 'group3'], true],
  ['basic_array_failing', ['group1', 'group2', 'group2'], ['group1', 'group2', 'group3'], false],
  // String matchers convert the fact to a string
  [
    'string matchers on 42',
    {
      and: [
        '42',
        { 'have-prefix': '4' },
        { 'have-suffix': '2' },
        { 'match-regexp': '\\d{2}' },
        { 'contain-substring': '2' },
      ],
    },
    42,
    true,
  ],
  // Numeric matchers convert the fact to a number
  ['numeric matchers on "42"', { and: [42, 42.0, { gt: 40 }, { lt: 45 }] }, '42', true],
  ['ge/le bounds', { and: [{ ge: 42 }, { le: 42 }] }, '42', true],
  ['gt fails', { gt: 200 }, '128', false],
  // Array matchers
  [
    'array matchers on [foo, bar, moo]',
    {
      and: [
        { 'contain-elements': ['foo', 'bar'] },
        ['foo', 'bar'],
        { equal: ['foo', 'bar', 'moo'] },
        { 'consist-of': ['foo', { 'have-prefix': 'm' }, 'bar'] },
        { 'contain-element': { 'have-prefix': 'b' } },
      ],
    },
    ['foo', 'bar', 'moo'],
    true,
  ],
  ['equal on arrays is ordered', { equal: ['bar', 'foo', 'moo'] }, ['foo', 'bar', 'moo'], false],
  ['consist-of needs every element', { 'consist-of': ['foo', 'bar'] }, ['foo', 'bar', 'moo'], false],
  ['contain-element splits a string on newlines', { 'contain-element': 'b' }, 'a\nb\nc', true],
  // Misc matchers
  ['have-len on a list', { 'have-len': 3 }, ['a', 'b', 'c'], true],
  ['have-len on a string counts bytes (Go len)', { 'have-len': 2 }, 'é', true],
  ['have-len on a map', { 'have-len': 1 }, { a: 1 }, true],
  ['have-key', { 'have-key': 'baz' }, { foo: 'bar', baz: 'bing' }, true],
  ['have-key with a matcher', { 'have-key': { 'have-prefix': 'ba' } }, { foo: 'bar', baz: 'bing' }, true],
  ['not', { not: 'FAIL' }, 'PASS', true],
  ['or', { or: ['a', 'b'] }, 'b', true],
  ['or fails', { or: ['a', 'b'] }, 'c', false],
  // matching resource examples
  ['has_substr', { 'match-regexp': 'some str' }, 'some string', true],
  // Go (RE2) regexp spellings
  ['RE2 named group', { 'match-regexp': '^(?P<v>\\d+)\\.' }, '12.3', true],
  ['RE2 POSIX class', { 'match-regexp': '^[[:digit:]]+$' }, '123', true],
  ['RE2 POSIX class, negated', { 'match-regexp': '^[[:^digit:]]+$' }, 'abc1', false],
  ['RE2 \\A and \\z', { 'match-regexp': '\\Aab\\z' }, 'ab', true],
  ['RE2 \\z is the very end', { 'match-regexp': 'ab\\z' }, 'ab\n', false],
  ['RE2 (?i) flag', { 'match-regexp': '(?i)^ROOT' }, 'root', true],
  ['has_2', { 'contain-element': 2 }, [2], true],
  ['has_foo_bar_and_baz', { and: [{ 'have-key': 'baz' }] }, { foo: 'bar', baz: 'bing' }, true],
  [
    'have-key-with-value (goss v0.3 spelling)',
    { and: [{ 'have-key-with-value': { foo: 'bar' } }, { 'have-key': 'baz' }] },
    { foo: 'bar', baz: 'bing' },
    true,
  ],
  ['have-key-with-value mismatch', { 'have-key-with-value': { foo: 'baz' } }, { foo: 'bar' }, false],
  ['check_status: bare list on a list', [{ not: 'FAIL' }], ['PASS'], true],
  ['check_failure_count', 0, 0, true],
  ['check_instance_count', { gt: 0 }, 3, true],
  // semver-constraint (docs and goss's semver_constraint_test.go)
  ['semver', { 'semver-constraint': '>1.0.0 <2.0.0 !=1.5.0' }, ['1.0.1', '1.9.9'], true],
  ['semver2', { not: { 'semver-constraint': '>1.0.0 <2.0.0 !=1.5.0' } }, ['1.0.1', '1.5.0', '1.9.9'], true],
  ['semver3 with ||', { 'semver-constraint': '>5.0.0 || < 1.5.0' }, '1.0.1', true],
  ['every version in a list must satisfy', { 'semver-constraint': '>=1.0.0' }, ['1.0.0', '0.9.0'], false],
  ['pre_release_fail', { 'semver-constraint': '>= 4.0.0' }, ['4.0.0-rc1'], false],
  ['pre_release_valid', { 'semver-constraint': '< 4.0.0' }, ['4.0.0-rc1'], true],
  ['build_valid', { 'semver-constraint': '> 4.0.0' }, ['4.1.0+build'], true],
  ['wildcard 1.x', { 'semver-constraint': '1.x' }, '1.7.3', true],
  ['wildcard 1.x excludes 2.0.0', { 'semver-constraint': '1.x' }, '2.0.0', false],
  // gjson (docs example, with the JSON typo fixed)
  [
    'gjson doc example',
    {
      gjson: {
        'moo.nested': 'cow',
        foo: { 'have-prefix': 'b' },
        count: { le: 25 },
        '@this': { 'have-key': 'foo' },
        moo: { and: [{ 'have-key': 'nested' }, { not: { 'have-key': 'nested2' } }] },
      },
    },
    '{"foo": "bar", "moo": {"nested": "cow"}, "count": "15"}',
    true,
  ],
  ['gjson array index and length', { gjson: { 'list.1': 'b', 'list.#': 3 } }, '{"list":["a","b","c"]}', true],
  ['gjson #.field', { gjson: { 'xs.#.n': ['1', '2'] } }, '{"xs":[{"n":1},{"n":2},{"m":3}]}', true],
  ['gjson escaped dot', { gjson: { 'a\\.b': 'x' } }, '{"a.b":"x"}', true],
  // xml (goss's XML matcher)
  ['xml node text', { xml: { xpath: '/a/b/text()', result: 'x' } }, '<a><b>x</b></a>', true],
  ['xml count', { xml: { xpath: 'count(//b)', result: '2' } }, '<a><b/><b/></a>', true],
  ['xml node-set exists', { xml: { xpath: '//b' } }, '<a><b/></a>', true],
  ['xml mismatch', { xml: { xpath: '/a/b/text()', result: 'y' } }, '<a><b>x</b></a>', false],
];

describe('goss documented matcher examples', () => {
  it.each(docExamples)('%s', (_name, expected, actual, pass) => {
    const out = evaluateMatcher(expected, actual);
    expect(out.error).toBeUndefined();
    expect(out.ok).toBe(pass);
  });
});

describe('line patterns (io.Reader facts: file contents, command output, http body)', () => {
  const content = lines('foo is here', 'Goss rocks', 'nothing else');
  it.each([
    [['foo', '!bar', '/[Gg]oss/'], true],
    [['bar'], false],
    [['!foo'], false],
    [['/^Goss/'], true],
    [['!/^Goss/'], false],
    [['!/^goss/'], true],
    [['/(?i)^GOSS/'], true],
    [[''], true],
  ])('%j', (patterns, pass) => {
    expect(evaluateMatcher(patterns, content).ok).toBe(pass);
  });

  it('an empty pattern passes even on empty output, as in goss', () => {
    expect(evaluateMatcher([''], lines()).ok).toBe(true);
    expect(evaluateMatcher(['x'], lines()).ok).toBe(false);
  });

  it('a leading backslash is stripped, so "\\\\!foo" is a plain (not inverted) pattern', () => {
    expect(evaluateMatcher(['\\!foo'], lines('a !foo b')).ok).toBe(true);
    expect(evaluateMatcher(['\\!foo'], lines('nothing')).ok).toBe(false);
  });

  it('reports missing and found patterns', () => {
    const out = evaluateMatcher(['foo', 'bar', '!Goss'], content);
    expect(out.ok).toBe(false);
    expect(out.result['missing-elements']).toEqual(['bar', '!Goss']);
    expect(out.result['found-elements']).toEqual(['foo']);
    expect(out.message).toContain('to have patterns');
    expect(out.message).toContain('the missing elements were\n    ["bar","!Goss"]');
  });

  it('the "and" spelling from the docs is equivalent to the bare patterns', () => {
    const and = {
      and: [
        { 'contain-element': 'foo is here' },
        { not: { 'contain-element': 'bar' } },
        { 'contain-element': { 'match-regexp': '[Gg]oss' } },
      ],
    };
    expect(evaluateMatcher(and, content).ok).toBe(true);
    expect(evaluateMatcher(and, lines('foo is here', 'bar', 'goss')).ok).toBe(false);
  });

  it('non-list expectations see the whole text', () => {
    expect(evaluateMatcher({ 'contain-substring': 'rocks\nnothing' }, content).ok).toBe(true);
    expect(evaluateMatcher('foo is here\nGoss rocks\nnothing else', content).ok).toBe(true);
    expect(evaluateMatcher({ 'have-patterns': ['/rocks$/'] }, content).ok).toBe(true);
  });

  it('keeps the final newline, as goss reads the raw bytes (YAML block scalars end in "\\n")', () => {
    const raw = linesFact('root\nbin\n');
    expect(evaluateMatcher('root\nbin\n', raw).ok).toBe(true);
    expect(evaluateMatcher('root\nbin', raw).ok).toBe(false);
    expect(evaluateMatcher({ 'have-len': 9 }, raw).ok).toBe(true);
    expect(evaluateMatcher({ 'have-suffix': '\n' }, raw).ok).toBe(true);
    // Line patterns still see two lines, not a third empty one.
    expect(evaluateMatcher(['root', 'bin'], raw).ok).toBe(true);
    expect(evaluateMatcher({ 'have-len': 0 }, linesFact('')).ok).toBe(true);
  });
});

describe("goss's failure wording", () => {
  it('equal: actual first, then expected, as JSON indented four spaces', () => {
    const out = evaluateMatcher('bar', 'foo');
    expect(out.message).toBe(
      'Expected\n    "foo"\nto equal\n    "bar"\ndiff\n    --- test\n    +++ actual\n    @@ -1 +1 @@\n    -bar\n    +foo',
    );
    expect(out.result).toEqual({ message: 'to equal', actual: 'foo', expected: 'bar' });
  });

  it('the transformed kernel-param example from the docs, with and without the raw value', () => {
    const out = evaluateMatcher({ gt: 200 }, '128');
    expect(out.message).toBe(
      'Expected\n    128\nto be numerically gt\n    200\nthe transform chain was\n    [{"to-numeric":{}}]\nthe raw value was\n    "128"',
    );
    expect(out.result['transform-chain']).toEqual([{ 'to-numeric': {} }]);
    expect(out.result['untransformed-value']).toBe('128');
  });

  it('contain-elements names the missing elements', () => {
    const out = evaluateMatcher(['group1', 'group2', 'group2'], ['group1', 'group2', 'group3']);
    expect(out.result.message).toBe('to contain elements matching');
    expect(out.result['missing-elements']).toEqual(['group2']);
    expect(out.message).toContain('the missing elements were\n    ["group2"]');
  });

  it('consist-of names missing and extra elements', () => {
    const out = evaluateMatcher({ 'consist-of': ['foo', 'zzz'] }, ['foo', 'bar']);
    expect(out.result.message).toBe('to consist of');
    expect(out.result['missing-elements']).toEqual(['zzz']);
    expect(out.result['extra-elements']).toEqual(['bar']);
    expect(out.message).toContain('the extra elements were\n    ["bar"]');
  });

  it.each([
    [{ 'have-prefix': 'x' }, 'abc', 'to have prefix'],
    [{ 'have-suffix': 'x' }, 'abc', 'to have suffix'],
    [{ 'contain-substring': 'x' }, 'abc', 'to contain substring'],
    [{ 'match-regexp': '^x' }, 'abc', 'to match regular expression'],
    [{ 'have-len': 2 }, ['a'], 'to have length'],
    [{ 'have-key': 'x' }, { a: 1 }, 'to have key matching'],
    [{ 'contain-element': 'x' }, ['a'], 'to contain element matching'],
    [{ not: 'abc' }, 'abc', 'not to equal'],
    [{ or: ['x', 'y'] }, 'abc', 'to satisfy at least one of these matchers'],
    [{ and: ['abc', { 'have-prefix': 'z' }] }, 'abc', 'to have prefix'],
    [{ 'semver-constraint': '>2.0.0' }, '1.0.0', 'to satisfy semver constraint'],
    [{ lt: 1 }, 5, 'to be numerically lt'],
  ])('%j on %j says "%s"', (expected, actual, message) => {
    const out = evaluateMatcher(expected, actual);
    expect(out.ok).toBe(false);
    expect(out.result.message).toBe(message);
    expect(out.message.split('\n')[2]).toBe(message);
  });

  it('a transform error names the transformer as Go prints it, then the chain and the raw value', () => {
    const out = evaluateMatcher({ gjson: { foo: 'x' } }, '{"a":1}');
    expect(out.message).toBe(
      'Error\n    matchers.Gjson{Path:"foo"}: Path not found: foo\nthe transform chain was\n    [{"gjson":{"Path":"foo"}}]\nthe raw value was\n    "{\\"a\\":1}"',
    );
  });

  it('a nested bare number marshals as {"eq":N}, as goss\'s BeNumerically does', () => {
    const out = evaluateMatcher({ or: [42, 43] }, 41);
    expect(out.result.expected).toEqual([{ eq: 42 }, { eq: 43 }]);
  });

  it('line patterns on a reader report the reader, not its text', () => {
    const out = evaluateMatcher(['fox'], linesFact('foo\n', '*os.File'));
    expect(out.result.actual).toBe('object: *os.File');
    expect(out.result['missing-elements']).toEqual(['fox']);
  });

  it('gjson failures show the path in the transform chain', () => {
    const out = evaluateMatcher({ gjson: { 'moo.nested': 'dog' } }, '{"moo":{"nested":"cow"}}');
    expect(out.ok).toBe(false);
    expect(out.result.actual).toBe('cow');
    expect(out.result['transform-chain']).toEqual([{ gjson: { Path: 'moo.nested' } }]);
  });
});

describe('errors (goss reports these as err, not as a mismatch)', () => {
  it.each([
    [{ 'have-prefx': 'a' }, 'a', /Unknown matcher: have-prefx/],
    [{ 'have-prefix': 'a', 'have-suffix': 'b' }, 'ab', /only one matcher is allowed/],
    [{ 'have-prefix': 1 }, 'a', /Invalid 'have-prefix' argument. Expected string/],
    [{ gt: 'x' }, 1, /Invalid 'gt' argument. Expected numeric/],
    [{ gt: 1 }, 'abc', /^matchers.ToNumeric\{\}: strconv.ParseFloat: parsing "abc": invalid syntax$/],
    // goss gives a bare list to ContainElements as it is: a string is an error, not one element.
    [['PASS'], 'PASS', /^ContainElements matcher expects an array\/slice\/map. {2}Got:\n {4}<string>: PASS$/],
    [{ 'semver-constraint': 'invalid' }, '1.0.0', /Expected a valid semver constraint/],
    [{ 'semver-constraint': '> 4.0.0' }, ['4.4.019-1'], /semver valid version/],
    [{ gjson: { foo: 'x' } }, 'not json', /Invalid json/],
    [{ gjson: { bar: 'x' } }, '{"foo":1}', /Path not found: bar/],
    [{ gjson: { 'friends.#(last=="Murphy")': 'x' } }, '{}', /Path not found: friends.#\(last=="Murphy"\)/],
    [{ gjson: { '..0': 'x' } }, '{}', /JSON lines \(\.\.\) are not supported/],
    [{ 'have-len': 1 }, 5, /HaveLen matcher expects/],
    [{ xml: { xpath: '//a' } }, '<a>', /Cannot parse XML/],
    [null, 'x', /Missing required attribute/],
  ])('%j on %j', (expected, actual, pattern) => {
    const out = evaluateMatcher(expected, actual);
    expect(out.ok).toBe(false);
    expect(out.error).toMatch(pattern);
    expect(out.message.startsWith('Error\n    ')).toBe(true);
  });
});

describe('success results', () => {
  it('carry goss\'s "matches expectation" with the expectation as written', () => {
    const out = evaluateMatcher({ 'have-prefix': 'ro' }, 'root');
    expect(out).toEqual({
      ok: true,
      message: '',
      result: { message: 'matches expectation', actual: 'root', expected: { 'have-prefix': 'ro' } },
    });
  });
});

describe('regular expressions are Go RE2: linear time, Go syntax, Go errors', () => {
  it('a pattern that backtracks exponentially in JavaScript answers at once', () => {
    const started = Date.now();
    const out = evaluateMatcher({ 'match-regexp': '^(a+)+$' }, `${'a'.repeat(5000)}b`);
    expect(out.ok).toBe(false);
    expect(evaluateMatcher(['/^(a+)+$/'], lines(`${'a'.repeat(5000)}b`)).ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.each([
    ['\\Qa.b\\E', 'xa.by', true],
    ['\\Qa.b\\E', 'xacby', false],
    ['^\\pL+$', 'héllo', true],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['(?U)^a+', 'aaa', true],
    ['(?s)a.b', 'a\nb', true],
    ['(?i)^ROOT', 'root', true],
  ])('%s on %j: %s', (re, s, want) => {
    expect(evaluateMatcher({ 'match-regexp': re }, s).ok).toBe(want);
  });

  it('lookaround and backreferences are errors, with Go wording', () => {
    const out = evaluateMatcher({ 'match-regexp': 'a(?=b)' }, 'ab');
    expect(out.error).toBe('error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
  });
});
