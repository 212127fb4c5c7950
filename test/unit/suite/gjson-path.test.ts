import { describe, expect, it } from 'vitest';
import { get, gjsonValid, matchPattern, resultValue } from '../../../src/suite/matchers/gjson-path.js';
import { evaluateMatcher } from '../../../src/suite/matchers/index.js';

/**
 * Cases written from gjson's SYNTAX.md semantics (tidwall/gjson v1.19.0, what goss uses), on a
 * document of our own: each path's Result.Value(), or undefined when !Exists().
 */
const DOC = `{
  "owner": {"given": "Ada", "family": "Lovelace"},
  "years": 36,
  "langs": ["go","rust","c"],
  "odd.key": "dotted",
  "team": [
    {"given": "Bea", "family": "Ortiz", "years": 41, "tags": ["ops", "db", "web"]},
    {"given": "Cal", "family": "Nguyen", "years": 63, "tags": ["db", "web"]},
    {"given": "Dee", "family": "Ortiz", "years": 29, "tags": ["ops", "web"]}
  ],
  "flags": {"b": true, "a": false, "z": null},
  "nested": [[1,2],[3,[4,5]]],
  "embedded": "{\\"x\\":[1,2]}"
}`;

const value = (path: string): unknown => {
  const r = get(DOC, path);
  return r === null ? undefined : resultValue(r);
};

describe('gjson paths (SYNTAX.md)', () => {
  it.each([
    // basic
    ['owner.family', 'Lovelace'],
    ['years', 36],
    ['langs', ['go', 'rust', 'c']],
    ['langs.1', 'rust'],
    ['langs.3', undefined],
    ['team.1.given', 'Cal'],
    ['nope', undefined],
    ['owner.given.more', undefined],
    // wildcards: first key that matches, in document order
    ['lan*.2', 'c'],
    ['l?ngs.0', 'go'],
    ['owner.*', 'Ada'],
    ['flags.?', true],
    // escapes
    ['odd\\.key', 'dotted'],
    // arrays
    ['langs.#', 3],
    ['team.#.years', [41, 63, 29]],
    ['team.#.tags.0', ['ops', 'db', 'ops']],
    ['team.#.missing', []],
    ['team.#.tags.#', [3, 2, 2]],
    // queries
    ['team.#(family=="Ortiz").given', 'Bea'],
    ['team.#(family=="Ortiz")#.given', ['Bea', 'Dee']],
    ['team.#(years>40)#.family', ['Ortiz', 'Nguyen']],
    ['team.#(years<=29).given', 'Dee'],
    ['team.#(given%"C*").family', 'Nguyen'],
    ['team.#(given!%"C*")#.given', ['Bea', 'Dee']],
    ['team.#(family=="Nobody").given', undefined],
    ['team.#(family=="Nobody")#', []],
    ['langs.#(!%"*u*")', 'go'],
    ['langs.#(%"*u*")#', ['rust']],
    ['langs.#(=="c")', 'c'],
    ['team.#(tags.#(=="ops"))#.given', ['Bea', 'Dee']],
    ['team.#(tags)#.given', ['Bea', 'Cal', 'Dee']],
    ['team.#(years==63).given', 'Cal'],
    ['team.#(given>"Bz")#.given', ['Cal', 'Dee']],
    ['team.#(family="Ortiz")#|#', 2],
    // dot vs pipe
    ['team|0.given', 'Bea'],
    ['team.0|given', 'Bea'],
    ['team|#', 3],
    ['team.#(family=="Ortiz")#.0', []],
    ['team.#(family=="Ortiz")#|0.given', 'Bea'],
    ['team.#(family=="Ortiz")#|given', undefined],
    // modifiers
    ['langs.@reverse', ['c', 'rust', 'go']],
    ['langs.@reverse.0', 'c'],
    ['langs|@reverse|0', 'c'],
    ['flags.@keys', ['b', 'a', 'z']],
    ['flags.@values', [true, false, null]],
    ['flags.@reverse.@keys', ['z', 'a', 'b']],
    ['nested.@flatten', [1, 2, 3, [4, 5]]],
    ['nested.@flatten:{"deep":true}', [1, 2, 3, 4, 5]],
    // `.@modifier` after `#.` runs per element; `|@modifier` on the whole result.
    [
      'team.#.tags.@flatten',
      [
        ['ops', 'db', 'web'],
        ['db', 'web'],
        ['ops', 'web'],
      ],
    ],
    ['team.#.tags|@flatten', ['ops', 'db', 'web', 'db', 'web', 'ops', 'web']],
    ['@this.years', 36],
    ['owner.@ugly', { given: 'Ada', family: 'Lovelace' }],
    ['owner.@pretty', { given: 'Ada', family: 'Lovelace' }],
    ['owner.@tostr', '{"given": "Ada", "family": "Lovelace"}'],
    ['embedded.@fromstr.x.1', 2],
    ['[team.0,team.1].@join.given', 'Cal'],
    ['{"g":owner.given,years}', { g: 'Ada', years: 36 }],
    ['[owner.given,langs.0,nope]', ['Ada', 'go']],
    ['{owner.given,team.#(years>60).family}', { given: 'Ada', family: 'Nguyen' }],
    ['@dig:given', ['Ada', 'Bea', 'Cal', 'Dee']],
    ['{"x":langs}.@group', [{ x: 'go' }, { x: 'rust' }, { x: 'c' }]],
    ['@valid.owner.given', 'Ada'],
    ['owner.@nosuchmodifier', undefined],
    // literals
    ['!true', true],
    ['{"a":!"lit",years}', { a: 'lit', years: 36 }],
  ])('%s', (path, expected) => {
    expect(value(path)).toEqual(expected);
  });

  it('a scalar document has no paths; modifiers still apply to it', () => {
    expect(get('"abc"', 'x')).toBeNull();
    expect(resultValue(get('"abc"', '@this')!)).toBe('abc');
  });

  it('finds the first of duplicate keys, as gjson reads the text', () => {
    expect(resultValue(get('{"a":1,"a":2}', 'a')!)).toBe(1);
    expect(resultValue(get('{"a":1,"a":2}', '@this')!)).toEqual({ a: 2 });
  });

  it('valid JSON and like-patterns', () => {
    expect(gjsonValid('{"a":[1,2,{"b":null}]}')).toBe(true);
    expect(gjsonValid('{"a":1} x')).toBe(false);
    expect(gjsonValid("{'a':1}")).toBe(false);
    expect(matchPattern('hello', 'h*o')).toBe(true);
    expect(matchPattern('hello', 'h?llo')).toBe(true);
    expect(matchPattern('h*llo', 'h\\*llo')).toBe(true);
    expect(matchPattern('hallo', 'h\\*llo')).toBe(false);
    expect(matchPattern('abcbxd', 'a*b?d')).toBe(true);
    expect(matchPattern('abcbd', 'a*b?d')).toBe(false);
    expect(matchPattern('', '*')).toBe(true);
    expect(matchPattern('ab', 'a')).toBe(false);
    // Linear, not backtracking: a pattern that takes a regex engine exponential time returns at once.
    const started = Date.now();
    expect(matchPattern('a'.repeat(50000), `${'*a'.repeat(30)}b`)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('~true, ~false, ~null and ~* query a value by truthiness', () => {
    const doc = '[{"n":"a","on":true},{"n":"b","on":"false"},{"n":"c"},{"n":"d","on":1},{"n":"e","on":null}]';
    const names = (q: string) => resultValue(get(doc, `#(${q})#.n`)!);
    expect(names('on==~true')).toEqual(['a', 'd']);
    expect(names('on==~false')).toEqual(['b', 'c', 'e']);
    expect(names('on==~null')).toEqual(['c', 'e']);
    expect(names('on==~*')).toEqual(['a', 'b', 'd', 'e']);
  });
});

describe('gjson in matchers', () => {
  it('passes a query path with its matcher and reports the path when it is not found', () => {
    expect(evaluateMatcher({ gjson: { 'team.#(years>60).given': 'Cal' } }, DOC).ok).toBe(true);
    expect(evaluateMatcher({ gjson: { 'flags.@keys': ['b', 'a', 'z'] } }, DOC).ok).toBe(true);
    const miss = evaluateMatcher({ gjson: { 'team.#(years>99).given': 'x' } }, DOC);
    expect(miss.ok).toBe(false);
    expect(miss.error).toBe(
      'matchers.Gjson{Path:"team.#(years>99).given"}: Path not found: team.#(years>99).given',
    );
  });
});
